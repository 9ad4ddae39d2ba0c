// The combined TRACT loss through a whole (tiny) model: L = CE over the CoT targets + λ·RAFT at each
// example's score position. Its gradient (the CE gradient plus the closed-form RAFT gradient at the
// score rows, back through the reference model) vs central finite differences of L, in Float64,
// for both RAFT variants. The GPU training step is tested against this same reference
// (test/model/gpu_model.test.ts).
import { describe, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { maskedCrossEntropyRef, modelBackwardRef, modelForwardRef } from '../../src/reference/model.ts';
import { raftLossBackwardRef, raftLossRef } from '../../src/reference/score.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { normals, rng } from '../helpers/random.ts';

const config: ModelConfig = { dim: 8, hiddenDim: 12, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 9, seqLen: 8, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' };
const layout = buildLayout(config);
const B = 2, T = 5, V = config.vocabSize, R = B * T;
const ids = [4, 5, 6, 7, 8];
const values = [1, 2, 3, 4, 5];
const r = rng(3);
const tokens = Array.from({ length: R }, () => Math.floor(r() * V));
const targets = Array.from({ length: R }, () => Math.floor(r() * V));
const ceMask = Array.from({ length: R }, (_, i) => (i % T >= 1 && i % T <= 2 ? 1 : 0)); // the "CoT" positions
const scoreRows = [0 * T + 3, 1 * T + 4];
const gold = [2.67, 4.33];
const lambda = 1.5;

function rows(logits: Float64Array): Float64Array {
  const z = new Float64Array(B * V);
  scoreRows.forEach((row, b) => z.set(logits.subarray(row * V, (row + 1) * V), b * V));
  return z;
}

function loss(params: Float64Array, renormalize: boolean): number {
  const acts = modelForwardRef(params, layout, tokens, B, T);
  const ce = maskedCrossEntropyRef(null, acts.logits, targets, ceMask, R, V);
  return ce + raftLossRef(rows(acts.logits), gold, [1, 1], B, V, ids, values, lambda, renormalize);
}

function grad(params: Float64Array, renormalize: boolean): Float64Array {
  const acts = modelForwardRef(params, layout, tokens, B, T);
  const dlogits = new Float64Array(R * V);
  maskedCrossEntropyRef(dlogits, acts.logits, targets, ceMask, R, V);
  const g = new Float64Array(B * V);
  raftLossBackwardRef(g, new Float64Array(B), new Float64Array(B), rows(acts.logits), gold, [1, 1], B, V, ids, values, lambda, renormalize, false);
  scoreRows.forEach((row, b) => {
    for (let j = 0; j < V; j++) dlogits[row * V + j] += g[b * V + j];
  });
  const grads = new Float64Array(layout.size);
  modelBackwardRef(grads, dlogits, acts, params, layout);
  return grads;
}

describe('CE + λ·RAFT through a tiny model vs finite differences', () => {
  for (const renormalize of [false, true]) {
    it(`renormalize=${renormalize}`, () => {
      const params = new Float64Array(layout.size);
      for (const t of layout.tensors) {
        const z = normals(t.size, 40 + t.offset);
        for (let i = 0; i < t.size; i++) params[t.offset + i] = t.kind === 'norm' ? 1 + 0.2 * z[i] : t.kind === 'embedding' ? 1.5 * z[i] : 0.5 * z[i];
      }
      const analytic = grad(params, renormalize);
      const pick = rng(7);
      const idx: number[] = [];
      for (const t of layout.tensors) for (let j = 0; j < 3; j++) idx.push(t.offset + Math.floor(pick() * t.size));
      const h = 1e-5;
      const numeric = idx.map((i) => {
        const keep = params[i];
        params[i] = keep + h;
        const up = loss(params, renormalize);
        params[i] = keep - h;
        const down = loss(params, renormalize);
        params[i] = keep;
        return (up - down) / (2 * h);
      });
      const a = idx.map((i) => analytic[i]);
      expectClose(a, numeric, TOL.finiteDiff, 'dL/dparams');
    });
  }
});
