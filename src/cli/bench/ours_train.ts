// Our training step timed on one model shape: random tokens, next-token CE over every position,
// the loss read back after every step (as the nanogpt comparison does). Runs in Node (tract bench
// train) and in the bench page in Chromium (window.tractBench.ours) — no Node-only imports.
import { adapterName, type Gpu } from '../../gpu/index.ts';
import { makeConfig, parameterCount, type ModelConfig } from '../../model/config.ts';
import { activationBytes } from '../../model/activations.ts';
import { DeviceModel, parameterBytes } from '../../model/device_model.ts';
import { initParams } from '../../model/init.ts';
import { Rng } from '../../model/rng.ts';
import { TrainStep } from '../../train/step.ts';
import { trainBatch, type TrainBatch } from '../../data/batching.ts';
import type { TrainBenchArgs, TrainBenchResult } from './pages/types.ts';

export function benchConfig(a: Pick<TrainBenchArgs, 'dim' | 'hidden' | 'layers' | 'heads' | 'kvHeads' | 'vocab' | 'seqLen'>): ModelConfig {
  return makeConfig({ dim: a.dim, hiddenDim: a.hidden, nLayers: a.layers, nHeads: a.heads, nKvHeads: a.kvHeads ?? a.heads, vocabSize: a.vocab, seqLen: a.seqLen });
}

function randomBatch(B: number, T: number, V: number, seed: number): TrainBatch {
  const rng = new Rng(seed);
  const inputIds = Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
  const targets = inputIds.map((_, i) => inputIds[(i + 1) % inputIds.length]);
  return trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask: new Array<number>(B * T).fill(1) });
}

export interface OursTrainResult extends TrainBenchResult {
  config: ModelConfig;
  paramsBytes: number;
  gradsBytes: number;
  optimizerBytes: number;
  activationBytes: number;
}

export async function oursTrain(gpu: Gpu, args: TrainBenchArgs): Promise<OursTrainResult> {
  const config = benchConfig(args);
  const B = args.batch;
  const T = args.seqLen;
  const t0 = performance.now();
  const model = new DeviceModel(gpu, config, { training: true });
  model.upload(initParams(model.layout, 1));
  const step = new TrainStep(model, B, T, { precision: args.precision ?? 'f32' });
  const batches = [0, 1].map((i) => randomBatch(B, T, config.vocabSize, 7 + i));
  const warmupMs = performance.now() - t0;
  const losses: number[] = [];
  let t = performance.now();
  losses.push((await step.step([batches[0]], 1e-3, 1))!.ce);
  const firstStepMs = performance.now() - t;
  const stepMs: number[] = [];
  for (let i = 0; i < args.steps; i++) {
    t = performance.now();
    losses.push((await step.step([batches[(i + 1) % 2]], 1e-3, i + 2))!.ce);
    stepMs.push(performance.now() - t);
  }
  const total = stepMs.reduce((a, b) => a + b, 0);
  const bytes = parameterBytes(model.layout, true);
  step.destroy();
  model.destroy();
  return {
    engine: 'ours',
    tokensPerSec: (B * T * args.steps) / (total / 1000),
    msPerStep: total / args.steps,
    steps: args.steps,
    firstStepMs,
    warmupMs,
    backend: 'webgpu (tract-web WGSL)',
    adapter: adapterName(gpu.adapter),
    params: parameterCount(config),
    stepMs,
    losses,
    notes: [`Llama: RMSNorm with gains, RoPE, GQA ${config.nHeads}/${config.nKvHeads}, SwiGLU (3 matrices, hidden ${config.hiddenDim}), tied head; AdamW; f32`],
    config,
    paramsBytes: bytes.params,
    gradsBytes: bytes.grads,
    optimizerBytes: bytes.optimizer,
    activationBytes: activationBytes(config, B, T),
  };
}
