// The UI's handle on the engine worker: starts it, sends typed requests, delivers typed replies.
// Imports no GPU module (only the protocol's types), so the UI bundle never touches WebGPU.
import type { FromWorker, ToWorker } from './protocol.ts';

export interface EngineClient {
  send(msg: ToWorker): void;
  dispose(): void;
}

export function startEngine(onMessage: (msg: FromWorker) => void): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'tract-engine' });
  worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => onMessage(ev.data));
  worker.addEventListener('error', (ev) => onMessage({ type: 'error', message: `engine worker failed: ${ev.message || 'unknown error'}` }));
  return {
    send: (msg) => worker.postMessage(msg),
    dispose: () => worker.terminate(),
  };
}
