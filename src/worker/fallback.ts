// Inference without WebGPU. Issue 7 (src/interop/) is building an ONNX export and an ONNX Runtime
// Web judge; when it lands, this is where the worker hands the Playground to it. Until then the
// app says plainly that WebGPU is required.
import type { FallbackStatus } from './protocol.ts';

export const FALLBACK_UNAVAILABLE = 'WebGPU is required; ONNX fallback not available yet';

/** Whether a judge can run without WebGPU in this build. */
export function fallbackStatus(): FallbackStatus {
  return { available: false, message: FALLBACK_UNAVAILABLE };
}

/** The Playground's judge without WebGPU (onnxruntime-web, issue 7). */
export async function judgeWithoutWebGpu(): Promise<never> {
  throw new Error(FALLBACK_UNAVAILABLE);
}
