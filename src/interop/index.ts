// Interop with the ecosystem (issue 7): Hugging Face Llama folders in and out, ONNX export, and
// onnxruntime-web as a second runtime (the app's inference path without WebGPU, and a cross-check
// of our kernels). Browser-safe: bytes and FileSources in, bytes out; Node paths live in src/cli.
export * from './sources.ts';
export * from './hf_config.ts';
export * from './hf_import.ts';
export * from './hf_export.ts';
export * from './memory.ts';
export * from './llama2c_tokenizer_json.ts';
export { exportOnnx, ONNX_META, ONNX_NAMES, ONNX_OPSET, type OnnxVariant, type OnnxModelInput, type OnnxExportOptions } from './onnx_export.ts';
export { onnxMetadata } from './onnx_graph.ts';
export { loadOrt, configureOrt, webgpuAvailable, OrtLlama, OrtGenerator, OrtError, type OrtExecutionProvider, type OrtLoadOptions, type OrtCache } from './ort.ts';
export { OrtJudge, type OrtJudgeOptions, type CheckpointSource } from './ort_judge.ts';
