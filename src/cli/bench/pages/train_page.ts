// Loaded by train.html in headless Chromium (src/cli/bench/browser_bench.ts): exposes the training
// benchmarks on window.tractBench, one function per engine, all taking the same TrainBenchArgs
// and returning the same TrainBenchResult, so one Chromium run compares them shape by shape.
// The harness opens a fresh tab for every call: engines never share a page, a GPUDevice or a heap.
//
// Engines: `ours` (the tract-web WGSL engine, ../ours_train.ts) and `nanogpt` (@genai-fi/nanogpt).
import { adapterName, requestGpu } from '../../../gpu/index.ts';
import { nanogptTrain } from './nanogpt.ts';
import { oursTrain } from '../ours_train.ts';
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
  ours: async (args: TrainBenchArgs) => {
    const gpu = await requestGpu();
    try {
      const { config: _c, paramsBytes: _p, gradsBytes: _g, optimizerBytes: _o, activationBytes: _a, ...r } = await oursTrain(gpu, args);
      return r;
    } finally {
      gpu.destroy();
    }
  },
};

(window as unknown as { tractBench: TractBench }).tractBench = bench;
document.getElementById('status')!.textContent = 'ready';
