// Converting wq / wk between the two RoPE conventions. An 'interleaved' model rotates the pairs
// (2i, 2i+1) of each head; a 'half' (Hugging Face rotate_half) model rotates (i, i + hs/2). Both use
// frequency θ^(−2i/hs) for pair i, so moving row 2i+p of a head to row p·hs/2 + i (p ∈ {0, 1}) turns
// one into the other — the `permute` of HF's convert_llama_weights_to_hf.py:
//   w.view(n_heads, hs/2, 2, in).transpose(1, 2).reshape(n_heads·hs, in)
// Only wq and wk change; the attention scores, and so the model, are identical.
import { headSize, type ModelConfig, type RopeConvention } from './config.ts';
import type { ParamLayout } from './layout.ts';

/** W [nHeads·hs, cols] of an 'interleaved' model → the same rows for a 'half' model (new array). */
export function interleavedToHalfRows<A extends Float32Array | Float64Array>(w: A, nHeads: number, hs: number, cols: number): A {
  checkShape(w, nHeads, hs, cols);
  const out = new (w.constructor as { new (n: number): A })(w.length);
  const half = hs / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let p = 0; p < 2; p++) {
        const from = (h * hs + 2 * i + p) * cols;
        const to = (h * hs + p * half + i) * cols;
        out.set(w.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** The inverse of interleavedToHalfRows. */
export function halfToInterleavedRows<A extends Float32Array | Float64Array>(w: A, nHeads: number, hs: number, cols: number): A {
  checkShape(w, nHeads, hs, cols);
  const out = new (w.constructor as { new (n: number): A })(w.length);
  const half = hs / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let p = 0; p < 2; p++) {
        const from = (h * hs + p * half + i) * cols;
        const to = (h * hs + 2 * i + p) * cols;
        out.set(w.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

function checkShape(w: ArrayLike<number>, nHeads: number, hs: number, cols: number): void {
  if (hs % 2 !== 0) throw new Error(`RoPE permutation: head size ${hs} must be even`);
  if (w.length !== nHeads * hs * cols) throw new Error(`RoPE permutation: ${w.length} floats is not [${nHeads}·${hs}, ${cols}]`);
}

/**
 * The same model under the other RoPE convention: wq and wk rows permuted, every other tensor
 * copied. `layout` describes `params` (its config's rope is the source convention); the result uses
 * a layout of the same options with `rope: to`, which has the same offsets.
 */
export function convertRopeConvention<A extends Float32Array | Float64Array>(layout: ParamLayout, params: A, to: RopeConvention): { config: ModelConfig; params: A } {
  const c = layout.config;
  if (params.length !== layout.size) throw new Error(`RoPE conversion: params have ${params.length} floats, the layout needs ${layout.size}`);
  const out = params.slice() as A;
  if (c.rope !== to) {
    const hs = headSize(c);
    const permute = c.rope === 'interleaved' ? interleavedToHalfRows : halfToInterleavedRows;
    for (let l = 0; l < c.nLayers; l++) {
      for (const [m, heads] of [['wq', c.nHeads], ['wk', c.nKvHeads]] as const) {
        const t = layout.byName.get(`layers.${l}.attention.${m}`)!;
        out.set(permute(params.subarray(t.offset, t.offset + t.size) as A, heads, hs, c.dim), t.offset);
      }
    }
  }
  return { config: { ...c, rope: to }, params: out };
}
