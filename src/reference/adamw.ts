// CPU references for grad_norm_partial.wgsl + grad_norm_final.wgsl (global gradient norm and the
// clipping factor) and adamw_update.wgsl (AdamW with decoupled weight decay, PyTorch's order).
import type { Floats } from './floats.ts';

/** norm = ‖g[offset, offset+count)‖₂; clip = min(1, maxNorm / (norm + 1e-6)), or 1 when maxNorm ≤ 0. */
export function gradNormRef(grads: Floats, offset: number, count: number, maxNorm: number): { norm: number; clip: number } {
  let ss = 0;
  for (let i = offset; i < offset + count; i++) ss += grads[i] * grads[i];
  const norm = Math.sqrt(ss);
  return { norm, clip: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1 };
}

export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** The step number t ≥ 1 (bias corrections 1 − β^t). */
  step: number;
}

/**
 * One AdamW step over [offset, offset + count) of the flat params/grads/m/v, in place, with the
 * gradient multiplied by `clip`:
 *   p ← p − lr·wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps).
 * With zeroGrad the gradient range is set to 0 afterwards.
 */
export function adamwRef(
  params: Float64Array,
  grads: Float64Array,
  m: Float64Array,
  v: Float64Array,
  offset: number,
  count: number,
  o: AdamwHyper,
  clip = 1,
  zeroGrad = false,
): void {
  const bc1 = 1 - Math.pow(o.beta1, o.step);
  const bc2 = 1 - Math.pow(o.beta2, o.step);
  for (let i = offset; i < offset + count; i++) {
    const g = grads[i] * clip;
    params[i] -= o.lr * o.weightDecay * params[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    params[i] -= (o.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + o.eps);
    if (zeroGrad) grads[i] = 0;
  }
}

/**
 * Dynamic loss scaling after a step on gradients scaled by S (loss_scale_update.wgsl's twin):
 * `scaledNorm` is the norm of the scaled gradients, `overflow` whether a cast overflowed. Returns the
 * true norm and the factor AdamW multiplies the scaled gradient by (−1: skip the step), the next
 * state [S, good steps in a row, skipped in all, last skipped] and, on a good step, AdamW's bias
 * corrections [1 − β1^t, 1 / sqrt(1 − β2^t)] for t = step − skipped.
 */
export function lossScaleUpdateRef(
  scaledNorm: number,
  overflow: boolean,
  state: readonly number[],
  o: { maxNorm: number; growthInterval: number; minScale: number; maxScale: number; step: number; beta1: number; beta2: number },
): { norm: number; clip: number; state: number[]; bias?: [number, number] } {
  const [S, good, skipped] = state;
  if (overflow || !Number.isFinite(scaledNorm)) return { norm: scaledNorm, clip: -1, state: [Math.max(S / 2, o.minScale), 0, skipped + 1, 1] };
  const norm = scaledNorm / S;
  const clip = o.maxNorm > 0 ? Math.min(1, o.maxNorm / (norm + 1e-6)) : 1;
  const grow = good + 1 >= o.growthInterval;
  // AdamW's bias corrections for the optimizer's step count: skipped steps are not optimizer steps.
  const t = o.step - skipped;
  const bias: [number, number] = [1 - Math.pow(o.beta1, t), 1 / Math.sqrt(1 - Math.pow(o.beta2, t))];
  return { norm, clip: clip / S, state: [grow ? Math.min(2 * S, o.maxScale) : S, grow ? 0 : good + 1, skipped, 0], bias };
}
