// The engine worker: owns the GPUDevice and runs everything GPU-side on request from the UI
// (protocol.ts). The engine itself (engine.ts) is plain TypeScript; here it gets the worker's port,
// IndexedDB for storage and fetch for the files shipped with the app.
import { Engine } from './engine.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { idbKeyValue } from './storage.ts';

const scope = self as unknown as Worker;

const engine = new Engine({
  post: (msg: FromWorker, transfer?: Transferable[]) => scope.postMessage(msg, transfer ?? []),
  kv: idbKeyValue(),
  async fetchAsset(path) {
    const res = await fetch(new URL(`${import.meta.env.BASE_URL}${path}`, self.location.origin));
    // A missing file can come back as the app's index.html (SPA fallback): not an asset.
    if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) return null;
    return new Uint8Array(await res.arrayBuffer());
  },
  // Only without WebGPU: ORT and its ~27 MB .wasm load on the first fallback judgement, not before.
  async configureOrt() {
    const { configureOrtForBrowser } = await import('../interop/ort_browser.ts');
    await configureOrtForBrowser();
  },
});

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  void engine.handle(ev.data);
});
