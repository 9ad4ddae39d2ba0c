// `tract bench train`: our training step in Node on WebGPU (CPU lavapipe here) for the two shapes of
// issue 3, with memory, then how step time grows with tokens per step and with model size.
import { adapterName, requestGpu } from '../../gpu/index.ts';
import { TRAIN_SHAPES } from './chromium_train.ts';
import { oursTrain } from './ours_train.ts';
import type { TrainBenchArgs } from './pages/types.ts';
import { round } from './timing.ts';

const STEPS = Number(process.env.TRACT_BENCH_STEPS ?? 4);

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  const adapter = adapterName(gpu.adapter);
  const run = async (label: string, args: Omit<TrainBenchArgs, 'steps' | 'warmupTimeoutMs'>, kind: string) => {
    const r = await oursTrain(gpu, { ...args, steps: STEPS, warmupTimeoutMs: 0 });
    const line = {
      adapter,
      kind,
      config: { name: label, ...r.config, params: r.params },
      tokensPerStep: args.batch * args.seqLen,
      msPerStep: round(r.msPerStep, 1),
      tokensPerSec: round(r.tokensPerSec, 1),
      paramsBytes: r.paramsBytes,
      gradsBytes: r.gradsBytes,
      optimizerBytes: r.optimizerBytes,
      activationBytes: r.activationBytes,
      firstStepMs: round(r.firstStepMs, 0),
    };
    if (json) console.log(JSON.stringify(line));
    else
      console.log(
        `${kind.padEnd(8)} ${label.padEnd(22)} ${String(line.tokensPerStep).padStart(5)} tok/step  ${String(line.msPerStep).padStart(8)} ms/step  ${String(line.tokensPerSec).padStart(8)} tok/s  ` +
          `params ${(r.paramsBytes / 2 ** 20).toFixed(1)} MiB, grads ${(r.gradsBytes / 2 ** 20).toFixed(1)}, AdamW ${(r.optimizerBytes / 2 ** 20).toFixed(1)}, activations ${(r.activationBytes / 2 ** 20).toFixed(1)} MiB`,
      );
  };
  for (const s of [TRAIN_SHAPES.a, TRAIN_SHAPES.b]) await run(s.name, s.args, 'shape');
  // Step time vs tokens per step (stories260K shape).
  for (const [batch, seqLen] of [
    [1, 128],
    [1, 512],
    [4, 512],
    [8, 512],
  ]) {
    await run(`stories260K B${batch}×T${seqLen}`, { ...TRAIN_SHAPES.a.args, batch, seqLen }, 'tokens');
  }
  // Step time vs model size (6 layers, 1024 tokens per step).
  for (const dim of [64, 128, 192, 256]) {
    await run(`dim ${dim} × 6 layers`, { dim, hidden: Math.ceil((8 * dim) / 3 / 16) * 16, layers: 6, heads: 8, kvHeads: 4, vocab: 512, seqLen: 256, batch: 4 }, 'size');
  }
  gpu.destroy();
}
