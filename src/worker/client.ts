// The UI's handle on the engine worker: starts it, sends typed requests, delivers typed replies.
// Imports no GPU module (only the protocol's types), so the UI bundle never touches WebGPU.
// Replies are handed over in batches, at most one per animation frame (or per 100 ms when frames
// do not come, e.g. in a background tab), so a stream of training events costs the main thread
// one state update per frame.
import type { FromWorker, ToWorker } from './protocol.ts';

export interface EngineClient {
  send(msg: ToWorker): void;
  dispose(): void;
}

export function startEngine(onMessages: (msgs: FromWorker[]) => void): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'tract-engine' });
  let queue: FromWorker[] = [];
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = null;
    timer = null;
    const msgs = queue;
    queue = [];
    if (msgs.length > 0) onMessages(msgs);
  };
  const deliver = (msg: FromWorker) => {
    queue.push(msg);
    if (frame === null && timer === null) {
      frame = requestAnimationFrame(flush);
      timer = setTimeout(flush, 100);
    }
  };
  worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => deliver(ev.data));
  worker.addEventListener('error', (ev) => deliver({ type: 'error', message: `engine worker failed: ${ev.message || 'unknown error'}` }));
  return {
    send: (msg) => worker.postMessage(msg),
    dispose: () => {
      flush();
      worker.terminate();
    },
  };
}
