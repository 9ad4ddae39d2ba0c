// Loaded by train.html in headless Chromium (src/cli/bench/browser_bench.ts): exposes the training
// benchmarks on window.tractBench, one function per engine, all taking the same TrainBenchArgs
// and returning the same TrainBenchResult, so one Chromium run compares them shape by shape.
// The harness opens a fresh tab for every call: engines never share a page, a GPUDevice or a heap.
//
// To add ours: write `ours(args: TrainBenchArgs): Promise<TrainBenchResult>` (e.g. in
// ./ours.ts, using requestGpu() from src/gpu and the engine) and add it to `bench` below; then
// call runInChromium(TRAIN_PAGE, 'ours', args, timeoutMs) or session.call('ours', ...) from Node.
import { adapterName, requestGpu } from '../../../gpu/index.ts';
import { nanogptTrain } from './nanogpt.ts';
import type { TractBench, TrainBenchArgs } from './types.ts';

/** The adapter's name as `tract info` prints it; throws with what is missing when there is no WebGPU. */
async function adapter(): Promise<string> {
  const gpu = await requestGpu();
  const name = adapterName(gpu.adapter);
  gpu.destroy();
  return name;
}

const bench: TractBench = {
  adapter,
  nanogpt: async (args: TrainBenchArgs) => nanogptTrain(args, await adapter()),
};

(window as unknown as { tractBench: TractBench }).tractBench = bench;
document.getElementById('status')!.textContent = 'ready';
