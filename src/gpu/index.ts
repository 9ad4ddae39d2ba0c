// The GPU runtime: device acquisition, buffers, pipelines, dispatch. Imports nothing from the rest of
// the project (gpu → kernels → model → train / infer / eval → worker → ui).
export * from './errors.ts';
export * from './device.ts';
export * from './buffers.ts';
export * from './pipelines.ts';
export * from './dispatch.ts';
