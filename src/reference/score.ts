// CPU references for the RAIL read-out and the RAFT loss gradient (DESIGN.md §1), in the argument
// order of the WGSL kernels (outputs first). Float64Array in, Float64 math; tests pass Float32 data
// widened to Float64 so the references are the exact values the GPU approximates.
import type { Floats } from './floats.ts';
import { prob, rowStats } from './softmax.ts';

/**
 * The RAIL read-out of score_expectation.wgsl: readout [N, K + 4], per row p_0 … p_{K−1} (q_k when
 * renormalising), mass = Σ_k p_k, ŷ, the decoded score s_{k*} (k* the first k with the largest score
 * logit) and 1 if a score token reaches the whole-vocabulary max logit, else 0. Renormalised, q is
 * the softmax of the K score logits with their own max, as the kernel computes it.
 */
export function scoreReadoutRef(
  readout: Float64Array,
  logits: Floats,
  N: number,
  V: number,
  scoreIds: ArrayLike<number>,
  scoreValues: ArrayLike<number>,
  renormalize: boolean,
): void {
  const K = scoreIds.length;
  for (let n = 0; n < N; n++) {
    const st = rowStats(logits, n * V, V);
    const o = n * (K + 4);
    const z = (k: number) => logits[n * V + scoreIds[k]];
    let best = 0;
    for (let k = 1; k < K; k++) if (z(k) > z(best)) best = k;
    const m = z(best);
    let total = 0;
    let expect = 0;
    for (let k = 0; k < K; k++) {
      const p = prob(z(k), st);
      readout[o + k] = p;
      total += p;
      expect += scoreValues[k] * p;
    }
    let yhat = expect;
    if (renormalize) {
      let qsum = 0;
      for (let k = 0; k < K; k++) qsum += Math.exp(z(k) - m);
      yhat = 0;
      for (let k = 0; k < K; k++) {
        const q = Math.exp(z(k) - m) / qsum;
        readout[o + k] = q;
        yhat += scoreValues[k] * q;
      }
    }
    readout[o + K] = total;
    readout[o + K + 1] = yhat;
    readout[o + K + 2] = scoreValues[best];
    readout[o + K + 3] = m >= st.max ? 1 : 0;
  }
}

/** probs [N, K] = p_k (or q_k when renormalising), mass [N] = Σ_k p_k, yhat [N] = ŷ: the first
 *  fields of scoreReadoutRef. */
export function scoreExpectationRef(
  probs: Float64Array,
  mass: Float64Array,
  yhat: Float64Array,
  logits: Floats,
  N: number,
  V: number,
  scoreIds: ArrayLike<number>,
  scoreValues: ArrayLike<number>,
  renormalize: boolean,
): void {
  const K = scoreIds.length;
  const r = new Float64Array(N * (K + 4));
  scoreReadoutRef(r, logits, N, V, scoreIds, scoreValues, renormalize);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) probs[n * K + k] = r[n * (K + 4) + k];
    mass[n] = r[n * (K + 4) + K];
    yhat[n] = r[n * (K + 4) + K + 1];
  }
}

/** The scalar the RAFT gradient is of: λ · Σ_{valid n} (ŷ_n − y_n)² / N_valid. */
export function raftLossRef(
  logits: Floats,
  gold: ArrayLike<number>,
  mask: ArrayLike<number>,
  N: number,
  V: number,
  scoreIds: ArrayLike<number>,
  scoreValues: ArrayLike<number>,
  lambda: number,
  renormalize: boolean,
): number {
  const K = scoreIds.length;
  const probs = new Float64Array(N * K);
  const mass = new Float64Array(N);
  const yhat = new Float64Array(N);
  scoreExpectationRef(probs, mass, yhat, logits, N, V, scoreIds, scoreValues, renormalize);
  let nValid = 0;
  let sum = 0;
  for (let n = 0; n < N; n++) {
    if (!mask[n]) continue;
    nValid++;
    sum += (yhat[n] - gold[n]) ** 2;
  }
  return (lambda * sum) / Math.max(nValid, 1);
}

/**
 * dlogits [N, V] (= or += per `accumulate`), loss [N] = (ŷ − y)² for valid rows else 0, yhat [N].
 * The closed form of DESIGN.md §1: dz_j = λ·2(ŷ − y)/N_valid · p_j (s(j) − ŷ); renormalised:
 * dz_{t_k} = λ·2(ŷ − y)/N_valid · q_k (s_k − ŷ), 0 elsewhere.
 */
export function raftLossBackwardRef(
  dlogits: Float64Array,
  loss: Float64Array,
  yhat: Float64Array,
  logits: Floats,
  gold: ArrayLike<number>,
  mask: ArrayLike<number>,
  N: number,
  V: number,
  scoreIds: ArrayLike<number>,
  scoreValues: ArrayLike<number>,
  lambda: number,
  renormalize: boolean,
  accumulate: boolean,
): void {
  const K = scoreIds.length;
  let nValid = 0;
  for (let n = 0; n < N; n++) if (mask[n]) nValid++;
  const probs = new Float64Array(N * K);
  const mass = new Float64Array(N);
  scoreExpectationRef(probs, mass, yhat, logits, N, V, scoreIds, scoreValues, renormalize);
  const scoreIndex = new Map<number, number>();
  for (let k = 0; k < K; k++) scoreIndex.set(scoreIds[k], k);
  for (let n = 0; n < N; n++) {
    const base = n * V;
    const valid = !!mask[n];
    const y = yhat[n];
    const err = y - gold[n];
    loss[n] = valid ? err * err : 0;
    if (!valid) {
      if (!accumulate) dlogits.fill(0, base, base + V);
      continue;
    }
    const c = (lambda * 2 * err) / Math.max(nValid, 1);
    const st = rowStats(logits, base, V);
    for (let j = 0; j < V; j++) {
      const k = scoreIndex.get(j);
      let g: number;
      if (renormalize) g = k === undefined ? 0 : c * probs[n * K + k] * (scoreValues[k] - y);
      else g = c * prob(logits[base + j], st) * ((k === undefined ? 0 : scoreValues[k]) - y);
      dlogits[base + j] = accumulate ? dlogits[base + j] + g : g;
    }
  }
}
