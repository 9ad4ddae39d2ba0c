// The demonstration the first page runs: RAIL and RAFT on one row of logits over a toy vocabulary,
// on the GPU (the fused kernels) and on the CPU (the Float64 references), side by side.
import { createBuffer, readF32, Recorder, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { raftLossBackward, scoreExpectation, uploadScoreTokens } from '../kernels/score.ts';
import { raftLossBackwardRef, scoreExpectationRef } from '../reference/score.ts';
import type { ScoreDemoResult, ScoreReadout } from './protocol.ts';

export const DEMO_TOKENS = ['</s>', ' So', ' the', ' score', ' is', '1', '2', '3', '4', '5', ' good', ' bad'];
export const DEMO_LOGITS = [-1.0, -2.5, -3.0, -2.0, -1.5, -0.5, 0.4, 1.8, 2.2, 0.9, -1.0, -0.7];
const SCORE_IDS = [5, 6, 7, 8, 9];
const SCORE_VALUES = [1, 2, 3, 4, 5];

export async function runScoreDemo(gpu: Gpu, logits: number[] = DEMO_LOGITS, gold = 3.67): Promise<ScoreDemoResult> {
  const V = DEMO_TOKENS.length;
  if (logits.length !== V || logits.some((x) => !Number.isFinite(x))) {
    throw new Error(`score demo: expected ${V} finite logits, got ${logits.length}`);
  }
  const K = SCORE_IDS.length;
  const t0 = performance.now();
  const tokens = uploadScoreTokens(gpu, SCORE_IDS, SCORE_VALUES, V);
  const z = uploadBuffer(gpu, 'demo.logits', new Float32Array(logits));
  const out = (label: string, n: number) => createBuffer(gpu, label, n * 4);
  const plain = { probs: out('demo.probs', K), mass: out('demo.mass', 1), yhat: out('demo.yhat', 1) };
  const renorm = { probs: out('demo.q', K), mass: out('demo.mass2', 1), yhat: out('demo.yhat2', 1) };
  const raft = { dlogits: out('demo.dlogits', V), loss: out('demo.loss', 1), yhat: out('demo.yhat3', 1) };
  const goldBuf = uploadBuffer(gpu, 'demo.gold', new Float32Array([gold]));
  const maskBuf = uploadBuffer(gpu, 'demo.mask', new Uint32Array([1]));
  const rec = new Recorder(gpu, 'score demo');
  scoreExpectation(rec, plain, z, tokens, { N: 1, V });
  scoreExpectation(rec, renorm, z, tokens, { N: 1, V, renormalize: true });
  raftLossBackward(rec, raft, z, goldBuf, maskBuf, tokens, { N: 1, V });
  rec.submit();
  const read = async (b: GPUBuffer, n: number) => Array.from(await readF32(gpu, b, n));
  const gpuOut: ScoreReadout = {
    probs: await read(plain.probs, K),
    mass: (await read(plain.mass, 1))[0],
    yhat: (await read(plain.yhat, 1))[0],
    renormProbs: await read(renorm.probs, K),
    renormYhat: (await read(renorm.yhat, 1))[0],
  };
  const raftGradient = await read(raft.dlogits, V);
  const ms = performance.now() - t0;

  const cpu = (renormalize: boolean) => {
    const p = new Float64Array(K), m = new Float64Array(1), y = new Float64Array(1);
    scoreExpectationRef(p, m, y, logits, 1, V, SCORE_IDS, SCORE_VALUES, renormalize);
    return { p: Array.from(p), m: m[0], y: y[0] };
  };
  const a = cpu(false), b = cpu(true);
  const cpuOut: ScoreReadout = { probs: a.p, mass: a.m, yhat: a.y, renormProbs: b.p, renormYhat: b.y };
  const g = new Float64Array(V);
  raftLossBackwardRef(g, new Float64Array(1), new Float64Array(1), logits, [gold], [1], 1, V, SCORE_IDS, SCORE_VALUES, 1, false, false);
  const pairs: [number, number][] = [
    ...gpuOut.probs.map((v, i): [number, number] => [v, cpuOut.probs[i]]),
    ...gpuOut.renormProbs.map((v, i): [number, number] => [v, cpuOut.renormProbs[i]]),
    [gpuOut.mass, cpuOut.mass],
    [gpuOut.yhat, cpuOut.yhat],
    [gpuOut.renormYhat, cpuOut.renormYhat],
    ...raftGradient.map((v, i): [number, number] => [v, g[i]]),
  ];
  const maxAbsDiff = Math.max(...pairs.map(([x, y]) => Math.abs(x - y)));
  for (const buf of [z, goldBuf, maskBuf, tokens.ids, tokens.values, ...Object.values(plain), ...Object.values(renorm), ...Object.values(raft)]) buf.destroy();
  return {
    tokens: DEMO_TOKENS,
    logits,
    scoreIds: SCORE_IDS,
    scoreValues: SCORE_VALUES,
    gpu: gpuOut,
    cpu: cpuOut,
    gold,
    raftGradient,
    cpuRaftGradient: Array.from(g),
    maxAbsDiff,
    ms,
  };
}
