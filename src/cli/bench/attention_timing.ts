// Split (scores → softmax → values: three dispatches and a [B, H, T, Tk] matrix; five more in the
// backward) vs fused (online softmax, lse kept: one dispatch forward, two backward) attention, timed
// side by side on one device: shared by `tract bench attention` in Node and its page in headless
// Chromium (pages/attention_page.ts).
import type { Gpu } from '../../gpu/index.ts';
import type { AttentionShape } from '../../kernels/attention.ts';
import { attentionWorkload } from '../../kernels/attention_tuning.ts';
import { timeInterleaved } from './timing.ts';

export interface AttentionTiming {
  label: string;
  shape: AttentionShape;
  /** Forward only, or forward + backward (a training step's attention). */
  backward: boolean;
  splitMs: number;
  fusedMs: number;
}

/** The judge's and the evaluation's forwards (stories260K's 200-token prefill into a KV cache of 264
 *  rows; the default run's read-out batch, 16 sequences of 192 with the shipped judge's heads), and
 *  training steps' attention (the default run's batch; the ~5M benchmark shape). */
export const ATTENTION_BENCH_SHAPES: { label: string; shape: AttentionShape; backward: boolean }[] = [
  { label: 'stories260K prefill (T 200, hs 8)', shape: { B: 1, T: 200, H: 8, KH: 4, hs: 8, kvT: 264 }, backward: false },
  { label: 'default judge read-out (B 16, T 192, hs 16)', shape: { B: 16, T: 192, H: 4, KH: 2, hs: 16 }, backward: false },
  { label: 'default run training, fwd+bwd (B 4, T 192, hs 16)', shape: { B: 4, T: 192, H: 4, KH: 2, hs: 16 }, backward: true },
  { label: '~5M shape training, fwd+bwd (B 4, T 256, hs 32)', shape: { B: 4, T: 256, H: 8, KH: 8, hs: 32 }, backward: true },
];

export async function timeAttention(gpu: Gpu, shapes = ATTENTION_BENCH_SHAPES, reps = 7): Promise<AttentionTiming[]> {
  const results: AttentionTiming[] = [];
  for (const { label, shape, backward } of shapes) {
    const work = attentionWorkload(gpu, shape, backward);
    try {
      const [split, fused] = await timeInterleaved(
        gpu,
        [
          { label: 'split', record: work.record.split },
          { label: 'fused', record: work.record.fused },
        ],
        { reps, inner: 2 },
      );
      results.push({ label, shape, backward, splitMs: split.medianMs, fusedMs: fused.medianMs });
    } finally {
      work.destroy();
    }
  }
  return results;
}
