// onnxruntime-web in a page or a worker built by Vite: ORT fetches its WebAssembly binary at run
// time, from next to its own module by default — a path that Vite's dependency bundling moves.
// This points ORT at the binary Vite serves (dev) or emits as an asset (build), from the npm
// package itself: nothing is downloaded from anywhere else. Import this module only in browser code
// (Node finds the binary on its own); import it lazily, the binary is ~27 MB.
import jsepWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { configureOrt, type Ort } from './ort.ts';

/**
 * Configures ORT for this page or worker. Threads: ORT's wasm threads need cross-origin isolation
 * (SharedArrayBuffer); without it one thread is used.
 */
export function configureOrtForBrowser(o: { numThreads?: number } = {}): Promise<Ort> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return configureOrt({ wasmPaths: { wasm: new URL(jsepWasm, globalThis.location.href).href }, numThreads: o.numThreads ?? (isolated ? 0 : 1) });
}
