// Split (scores → softmax → values, three dispatches and a [B, H, T, Tk] scratch) vs fused (online
// softmax, one dispatch) attention forwards, timed side by side on one device: shared by `tract bench
// attention` in Node and its page in headless Chromium (pages/attention_page.ts).
import { createBuffer, uploadBuffer, type Gpu } from '../../gpu/index.ts';
import { attentionForward, attentionFusedForward, type AttentionShape } from '../../kernels/attention.ts';
import { timeInterleaved } from './timing.ts';

export interface AttentionTiming {
  label: string;
  shape: AttentionShape;
  splitMs: number;
  fusedMs: number;
}

/** The forwards the judge and the evaluation run: stories260K's 200-token prefill into a KV cache
 *  of 264 rows, and the default run's read-out batch (16 sequences of 192, the shipped judge's heads). */
export const ATTENTION_BENCH_SHAPES: { label: string; shape: AttentionShape }[] = [
  { label: 'stories260K prefill (T 200, hs 8)', shape: { B: 1, T: 200, H: 8, KH: 4, hs: 8, kvT: 264 } },
  { label: 'default judge read-out (B 16, T 192, hs 16)', shape: { B: 16, T: 192, H: 4, KH: 2, hs: 16 } },
];

export async function timeAttention(gpu: Gpu, shapes = ATTENTION_BENCH_SHAPES, reps = 9): Promise<AttentionTiming[]> {
  const results: AttentionTiming[] = [];
  for (const { label, shape } of shapes) {
    const { B, T, H, KH, hs } = shape;
    const kvT = shape.kvT ?? T;
    const wave = (n: number, f: number) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = Math.sin(i * f);
      return a;
    };
    const q = uploadBuffer(gpu, 'q', wave(B * T * H * hs, 1.7));
    const k = uploadBuffer(gpu, 'k', wave(B * kvT * KH * hs, 2.3));
    const v = uploadBuffer(gpu, 'v', wave(B * kvT * KH * hs, 0.9));
    const out = createBuffer(gpu, 'out', B * T * H * hs * 4);
    const att = createBuffer(gpu, 'att', B * H * T * T * 4);
    const [split, fused] = await timeInterleaved(
      gpu,
      [
        { label: 'split', record: (rec) => attentionForward(rec, { out, att }, q, k, v, shape) },
        { label: 'fused', record: (rec) => attentionFusedForward(rec, out, q, k, v, shape) },
      ],
      { reps, inner: 2 },
    );
    for (const b of [q, k, v, out, att]) b.destroy();
    results.push({ label, shape, splitMs: split.medianMs, fusedMs: fused.medianMs });
  }
  return results;
}
