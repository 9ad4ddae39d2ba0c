// CPU references for softmax_forward.wgsl and softmax_backward.wgsl.
import type { Floats } from './floats.ts';

/** Softmax statistics of one row: max and Σ exp(z − max), with −∞ (and < −1e30) as probability 0. */
export function rowStats(z: Floats, base: number, V: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < V; j++) if (z[base + j] > max && z[base + j] >= -1e30) max = z[base + j];
  let sum = 0;
  for (let j = 0; j < V; j++) {
    const v = z[base + j];
    if (v >= -1e30) sum += Math.exp(v - max);
  }
  return { max, sum };
}

export function prob(z: number, st: { max: number; sum: number }): number {
  return z < -1e30 ? 0 : Math.exp(z - st.max) / st.sum;
}

/** Row-wise softmax over [N, V] (the unfused chain's first kernel). */
export function softmaxForwardRef(p: Float64Array, z: Floats, N: number, V: number): void {
  for (let n = 0; n < N; n++) {
    const st = rowStats(z, n * V, V);
    for (let j = 0; j < V; j++) p[n * V + j] = prob(z[n * V + j], st);
  }
}

/** dz = p ⊙ (dp − Σ_j dp_j p_j), row-wise (the softmax backward of the unfused chain). */
export function softmaxBackwardRef(dz: Float64Array, p: Floats, dp: Floats, N: number, V: number, accumulate = false): void {
  for (let n = 0; n < N; n++) {
    let dot = 0;
    for (let j = 0; j < V; j++) dot += dp[n * V + j] * p[n * V + j];
    for (let j = 0; j < V; j++) dz[n * V + j] = (accumulate ? dz[n * V + j] : 0) + p[n * V + j] * (dp[n * V + j] - dot);
  }
}
