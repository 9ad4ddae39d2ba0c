// CPU twin of the score head (src/model/score_head.ts), in Float64: the TRACT objective of one
// training step over its micro-batches, in batch rows (no head-row gather: that is the GPU's
// economy, and the test checks it changes nothing), and the RAIL read-out. Tests only.
//
//   L = CE + λ·RAFT
//   CE   = Σ_{micro, r} ceMask_r · (−log p_r[target_r]) / N_ce
//   RAFT = Σ_{micro, b scored} (ŷ_b − y_b)² / N_s          ('mean')
//        = Σ_{micro, b scored} (ŷ_b − y_b)² / N_s²         ('reference')
import type { TrainBatch } from '../data/batching.ts';
import { crossEntropyRef } from './cross_entropy.ts';
import type { Floats } from './floats.ts';
import { raftLossBackwardRef, scoreReadoutRef } from './score.ts';

export interface ObjectiveRefOptions {
  ids: readonly number[];
  values: readonly number[];
  lambda: number;
  reduction: 'mean' | 'reference';
  renormalize: boolean;
}

export interface ObjectiveRef {
  /** L = CE + λ·RAFT (as reduced). */
  loss: number;
  /** Mean CE over the step's targets; mean (ŷ − y)² over its scored rows (null without any). */
  ce: number;
  raft: number | null;
  ceCount: number;
  raftCount: number;
  /** Per micro-batch, ∂L/∂logits [B·T, V] in batch rows (when asked for). */
  dlogits: Float64Array[] | null;
}

/** The objective of one step: `logits[i]` are micro-batch i's logits at all B·T rows. */
export function scoreHeadObjectiveRef(micro: readonly TrainBatch[], logits: readonly Floats[], V: number, o: ObjectiveRefOptions, withGrad = true): ObjectiveRef {
  let ceCount = 0;
  let raftCount = 0;
  for (const mb of micro) {
    for (let i = 0; i < mb.ceMask.length; i++) ceCount += mb.ceMask[i];
    for (let b = 0; b < mb.batchSize; b++) if (mb.scorePositions[b] >= 0) raftCount++;
  }
  const ceScale = ceCount > 0 ? 1 / ceCount : 0;
  // ∂L/∂(ŷ_b − y_b)² for each scored row.
  const raftWeight = raftCount > 0 ? (o.lambda / raftCount) * (o.reduction === 'reference' ? 1 / raftCount : 1) : 0;
  let ceSum = 0;
  let raftSum = 0;
  const grads: Float64Array[] = [];
  micro.forEach((mb, i) => {
    const B = mb.batchSize;
    const T = mb.seqLen;
    const R = B * T;
    const z = logits[i];
    const dz = new Float64Array(R * V);
    const loss = new Float64Array(R);
    crossEntropyRef(dz, loss, z, mb.targets, mb.ceMask, R, V, ceScale);
    for (let r = 0; r < R; r++) ceSum += loss[r];
    // RAFT, one scored row at a time (as a batch of one: its λ is then this row's whole weight).
    for (let b = 0; b < B; b++) {
      const t = mb.scorePositions[b];
      if (t < 0) continue;
      const row = (b * T + t) * V;
      const g = new Float64Array(V);
      const l = new Float64Array(1);
      raftLossBackwardRef(g, l, new Float64Array(1), Float64Array.from({ length: V }, (_, j) => z[row + j]), [mb.labels[b]], [1], 1, V, o.ids, o.values, raftWeight, o.renormalize, false);
      raftSum += l[0];
      for (let j = 0; j < V; j++) dz[row + j] += g[j];
    }
    grads.push(dz);
  });
  const ce = ceCount > 0 ? ceSum / ceCount : 0;
  const raft = raftCount > 0 ? raftSum / raftCount : null;
  const loss = ce + raftWeight * raftSum;
  return { loss, ce, raft, ceCount, raftCount, dlogits: withGrad ? grads : null };
}

/** The RAIL read-out rows [N, K + 4] of logits [N, V] (scoreReadoutRef, under the head's name). */
export function scoreHeadReadoutRef(logits: Floats, N: number, V: number, ids: readonly number[], values: readonly number[], renormalize: boolean): Float64Array {
  const out = new Float64Array(N * (ids.length + 4));
  scoreReadoutRef(out, logits, N, V, ids, values, renormalize);
  return out;
}
