// The model's formats: config, flat parameter layout, llama2.c / safetensors / checkpoint files.
export * from './config.ts';
export * from './layout.ts';
export * from './ropePermute.ts';
export * from './llama2c.ts';
export * from './safetensors.ts';
export * from './checkpoint.ts';
export * from './init.ts';
export { f16ToF32, bf16ToF32, f32ToF16Bits, f32ToBf16Bits } from './halfFloat.ts';
