// The demonstration the first page runs: RAIL and RAFT on one row of logits over a toy vocabulary,
// on the GPU (the fused kernels) and on the CPU (the score head's host read-out and gradient, in
// Float64; src/model/score_head.ts), side by side.
import { createBuffer, readF32, Recorder, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { raftLossBackward, READOUT_EXTRA, readoutRow, scoreExpectation, uploadScoreTokens } from '../kernels/score.ts';
import { raftGradientOnHost, readoutOnHost } from '../model/score_head.ts';
import type { ScoreDemoResult, ScoreReadout } from './protocol.ts';

export const DEMO_TOKENS = ['</s>', ' So', ' the', ' score', ' is', '1', '2', '3', '4', '5', ' good', ' bad'];
export const DEMO_LOGITS = [-1.0, -2.5, -3.0, -2.0, -1.5, -0.5, 0.4, 1.8, 2.2, 0.9, -1.0, -0.7];

/** The demo on a 1..5 scale (the paper's) or 1..10 (ten score tokens, "0" for 10, as a 1–10 rubric writes it). */
export function demoVocabulary(levels: 5 | 10): { tokens: string[]; logits: number[]; scoreIds: number[]; scoreValues: number[] } {
  if (levels === 5) return { tokens: DEMO_TOKENS, logits: DEMO_LOGITS, scoreIds: [5, 6, 7, 8, 9], scoreValues: [1, 2, 3, 4, 5] };
  const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];
  return {
    tokens: ['</s>', ' So', ' the', ' score', ' is', ...digits, ' good', ' bad'],
    logits: [-1.0, -2.5, -3.0, -2.0, -1.5, -1.2, -0.5, 0.2, 0.8, 1.6, 2.1, 2.3, 1.5, 0.4, -0.6, -1.0, -0.7],
    scoreIds: digits.map((_, k) => 5 + k),
    scoreValues: digits.map((_, k) => k + 1),
  };
}

export async function runScoreDemo(gpu: Gpu, logitsIn?: number[], gold = 3.67, levels: 5 | 10 = 5): Promise<ScoreDemoResult> {
  if (levels !== 5 && levels !== 10) throw new Error(`score demo: levels must be 5 or 10, got ${String(levels)}`);
  const { tokens: TOKENS, logits: defaults, scoreIds: SCORE_IDS, scoreValues: SCORE_VALUES } = demoVocabulary(levels);
  const logits = logitsIn ?? defaults;
  const V = TOKENS.length;
  if (logits.length !== V || logits.some((x) => !Number.isFinite(x))) {
    throw new Error(`score demo: expected ${V} finite logits, got ${logits.length}`);
  }
  const K = SCORE_IDS.length;
  const t0 = performance.now();
  const tokens = uploadScoreTokens(gpu, SCORE_IDS, SCORE_VALUES, V);
  const z = uploadBuffer(gpu, 'demo.logits', new Float32Array(logits));
  const out = (label: string, n: number) => createBuffer(gpu, label, n * 4);
  const plain = out('demo.readout', K + READOUT_EXTRA);
  const renorm = out('demo.readout_renorm', K + READOUT_EXTRA);
  const raft = { dlogits: out('demo.dlogits', V), loss: out('demo.loss', 1), yhat: out('demo.yhat3', 1) };
  const goldBuf = uploadBuffer(gpu, 'demo.gold', new Float32Array([gold]));
  const maskBuf = uploadBuffer(gpu, 'demo.mask', new Uint32Array([1]));
  const rec = new Recorder(gpu, 'score demo');
  scoreExpectation(rec, plain, z, tokens, { N: 1, V });
  scoreExpectation(rec, renorm, z, tokens, { N: 1, V, renormalize: true });
  raftLossBackward(rec, raft, z, goldBuf, maskBuf, tokens, { N: 1, V });
  rec.submit();
  const read = async (b: GPUBuffer, n: number) => Array.from(await readF32(gpu, b, n));
  const a0 = readoutRow(await read(plain, K + READOUT_EXTRA), 0, K);
  const b0 = readoutRow(await read(renorm, K + READOUT_EXTRA), 0, K);
  const gpuOut: ScoreReadout = { probs: a0.probs, mass: a0.mass, yhat: a0.yhat, renormProbs: b0.probs, renormYhat: b0.yhat };
  const raftGradient = await read(raft.dlogits, V);
  const ms = performance.now() - t0;

  const scale = { ids: SCORE_IDS, values: SCORE_VALUES };
  const a = readoutOnHost(logits, scale, false), b = readoutOnHost(logits, scale, true);
  const cpuOut: ScoreReadout = { probs: a.probs, mass: a.mass, yhat: a.yhat, renormProbs: b.probs, renormYhat: b.yhat };
  const g = raftGradientOnHost(logits, gold, scale, false);
  const pairs: [number, number][] = [
    ...gpuOut.probs.map((v, i): [number, number] => [v, cpuOut.probs[i]]),
    ...gpuOut.renormProbs.map((v, i): [number, number] => [v, cpuOut.renormProbs[i]]),
    [gpuOut.mass, cpuOut.mass],
    [gpuOut.yhat, cpuOut.yhat],
    [gpuOut.renormYhat, cpuOut.renormYhat],
    ...raftGradient.map((v, i): [number, number] => [v, g[i]]),
  ];
  const maxAbsDiff = Math.max(...pairs.map(([x, y]) => Math.abs(x - y)));
  for (const buf of [z, goldBuf, maskBuf, tokens.table, tokens.ids, tokens.values, plain, renorm, ...Object.values(raft)]) buf.destroy();
  return {
    tokens: TOKENS,
    logits,
    scoreIds: SCORE_IDS,
    scoreValues: SCORE_VALUES,
    gpu: gpuOut,
    cpu: cpuOut,
    gold,
    raftGradient,
    cpuRaftGradient: g,
    maxAbsDiff,
    ms,
  };
}
