// The GPU sampler (sample_token.wgsl) vs its CPU twin (src/reference/sample.ts) token for token on
// seeded rows at awkward vocabularies, with greedy, temperature, top-p and the repetition penalty;
// its distribution vs the CPU sampler's (src/infer/sampling.ts) by a two-sample chi-square on one
// logits row; top-p boundary cases (ties at the cut, a dominant token, a tiny top-p, −∞ logits);
// and the same (seed, step, sequence) always drawing the same token.
import { describe, expect, it } from 'vitest';
import { createBuffer, readU32, Recorder, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { sampleTokens, type GpuSampling } from '../../src/kernels/sample.ts';
import { counterUniform, nucleusRef, sampleTokenRef } from '../../src/reference/sample.ts';
import { sampleToken } from '../../src/infer/sampling.ts';
import { Rng } from '../../src/model/rng.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals } from '../helpers/random.ts';

/** Runs the sampler over rows [B, V] with histories [B, Tmax] (len each); returns next and history. */
async function gpuSample(gpu: Gpu, logits: Float32Array, V: number, o: GpuSampling, hist?: { rows: Uint32Array; Tmax: number; len: number }, wg?: number) {
  const B = logits.length / V;
  const h = hist ?? { rows: new Uint32Array(B), Tmax: 1, len: 0 };
  const history = uploadBuffer(gpu, 'history', h.rows);
  const next = createBuffer(gpu, 'next', B * 4);
  const rec = new Recorder(gpu, 'sample');
  sampleTokens(rec, { next, history }, uploadBuffer(gpu, 'logits', logits), createBuffer(gpu, 'work', B * V * 4), { B, V, Tmax: h.Tmax, len: h.len, wg }, o);
  rec.submit();
  const r = { next: await readU32(gpu, next, B), history: await readU32(gpu, history, B * h.Tmax) };
  for (const b of [next, history]) b.destroy();
  return r;
}

const base = { temperature: 1, topP: 1, repetitionPenalty: 1, seed: 7, step: 0 };

/** Upper tail of χ²(df) at p = 1e-4 (Wilson–Hilferty). */
function chiSquareCritical(df: number): number {
  const z = 3.719;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Two-sample χ² for equal-size samples: Σ (a − b)² / (a + b) over bins with a + b > 0. */
function twoSampleChi(a: number[], b: number[]): { stat: number; df: number } {
  let stat = 0;
  let bins = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] + b[i] === 0) continue;
    stat += (a[i] - b[i]) ** 2 / (a[i] + b[i]);
    bins++;
  }
  return { stat, df: bins - 1 };
}

