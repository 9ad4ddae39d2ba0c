// `tract bench train`: our training step in Node on WebGPU (CPU lavapipe here) for the two shapes of
// issue 3, with memory, then how step time grows with tokens per step and with model size.
// TRACT_BENCH_TRAIN_SHAPES=stories260K,llama-25M,llama-100M runs only the named shapes (the GPU check
// uses it; the ~25M and ~100M shapes are meant for a real GPU). Where the adapter has shader-f16, each
// named shape runs in f32 and then in mixed precision (f16 matmul operands), side by side.
// Before a shape is timed, its matmul kernels and training attention are chosen by measurement as
// `tract run` chooses them (kept in the same store, so a second bench measures nothing;
// TRACT_TUNING=off times the adapter-class defaults): the figures are those of the kernels a run uses.
import { adapterName, requestGpu, type Gpu } from '../../gpu/index.ts';
import { tuneMatmul } from '../../kernels/matmul_tuning.ts';
import { trainingAttentionShapes, tuneAttention } from '../../kernels/attention_tuning.ts';
import { trainingMatmulShapes } from '../../model/matmul_shapes.ts';
import { cliTuningStore } from '../tuning_store.ts';
import { TRAIN_SHAPES, type TrainShape } from './chromium_train.ts';
import { benchConfig, oursTrain } from './ours_train.ts';
import type { TrainBenchArgs } from './pages/types.ts';
import { envNames } from './env.ts';
import { round } from './timing.ts';

const STEPS = Number(process.env.TRACT_BENCH_STEPS ?? 4);

/** Every named shape: issue 3's two, and two GPU-sized ones (issue 13) with hidden = 8·dim/3 rounded up to 32. */
export const BENCH_TRAIN_SHAPES: Record<string, TrainShape> = {
  [TRAIN_SHAPES.a.name]: TRAIN_SHAPES.a,
  [TRAIN_SHAPES.b.name]: TRAIN_SHAPES.b,
  // 23.2M: 6 layers × 3.16M + a tied 8192 × 512 embedding; 4 × 512 tokens per step.
  'llama-25M': { name: 'llama-25M', args: { dim: 512, hidden: 1376, layers: 6, heads: 8, kvHeads: 8, vocab: 8192, seqLen: 512, batch: 4 } },
  // 109.5M: 12 layers × 7.1M + a tied 32000 × 768 embedding (a Llama-sized vocabulary); 4 × 256 tokens
  // per step keeps the [tokens, vocab] logits at 131 MB, under a 256 MiB storage-binding limit.
  'llama-100M': { name: 'llama-100M', args: { dim: 768, hidden: 2048, layers: 12, heads: 12, kvHeads: 12, vocab: 32000, seqLen: 256, batch: 4 } },
};

/** Chooses the matmul kernels and the training attention for one bench shape (full-length steps:
 *  B·T rows) by measurement, as `tract run` does for its own; false with TRACT_TUNING=off. */
async function tuneFor(gpu: Gpu, args: Omit<TrainBenchArgs, 'steps' | 'warmupTimeoutMs'>): Promise<boolean> {
  const store = cliTuningStore();
  if (!store) return false;
  const c = benchConfig(args);
  // Every product over all B·T rows (rows are M, or K in a weight gradient, the one with Aᵀ): the
  // bench's steps are never trimmed and every position has a target, head included.
  const rows = args.batch * args.seqLen;
  const shapes = trainingMatmulShapes(c, args.batch, args.seqLen, args.seqLen).filter((s) => (s.transA ? s.K : s.M) === rows);
  await tuneMatmul(gpu, shapes, { store });
  await tuneAttention(gpu, trainingAttentionShapes(c, [args.batch], args.seqLen, args.seqLen), { store });
  return true;
}

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  const adapter = adapterName(gpu.adapter);
  const run = async (label: string, args: Omit<TrainBenchArgs, 'steps' | 'warmupTimeoutMs'>, kind: string, precision: 'f32' | 'mixed' = 'f32') => {
    const tunedKernels = await tuneFor(gpu, args);
    const r = await oursTrain(gpu, { ...args, steps: STEPS, warmupTimeoutMs: 0, precision });
    const line = {
      adapter,
      kind,
      precision,
      config: { name: label, ...r.config, params: r.params },
      tokensPerStep: args.batch * args.seqLen,
      msPerStep: round(r.msPerStep, 1),
      tokensPerSec: round(r.tokensPerSec, 1),
      paramsBytes: r.paramsBytes,
      gradsBytes: r.gradsBytes,
      optimizerBytes: r.optimizerBytes,
      activationBytes: r.activationBytes,
      firstStepMs: round(r.firstStepMs, 0),
      kernels: tunedKernels ? 'measured' : 'adapter defaults',
    };
    if (json) console.log(JSON.stringify(line));
    else
      console.log(
        `${kind.padEnd(8)} ${label.padEnd(22)} ${precision.padEnd(5)} ${String(line.tokensPerStep).padStart(5)} tok/step  ${String(line.msPerStep).padStart(8)} ms/step  ${String(line.tokensPerSec).padStart(8)} tok/s  ` +
          `params ${(r.paramsBytes / 2 ** 20).toFixed(1)} MiB, grads ${(r.gradsBytes / 2 ** 20).toFixed(1)}, AdamW ${(r.optimizerBytes / 2 ** 20).toFixed(1)}, activations ${(r.activationBytes / 2 ** 20).toFixed(1)} MiB`,
      );
  };
  const named = envNames('TRACT_BENCH_TRAIN_SHAPES', Object.keys(BENCH_TRAIN_SHAPES));
  const precisions: ('f32' | 'mixed')[] = gpu.features.has('shader-f16') ? ['f32', 'mixed'] : ['f32'];
  if (named) {
    for (const n of named) for (const p of precisions) await run(n, BENCH_TRAIN_SHAPES[n].args, 'shape', p);
    gpu.destroy();
    return;
  }
  for (const s of [TRAIN_SHAPES.a, TRAIN_SHAPES.b]) for (const p of precisions) await run(s.name, s.args, 'shape', p);
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
