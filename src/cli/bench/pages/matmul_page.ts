// Loaded by matmul.html in headless Chromium (src/cli/bench/matmul.ts): the matmul autotuner on the
// page's adapter (SwiftShader on a machine without a GPU), so `tract bench matmul` shows every
// kernel's rate in the browser beside Node's, and which one the browser would choose.
import { adapterName, requestGpu } from '../../../gpu/index.ts';
import type { MatmulShape } from '../../../kernels/matmul.ts';
import { tuneMatmul, type MatmulTuning } from '../../../kernels/matmul_tuning.ts';

export interface MatmulTuneArgs {
  shapes: MatmulShape[];
  rounds?: number;
}

async function adapter(): Promise<string> {
  const gpu = await requestGpu();
  const name = adapterName(gpu.adapter);
  gpu.destroy();
  return name;
}

async function matmulTune(args: MatmulTuneArgs): Promise<MatmulTuning> {
  const gpu = await requestGpu();
  try {
    // No store: this measures, it does not reuse the app's kept timings.
    return (await tuneMatmul(gpu, args.shapes, { rounds: args.rounds ?? 3 })).tuning;
  } finally {
    gpu.destroy();
  }
}

(window as unknown as { tractBench: unknown }).tractBench = { adapter, matmulTune };
document.getElementById('status')!.textContent = 'ready';
