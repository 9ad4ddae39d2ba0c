// The first page's demonstration (src/worker/score_demo.ts): the fused kernels on the GPU and the
// score head's host read-out and RAFT gradient agree, and both agree with the CPU reference.
import { describe, expect, it } from 'vitest';
import { DEMO_LOGITS, demoVocabulary, runScoreDemo } from '../../src/worker/score_demo.ts';
import { raftLossBackwardRef, scoreExpectationRef } from '../../src/reference/score.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('score demo', () => {
  it('GPU and host agree, and the host side is the reference', async () => {
    const r = await runScoreDemo(await testGpu(), DEMO_LOGITS, 3.67);
    expect(r.maxAbsDiff).toBeLessThan(1e-5);
    expect(r.scoreValues).toEqual([1, 2, 3, 4, 5]);
    const V = DEMO_LOGITS.length;
    const K = r.scoreIds.length;
    for (const renormalize of [false, true]) {
      const p = new Float64Array(K), m = new Float64Array(1), y = new Float64Array(1);
      scoreExpectationRef(p, m, y, DEMO_LOGITS, 1, V, r.scoreIds, r.scoreValues, renormalize);
      expectClose(renormalize ? r.cpu.renormProbs : r.cpu.probs, p, { atol: 1e-12, rtol: 1e-10 }, 'probabilities');
      expectClose([renormalize ? r.cpu.renormYhat : r.cpu.yhat], y, { atol: 1e-12, rtol: 1e-10 }, 'ŷ');
      if (!renormalize) expectClose([r.cpu.mass], m, { atol: 1e-12, rtol: 1e-10 }, 'mass');
    }
    const g = new Float64Array(V);
    raftLossBackwardRef(g, new Float64Array(1), new Float64Array(1), DEMO_LOGITS, [3.67], [1], 1, V, r.scoreIds, r.scoreValues, 1, false, false);
    expectClose(r.cpuRaftGradient, g, { atol: 1e-12, rtol: 1e-10 }, 'RAFT gradient');
    expectClose(r.raftGradient, g, TOL.elementwise, 'RAFT gradient on the GPU');
  });

  it('on ten score tokens (the Learn view\'s 1..10 scale): GPU, host and reference agree, ŷ within 1..10', async () => {
    const v = demoVocabulary(10);
    const r = await runScoreDemo(await testGpu(), undefined, 7.5, 10);
    expect(r.tokens).toEqual(v.tokens);
    expect(r.scoreValues).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.tokens[r.scoreIds[9]]).toBe('0');
    expect(r.maxAbsDiff).toBeLessThan(1e-5);
    const V = v.tokens.length;
    const p = new Float64Array(10), m = new Float64Array(1), y = new Float64Array(1);
    scoreExpectationRef(p, m, y, v.logits, 1, V, r.scoreIds, r.scoreValues, false);
    expectClose(r.gpu.probs, p, TOL.elementwise, 'probabilities on the GPU');
    expect(r.gpu.yhat).toBeGreaterThan(1);
    expect(r.gpu.yhat).toBeLessThan(10);
    const g = new Float64Array(V);
    raftLossBackwardRef(g, new Float64Array(1), new Float64Array(1), v.logits, [7.5], [1], 1, V, r.scoreIds, r.scoreValues, 1, false, false);
    expectClose(r.raftGradient, g, TOL.elementwise, 'RAFT gradient on the GPU');
    await expect(runScoreDemo(await testGpu(), DEMO_LOGITS, 3, 10)).rejects.toThrow(/expected 17 finite logits, got 12/);
  });
});
