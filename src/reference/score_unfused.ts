// CPU references for the kernels of the unfused score chain (gather_columns, weighted_sum,
// squared_error, weighted_sum_backward, gather_columns_backward); softmax is in softmax.ts.
import type { Floats } from './floats.ts';

export function gatherColumnsRef(out: Float64Array, x: Floats, N: number, V: number, ids: ArrayLike<number>): void {
  const K = ids.length;
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[n * K + k] = x[n * V + ids[k]];
}

export function gatherColumnsBackwardRef(dx: Float64Array, dout: Floats, N: number, V: number, ids: ArrayLike<number>): void {
  const K = ids.length;
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) dx[n * V + ids[k]] += dout[n * K + k];
}

export function weightedSumRef(yhat: Float64Array, mass: Float64Array, g: Floats, N: number, values: ArrayLike<number>, renorm: boolean): void {
  const K = values.length;
  for (let n = 0; n < N; n++) {
    let total = 0;
    let e = 0;
    for (let k = 0; k < K; k++) {
      total += g[n * K + k];
      e += values[k] * g[n * K + k];
    }
    mass[n] = total;
    yhat[n] = renorm ? e / total : e;
  }
}

export function weightedSumBackwardRef(dg: Float64Array, dyhat: Floats, values: ArrayLike<number>, yhat: Floats, mass: Floats, N: number, renorm: boolean): void {
  const K = values.length;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) dg[n * K + k] = renorm ? (dyhat[n] * (values[k] - yhat[n])) / mass[n] : dyhat[n] * values[k];
  }
}

export function squaredErrorRef(loss: Float64Array, dyhat: Float64Array, yhat: Floats, gold: ArrayLike<number>, mask: ArrayLike<number>, N: number, lambda: number): void {
  let nValid = 0;
  for (let n = 0; n < N; n++) if (mask[n]) nValid++;
  for (let n = 0; n < N; n++) {
    const err = yhat[n] - gold[n];
    loss[n] = mask[n] ? err * err : 0;
    dyhat[n] = mask[n] ? (lambda * 2 * err) / Math.max(nValid, 1) : 0;
  }
}
