// `tract bench judge` in Node times ours and ORT wasm in alternation (timeInterleaved): one untimed
// judgment each, then rounds of one judgment per engine with the order reversed every other round,
// and the median per engine — so that a box whose speed drifts within the run slows both alike.
import { describe, expect, it } from 'vitest';
import { timeInterleaved } from '../../src/cli/bench/judge_run.ts';
import type { SequenceGenerator } from '../../src/infer/generate.ts';
import type { JudgeBenchArgs } from '../../src/cli/bench/pages/judge_types.ts';

/** A generator that takes `ms` per judgment (its CoT), logging who ran when. */
function fake(name: string, ms: number[], log: string[]): SequenceGenerator {
  let i = 0;
  return {
    Tmax: 64,
    maxBatch: 1,
    lastLogits: async () => [new Float32Array(8)],
    generate: async (_prompts: number[][], o: { maxNewTokens: number; onToken?: () => void }) => {
      log.push(name);
      const wait = ms[Math.min(i++, ms.length - 1)];
      await new Promise((r) => setTimeout(r, wait));
      for (let t = 0; t < o.maxNewTokens; t++) o.onToken?.();
      return { tokens: [Array(o.maxNewTokens).fill(1)], finish: ['length'] };
    },
  } as unknown as SequenceGenerator;
}

const args: JudgeBenchArgs = { checkpoint: '', prompt: [1, 2, 3], cotTokens: 2, suffix: [4], scoreIds: [3, 4, 5, 6, 7], reps: 1 };

describe('timeInterleaved', () => {
  it('warms each engine once, then alternates one judgment each, reversing the order every other round', async () => {
    const log: string[] = [];
    const r = await timeInterleaved([{ gen: fake('a', [1], log) }, { gen: fake('b', [1], log) }], args, 4);
    expect(log).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(r.map((x) => x.runs.length)).toEqual([4, 4]);
  });

  it('reports each engine’s median of its timed rounds (the warm-up not counted)', async () => {
    const log: string[] = [];
    // Warm-up 200 ms (not timed), then 5, 60, 5: median 5 for a; b always ~40.
    const r = await timeInterleaved([{ gen: fake('a', [200, 5, 60, 5], log) }, { gen: fake('b', [40], log) }], args, 3);
    expect(r[0].ms).toBeLessThan(30);
    expect(r[0].runs.some((x) => x >= 55)).toBe(true);
    expect(r[1].ms).toBeGreaterThanOrEqual(38);
    expect(r[1].ms).toBeLessThan(150);
  });
});
