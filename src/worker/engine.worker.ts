// The engine worker: owns the GPUDevice and runs kernels on request from the UI (protocol.ts).
import { limitsRecord, requestGpu, type Gpu } from '../gpu/index.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { runScoreDemo } from './score_demo.ts';

const post = (msg: FromWorker) => (self as unknown as Worker).postMessage(msg);

let gpuPromise: Promise<Gpu> | null = null;

function gpu(): Promise<Gpu> {
  if (!gpuPromise) {
    gpuPromise = requestGpu({
      onLost: (message) => {
        gpuPromise = null;
        post({ type: 'device-lost', message });
      },
    });
  }
  return gpuPromise;
}

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  void handle(ev.data);
});

async function handle(msg: ToWorker): Promise<void> {
  try {
    switch (msg.type) {
      case 'probe': {
        const g = await gpu();
        post({ type: 'ready', adapter: g.adapter, granted: limitsRecord(g.limits) });
        break;
      }
      case 'score-demo': {
        const result = await runScoreDemo(await gpu(), msg.logits, msg.gold);
        post({ type: 'score-demo', result });
        break;
      }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof Error && e.name === 'GpuUnavailableError') post({ type: 'unavailable', reason: message });
    else post({ type: 'error', message });
  }
}
