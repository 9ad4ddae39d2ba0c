// One RAIL judgment timed on any generator with Generator's surface (ours on WebGPU, or
// onnxruntime-web through OrtGenerator): the prompt's prefill, a greedy CoT of exactly `cotTokens`
// tokens (no stop, so every engine does the same work), then the read-out forward of
// prompt + CoT + suffix and the RAIL ŷ (or, given `readOut`, the engine's own read-out: ours on its
// KV cache, only the suffix run). Shared by the bench page (Chromium) and `tract bench judge`
// in Node — no Node-only or browser-only imports.
import { readout } from '../../infer/judge.ts';
import type { GeneratorStats, SequenceGenerator } from '../../infer/generate.ts';
import type { JudgeBenchArgs } from './pages/judge_types.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface JudgeTiming {
  /** Median of the timed judgments. */
  ms: number;
  runs: number[];
  firstMs: number;
  /** Phases of the median-nearest run: prefill (to the first token), per decoded token, read-out.
   *  With chunked readback (our GPU sampler) tokens arrive in bursts: "prefill" then includes the
   *  first chunk's decode steps, and the per-token figure spans the later chunks. */
  phases: { prefillMs: number; decodeMsPerToken: number; readoutMs: number };
  yhat: number;
  cot: number[];
  /** Our GPU Generator only (it counts): dispatches per decoded token (decode step + sampler) and
   *  GPU → CPU readbacks and submits per judgment. */
  counts?: JudgeCounts;
}

export interface JudgeCounts {
  dispatchesPerDecodedToken: number;
  readbacksPerJudgment: number;
  submitsPerJudgment: number;
}

function countsOf(gen: SequenceGenerator): GeneratorStats | null {
  const s = (gen as { stats?: GeneratorStats }).stats;
  return s ? { ...s } : null;
}

/** ŷ of the read-out sequence (prompt + CoT + suffix), right after the CoT's generation. */
export type ReadOut = (seq: number[]) => Promise<number>;

/** One timed judgment: the prompt's prefill, the CoT, the read-out. */
async function judgeOnce(gen: SequenceGenerator, a: JudgeBenchArgs, readOut?: ReadOut) {
  const stamps: number[] = [];
  const t0 = performance.now();
  const g = await gen.generate([a.prompt], { maxNewTokens: a.cotTokens, temperature: 0, onToken: () => stamps.push(performance.now()) });
  const t1 = performance.now();
  const seq = [...a.prompt, ...g.tokens[0], ...a.suffix];
  const yhat = readOut ? await readOut(seq) : readout((await gen.lastLogits([seq]))[0], a.scoreIds, false).yhat;
  const t2 = performance.now();
  const decode = stamps.length > 1 ? (stamps[stamps.length - 1] - stamps[0]) / (stamps.length - 1) : 0;
  return { ms: t2 - t0, phases: { prefillMs: stamps[0] - t0, decodeMsPerToken: decode, readoutMs: t2 - t1 }, yhat, cot: g.tokens[0] };
}

/**
 * Engines timed in alternation, one judgment each per round (the order reversed every other
 * round), after one untimed judgment each: on a machine whose speed drifts within a run, every
 * engine meets the same drift, which back-to-back blocks of runs do not give. Median per engine.
 */
export async function timeInterleaved(engines: readonly { gen: SequenceGenerator; readOut?: ReadOut }[], a: JudgeBenchArgs, rounds: number): Promise<{ ms: number; runs: number[] }[]> {
  for (const e of engines) await judgeOnce(e.gen, a, e.readOut);
  const runs = engines.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = engines.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) runs[i].push((await judgeOnce(engines[i].gen, a, engines[i].readOut)).ms);
  }
  return runs.map((x) => ({ ms: median(x), runs: x }));
}

export async function timeJudgments(gen: SequenceGenerator, a: JudgeBenchArgs, readOut?: ReadOut): Promise<JudgeTiming> {
  const once = () => judgeOnce(gen, a, readOut);
  const first = await once();
  const before = countsOf(gen);
  const all = [];
  for (let i = 0; i < a.reps; i++) all.push(await once());
  const after = countsOf(gen);
  const n = Math.max(1, a.reps);
  const counts =
    before && after
      ? {
          dispatchesPerDecodedToken: (after.decodeDispatches - before.decodeDispatches) / Math.max(1, after.decodeSteps - before.decodeSteps),
          readbacksPerJudgment: (after.readbacks - before.readbacks) / n,
          submitsPerJudgment: (after.submits - before.submits) / n,
        }
      : undefined;
  const ms = median(all.map((x) => x.ms));
  const mid = all.reduce((b, x) => (Math.abs(x.ms - ms) < Math.abs(b.ms - ms) ? x : b));
  return { ms, runs: all.map((x) => x.ms), firstMs: first.ms, phases: mid.phases, yhat: mid.yhat, cot: mid.cot, counts };
}