describe('GPU sampler vs its CPU twin', () => {
  const cases: { V: number; o: Partial<GpuSampling>; what: string; ties?: boolean }[] = [
    { V: 1, o: {}, what: 'V = 1' },
    { V: 5, o: { temperature: 0 }, what: 'greedy' },
    // Logits rounded to integers: the maximum is tied across invocations' chunks, and the first
    // index must win (the tree over chunks once kept a later chunk's index on a tie).
    { V: 37, o: { temperature: 0 }, what: 'greedy, tied maxima', ties: true },
    { V: 300, o: { temperature: 0 }, what: 'greedy, tied maxima', ties: true },
    { V: 37, o: {}, what: 'T = 1' },
    { V: 37, o: { temperature: 0.7, topP: 0.9 }, what: 'T = 0.7, top-p 0.9' },
    { V: 513, o: { topP: 0.5, repetitionPenalty: 1.3 }, what: 'top-p 0.5 with a penalty' },
    { V: 512, o: { temperature: 0, repetitionPenalty: 1.5 }, what: 'greedy with a penalty' },
    { V: 2000, o: { temperature: 1.3, topP: 0.95, repetitionPenalty: 0.8 }, what: 'a penalty < 1' },
  ];
  for (const { V, o, what, ties } of cases) {
    it(`${what} (V = ${V}): the same token as the reference on every row`, async () => {
      const gpu = await testGpu();
      const B = 200;
      const Tmax = 9;
      const len = 6;
      const logits = normals(B * V, V + B, 3).map((x) => (ties ? Math.round(x) : x));
      const rows = new Uint32Array(B * Tmax).map((_, i) => (i * 2654435761) % V);
      const opts = { ...base, ...o, seed: 11, step: 3 };
      // The CPU drivers' workgroup (8), the GPUs' (64, 256 for long rows), and one odd size.
      for (const wg of [8, V > 2048 ? 256 : 64, 2]) {
      const got = await gpuSample(gpu, logits, V, opts, { rows, Tmax, len }, wg);
      const bad: string[] = [];
      for (let b = 0; b < B; b++) {
        const u = counterUniform(opts.seed, opts.step, b);
        const want = sampleTokenRef(logits.subarray(b * V, (b + 1) * V), rows.subarray(b * Tmax, b * Tmax + len), opts, u);
        if (got.next[b] !== want) bad.push(`row ${b}: gpu ${got.next[b]}, reference ${want}`);
        expect(got.history[b * Tmax + len]).toBe(got.next[b]);
        expect(got.history[b * Tmax]).toBe(rows[b * Tmax]); // the history before len is untouched
      }
      expect(bad, `workgroup ${wg}: ${bad.slice(0, 5).join('\n')}`).toEqual([]);
      }
    });
  }

  it('draws from the CPU sampler\'s distribution (two-sample χ², fixed row, 16384 draws each)', async () => {
    const gpu = await testGpu();
    const V = 37;
    const row = normals(V, 3, 1.5);
    const B = 4096;
    const logits = new Float32Array(B * V);
    for (let b = 0; b < B; b++) logits.set(row, b * V);
    const o = { temperature: 1, topP: 0.9, repetitionPenalty: 1 };
    const histogram = async (opts: typeof o) => {
      const counts = new Array(V).fill(0);
      for (let step = 0; step < 4; step++) {
        const r = await gpuSample(gpu, logits, V, { ...opts, seed: 2024, step });
        for (const t of r.next) counts[t]++;
      }
      return counts;
    };
    const gpuCounts = await histogram(o);
    const cpuCounts = new Array(V).fill(0);
    const rng = new Rng(99);
    for (let i = 0; i < 4 * B; i++) cpuCounts[sampleToken(Float32Array.from(row), o, rng)]++;
    const { stat, df } = twoSampleChi(gpuCounts, cpuCounts);
    console.log(`sampler χ² = ${stat.toFixed(1)} on ${df} df (critical ${chiSquareCritical(df).toFixed(1)} at p = 1e-4)`);
    expect(stat).toBeLessThan(chiSquareCritical(df));
    // Never outside the nucleus.
    const { kept } = nucleusRef(row, [], o);
    gpuCounts.forEach((c, i) => expect(c === 0 || kept[i], `token ${i} sampled outside the nucleus`).toBe(true));
    // The same statistic rejects a different distribution (T = 1.4): the test can fail.
    const other = twoSampleChi(await histogram({ ...o, temperature: 1.4 }), cpuCounts);
    expect(other.stat).toBeGreaterThan(chiSquareCritical(other.df));
  });

  it('top-p boundaries: ties at the cut kept by index, a dominant token, a tiny top-p, −∞ logits, top-p 1', async () => {
    const gpu = await testGpu();
    const B = 256;
    const tile = (row: number[]) => {
      const l = new Float32Array(B * row.length);
      for (let b = 0; b < B; b++) l.set(row, b * row.length);
      return l;
    };
    const drawn = async (row: number[], o: Partial<GpuSampling>) => new Set((await gpuSample(gpu, tile(row), row.length, { ...base, ...o })).next);
    const flat = new Array(10).fill(0.5);
    // Ten equal tokens: mass 0.3 after three < 0.35 ≤ 0.4 after four → tokens 0..3, by index.
    expect([...(await drawn(flat, { topP: 0.35 }))].sort()).toEqual([0, 1, 2, 3]);
    expect([...(await drawn(flat, { topP: 0.25 }))].sort()).toEqual([0, 1, 2]);
    // A tiny top-p keeps only the most probable token (the first of tied maxima).
    expect([...(await drawn([0, 3, 1, 3], { topP: 1e-6 }))]).toEqual([1]);
    // A token holding more than top-p alone is the nucleus.
    expect([...(await drawn([0, 9, 1, 2, 0.5], { topP: 0.9 }))]).toEqual([1]);
    // Tokens with −∞ logits are never drawn, even with top-p 1; the rest all are.
    const ninf = -Infinity;
    expect([...(await drawn([ninf, 0, ninf, 0.2, 0.1, ninf], { topP: 1 }))].sort()).toEqual([1, 3, 4]);
    // Greedy ignores top-p and picks the first maximum.
    expect([...(await drawn([0, 3, 1, 3], { temperature: 0, topP: 0.1 }))]).toEqual([1]);
  });

  it('the same (seed, step, sequence) draws the same token; another seed or step draws others', async () => {
    const gpu = await testGpu();
    const V = 64;
    const B = 128;
    const logits = new Float32Array(B * V); // uniform rows: the draw is u · V
    const a = await gpuSample(gpu, logits, V, { ...base, seed: 5, step: 9 });
    const b = await gpuSample(gpu, logits, V, { ...base, seed: 5, step: 9 });
    const c = await gpuSample(gpu, logits, V, { ...base, seed: 6, step: 9 });
    const d = await gpuSample(gpu, logits, V, { ...base, seed: 5, step: 10 });
    expect(Array.from(a.next)).toEqual(Array.from(b.next));
    expect(Array.from(a.next)).not.toEqual(Array.from(c.next));
    expect(Array.from(a.next)).not.toEqual(Array.from(d.next));
    for (let s = 0; s < B; s++) expect(a.next[s]).toBe(Math.floor(counterUniform(5, 9, s) * V));
  });

  it('refuses bad options before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const buf = (n: number) => createBuffer(gpu, 'b', n * 4);
    const run = (o: Partial<GpuSampling>, len = 0) => () => sampleTokens(rec, { next: buf(2), history: buf(8) }, buf(10), buf(10), { B: 2, V: 5, Tmax: 4, len }, { ...base, ...o });
    expect(run({ topP: 0 })).toThrow(/top-p must be in \(0, 1\]/);
    expect(run({ temperature: -1 })).toThrow(/temperature/);
    expect(run({ repetitionPenalty: 0 })).toThrow(/repetition penalty/);
    expect(run({}, 5)).toThrow(/len must be an integer in 0\.\.Tmax \(4\)/);
    expect(rec.dispatches).toBe(0);
  });
});
