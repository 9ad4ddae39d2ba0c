// The unfused score chain (benchmark baseline) kernel by kernel vs the CPU references, and its
// end result vs the fused RAFT reference; the softmax kernels alone, and softmax backward vs
// finite differences.
import { describe, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { uploadScoreTokens } from '../../src/kernels/score.ts';
import { createUnfusedWorkspace, raftLossUnfused } from '../../src/kernels/score_unfused.ts';
import { softmaxBackward, softmaxForward } from '../../src/kernels/softmax.ts';
import { raftLossBackwardRef } from '../../src/reference/score.ts';
import {
  gatherColumnsBackwardRef,
  gatherColumnsRef,
  squaredErrorRef,
  weightedSumBackwardRef,
  weightedSumRef,
} from '../../src/reference/score_unfused.ts';
import { softmaxBackwardRef, softmaxForwardRef } from '../../src/reference/softmax.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, rng, toF64 } from '../helpers/random.ts';

describe('unfused score chain vs references', () => {
  for (const [N, V, renorm] of [
    [1, 5, false],
    [6, 77, false],
    [3, 2500, true],
    [4, 32000, false],
  ] as const) {
    it(`N=${N} V=${V} renormalize=${renorm}`, async () => {
      const gpu = await testGpu();
      const ids = V === 5 ? [4, 0, 2, 1, 3] : [V - 1, 0, Math.floor(V / 2), 1, 2];
      const values = ids.map((_, k) => k + 1);
      const K = ids.length;
      const z = normals(N * V, N + V, 2);
      const r = rng(V);
      const gold = Float32Array.from({ length: N }, () => 1 + 4 * r());
      const mask = Uint32Array.from({ length: N }, (_, n) => (n % 3 === 2 ? 0 : 1));
      const lambda = 0.8;
      const tokens = uploadScoreTokens(gpu, ids, values, V);
      const ws = createUnfusedWorkspace(gpu, N, V, K);
      const out = { dlogits: createBuffer(gpu, 'dlogits', N * V * 4), loss: createBuffer(gpu, 'loss', N * 4), yhat: createBuffer(gpu, 'yhat', N * 4) };
      const rec = new Recorder(gpu, 'unfused');
      raftLossUnfused(rec, out, ws, uploadBuffer(gpu, 'logits', z), uploadBuffer(gpu, 'gold', gold), uploadBuffer(gpu, 'mask', mask), tokens, {
        N,
        V,
        lambda,
        renormalize: renorm,
      });
      rec.submit();

      // Each kernel's output from the GPU's own inputs, so a failure names the kernel at fault.
      const probs = await readF32(gpu, ws.probs, N * V);
      const refProbs = new Float64Array(N * V);
      softmaxForwardRef(refProbs, toF64(z), N, V);
      expectClose(probs, refProbs, TOL.elementwise, 'softmax_forward');
      const gathered = await readF32(gpu, ws.gathered, N * K);
      const refG = new Float64Array(N * K);
      gatherColumnsRef(refG, probs, N, V, ids);
      expectClose(gathered, refG, TOL.elementwise, 'gather_columns');
      const yhat = await readF32(gpu, out.yhat, N);
      const mass = await readF32(gpu, ws.mass, N);
      const refY = new Float64Array(N), refM = new Float64Array(N);
      weightedSumRef(refY, refM, gathered, N, values, renorm);
      expectClose(yhat, refY, TOL.elementwise, 'weighted_sum yhat');
      expectClose(mass, refM, TOL.elementwise, 'weighted_sum mass');
      const dyhat = await readF32(gpu, ws.dyhat, N);
      const refL = new Float64Array(N), refD = new Float64Array(N);
      squaredErrorRef(refL, refD, yhat, gold, mask, N, lambda);
      expectClose(await readF32(gpu, out.loss, N), refL, TOL.elementwise, 'squared_error loss');
      expectClose(dyhat, refD, TOL.elementwise, 'squared_error dyhat');
      const dg = await readF32(gpu, ws.dgathered, N * K);
      const refDg = new Float64Array(N * K);
      weightedSumBackwardRef(refDg, dyhat, values, yhat, mass, N, renorm);
      expectClose(dg, refDg, TOL.elementwise, 'weighted_sum_backward');
      const dprobs = await readF32(gpu, ws.dprobs, N * V);
      const refDp = new Float64Array(N * V);
      gatherColumnsBackwardRef(refDp, dg, N, V, ids);
      expectClose(dprobs, refDp, TOL.elementwise, 'gather_columns_backward');

      // The chain's end result equals the fused kernel's reference.
      const ref = { dlogits: new Float64Array(N * V), loss: new Float64Array(N), yhat: new Float64Array(N) };
      raftLossBackwardRef(ref.dlogits, ref.loss, ref.yhat, toF64(z), gold, mask, N, V, ids, values, lambda, renorm, false);
      const scale = maxAbs(ref.dlogits);
      expectClose(await readF32(gpu, out.dlogits, N * V), ref.dlogits, { atol: 1e-6 * scale, rtol: 1e-3 }, 'dlogits (chain vs fused reference)');
      expectClose(yhat, ref.yhat, TOL.elementwise, 'yhat (chain vs fused reference)');
    });
  }
});

describe('softmax kernels', () => {
  it('softmax_backward accumulates, at V = 1 and V = 3001', async () => {
    const gpu = await testGpu();
    for (const [N, V] of [
      [3, 1],
      [2, 3001],
    ]) {
      const z = normals(N * V, V, 3);
      const dp = normals(N * V, V + 1);
      const prior = normals(N * V, V + 2);
      const P = createBuffer(gpu, 'p', N * V * 4);
      const dz = uploadBuffer(gpu, 'dz', prior);
      const rec = new Recorder(gpu, 'softmax');
      softmaxForward(rec, P, uploadBuffer(gpu, 'z', z), N, V);
      softmaxBackward(rec, dz, P, uploadBuffer(gpu, 'dp', dp), N, V, true);
      rec.submit();
      const p = await readF32(gpu, P, N * V);
      const ref = toF64(prior);
      softmaxBackwardRef(ref, p, dp, N, V, true);
      expectClose(await readF32(gpu, dz, N * V), ref, TOL.elementwise, 'dz');
    }
  });

  it('softmax backward reference vs finite differences of L = Σ dp ⊙ softmax(z)', () => {
    const N = 2, V = 7;
    const z = toF64(normals(N * V, 5, 2));
    const dp = toF64(normals(N * V, 6));
    const L = () => {
      const p = new Float64Array(N * V);
      softmaxForwardRef(p, z, N, V);
      return p.reduce((s, v, i) => s + v * dp[i], 0);
    };
    const fd = Array.from(z, (_, i) => {
      const keep = z[i];
      z[i] = keep + 1e-6;
      const up = L();
      z[i] = keep - 1e-6;
      const down = L();
      z[i] = keep;
      return (up - down) / 2e-6;
    });
    const p = new Float64Array(N * V);
    softmaxForwardRef(p, z, N, V);
    const dz = new Float64Array(N * V);
    softmaxBackwardRef(dz, p, dp, N, V);
    expectClose(dz, fd, TOL.finiteDiff, 'dz');
  });
});
