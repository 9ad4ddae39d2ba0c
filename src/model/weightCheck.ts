// The weight check every model reader runs after decoding a tensor: NaN or ±Inf anywhere, or a
// magnitude no trained Llama weight has, means a corrupt file (bit flips, an overflowed F16 export,
// a diverged run), and scoring with it would print a meaningless ŷ with exit 0. One pass, one
// comparison pair per float: `!(x <= max && x >= -max)` is true for NaN, ±Inf and |x| > max.

/**
 * Largest |weight| a reader accepts. Trained Llama weights are O(1) (stories260K: 4.43, our shipped
 * base: 2.33; RMSNorm gains of large models stay below a few hundred); a flipped high exponent bit
 * of an f32 gives ~1e38. Above this the file is refused as corrupt.
 */
export const MAX_ABS_WEIGHT = 1e4;

export interface WeightProblem {
  /** Index of the first bad element in the array given. */
  index: number;
  value: number;
  kind: 'non-finite' | 'implausible';
}

/** The first non-finite (or, with `maxAbs`, larger than maxAbs in magnitude) element, or null. */
export function findBadWeight(data: Float32Array, maxAbs = Infinity): WeightProblem | null {
  // Capped at the largest finite f32, so ±Inf fails the comparison even when maxAbs is Infinity.
  const max = Math.min(maxAbs, 3.4028234663852886e38);
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (!(x <= max && x >= -max)) {
      return { index: i, value: x, kind: Number.isFinite(x) ? 'implausible' : 'non-finite' };
    }
  }
  return null;
}

/** A sentence naming the tensor, the element and why (for the reader's own error type). */
export function describeBadWeight(tensor: string, p: WeightProblem, maxAbs = MAX_ABS_WEIGHT): string {
  return p.kind === 'non-finite'
    ? `tensor '${tensor}' holds a non-finite value (${p.value}) at element ${p.index}: the file is corrupt`
    : `tensor '${tensor}' holds ${p.value} at element ${p.index}, beyond the plausible |weight| ≤ ${maxAbs}: the file is corrupt (bit flips?)`;
}
