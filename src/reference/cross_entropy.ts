// CPU reference for cross_entropy_backward.wgsl: softmax cross-entropy over logits [N, V] with
// targets [N] and a mask [N] (1 = a target position, 0 = ignored), fused with its gradient.
import type { Floats } from './floats.ts';
import { prob, rowStats } from './softmax.ts';

/**
 * loss [N] = mask · (−log p[target]) (unscaled; 0 where mask = 0),
 * dlogits [N, V] = scale · mask · (p − onehot(target)) (assigned; 0 where mask = 0).
 * `scale` is what the caller's mean needs (1 / number of targets).
 */
export function crossEntropyRef(
  dlogits: Float64Array,
  loss: Float64Array,
  logits: Floats,
  targets: ArrayLike<number>,
  mask: ArrayLike<number>,
  N: number,
  V: number,
  scale: number,
): void {
  for (let n = 0; n < N; n++) {
    const base = n * V;
    const w = mask[n];
    if (w === 0) {
      loss[n] = 0;
      dlogits.fill(0, base, base + V);
      continue;
    }
    const st = rowStats(logits, base, V);
    const tgt = targets[n];
    loss[n] = w * (st.max + Math.log(st.sum) - logits[base + tgt]);
    for (let j = 0; j < V; j++) dlogits[base + j] = scale * w * (prob(logits[base + j], st) - (j === tgt ? 1 : 0));
  }
}

/** The scalar the gradient is of: scale · Σ_n loss[n]. */
export function crossEntropyLossRef(
  logits: Floats,
  targets: ArrayLike<number>,
  mask: ArrayLike<number>,
  N: number,
  V: number,
  scale: number,
): number {
  const loss = new Float64Array(N);
  crossEntropyRef(new Float64Array(N * V), loss, logits, targets, mask, N, V, scale);
  let total = 0;
  for (let n = 0; n < N; n++) total += loss[n];
  return scale * total;
}
