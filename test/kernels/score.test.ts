// The fused score kernels (score_expectation, raft_loss_backward) on the GPU vs the Float64 CPU
// references, at awkward sizes and with extreme logits; and the validation of score tokens.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { raftLossBackward, READOUT_EXTRA, scoreExpectation, uploadScoreTokens } from '../../src/kernels/score.ts';
import { raftLossBackwardRef, scoreReadoutRef } from '../../src/reference/score.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, rng, toF64 } from '../helpers/random.ts';

interface Case {
  name: string;
  N: number;
  V: number;
  ids: number[];
  logits: (N: number, V: number) => Float32Array;
  mask?: number[];
}

const gaussian = (scale: number, seed: number) => (N: number, V: number) => normals(N * V, seed, scale);

const cases: Case[] = [
  { name: 'V = 1', N: 2, V: 1, ids: [0], logits: gaussian(1, 1) },
  { name: 'V = 5, all tokens score tokens', N: 3, V: 5, ids: [0, 1, 2, 3, 4], logits: gaussian(2, 2) },
  { name: 'V = 37 (not a multiple of the workgroup), N = 1', N: 1, V: 37, ids: [36, 0, 17, 5, 9], logits: gaussian(3, 3) },
  { name: 'V = 300, score tokens at 0 and V−1', N: 5, V: 300, ids: [0, 299, 150, 151, 2], logits: gaussian(3, 4), mask: [1, 0, 1, 1, 0] },
  {
    name: 'logits of magnitude ±80',
    N: 4,
    V: 1000,
    ids: [10, 20, 30, 40, 50],
    logits: (N, V) => {
      const r = rng(5);
      const z = new Float32Array(N * V);
      for (let i = 0; i < z.length; i++) z[i] = r() < 0.5 ? -80 : 80 * r();
      z[1 * V + 30] = 80; // a score token at the top of its row
      return z;
    },
  },
  {
    name: '−Infinity outside the score tokens',
    N: 3,
    V: 513,
    ids: [49, 50, 51, 52, 53],
    logits: (N, V) => {
      const z = normals(N * V, 6, 2);
      for (let n = 0; n < N; n++) for (let j = 0; j < V; j++) if ((j < 49 || j > 53) && (j + n) % 3 !== 0) z[n * V + j] = -Infinity;
      return z;
    },
  },
  { name: 'V = 9001: a long row not a multiple of 4, streamed (no register cache)', N: 2, V: 9001, ids: [9000, 1, 4500, 3, 7], logits: gaussian(2, 8) },
  { name: 'V = 40000: a long vec4 row, streamed (no register cache)', N: 2, V: 40000, ids: [39999, 0, 20000, 5, 6], logits: gaussian(2, 9), mask: [0, 1] },
  { name: 'V = 32000 (a Llama vocabulary)', N: 3, V: 32000, ids: [29896, 29906, 29941, 29946, 29945], logits: gaussian(3, 7), mask: [1, 1, 0] },
  // Other score scales (issue 14): ten levels (a 1–10 rubric, "0" for 10 last) and two.
  { name: 'K = 10 levels, V = 600', N: 4, V: 600, ids: [52, 53, 54, 55, 56, 57, 58, 59, 60, 51], logits: gaussian(3, 12), mask: [1, 0, 1, 1] },
  { name: 'K = 2 levels, V = 64', N: 3, V: 64, ids: [40, 7], logits: gaussian(2, 13) },
];

async function runCase(c: Case, renormalize: boolean, accumulate: boolean) {
  const gpu = await testGpu();
  const { N, V, ids } = c;
  const K = ids.length;
  const values = ids.map((_, k) => k + 1);
  const z = c.logits(N, V);
  const r = rng(N * 31 + V);
  const gold = Float32Array.from({ length: N }, () => 1 + 4 * r());
  const mask = Uint32Array.from(c.mask ?? Array.from({ length: N }, () => 1));
  const prior = normals(N * V, 99, 0.01); // a CE gradient already in the buffer
  const lambda = 1.3;

  const tokens = uploadScoreTokens(gpu, ids, values, V);
  const logits = uploadBuffer(gpu, 'logits', z);
  const W = K + READOUT_EXTRA;
  const out = createBuffer(gpu, 'readout', N * W * 4);
  const back = {
    dlogits: uploadBuffer(gpu, 'dlogits', prior),
    loss: createBuffer(gpu, 'loss', N * 4),
    yhat: createBuffer(gpu, 'yhat2', N * 4),
  };
  const rec = new Recorder(gpu, 'score test');
  scoreExpectation(rec, out, logits, tokens, { N, V, renormalize });
  raftLossBackward(rec, back, logits, uploadBuffer(gpu, 'gold', gold), uploadBuffer(gpu, 'mask', mask), tokens, {
    N,
    V,
    renormalize,
    accumulate,
    lambda,
  });
  rec.submit();

  const ref = new Float64Array(N * W);
  scoreReadoutRef(ref, toF64(z), N, V, ids, values, renormalize);
  const refBack = { dlogits: toF64(prior), loss: new Float64Array(N), yhat: new Float64Array(N) };
  raftLossBackwardRef(refBack.dlogits, refBack.loss, refBack.yhat, toF64(z), gold, mask, N, V, ids, values, lambda, renormalize, accumulate);

  // Probabilities, mass, ŷ, decoded score and the argmax flag, in one row per example.
  const got = await readF32(gpu, out, N * W);
  expectClose(got, ref, TOL.elementwise, 'readout');
  for (let n = 0; n < N; n++) expect(got[n * W + K + 3], `argmax flag of row ${n}`).toBe(ref[n * W + K + 3]);
  expectClose(await readF32(gpu, back.loss, N), refBack.loss, TOL.elementwise, 'loss');
  expectClose(await readF32(gpu, back.yhat, N), refBack.yhat, TOL.elementwise, 'yhat (raft)');
  const dl = await readF32(gpu, back.dlogits, N * V);
  // Most entries are tiny (p_j ~ 1/V), so a plain atol would hide relative errors there: compare
  // relative to each value, with an atol scaled to the largest gradient (cancellation at s_k ≈ ŷ).
  const scale = maxAbs(refBack.dlogits);
  expectClose(dl, refBack.dlogits, { atol: 1e-6 * scale, rtol: TOL.elementwise.rtol }, 'dlogits');
  return { dl, refBack, mask };
}

describe('score_expectation + raft_loss_backward vs CPU reference', () => {
  for (const c of cases) {
    for (const renormalize of [false, true]) {
      it(`${c.name}, renormalize=${renormalize}`, async () => {
        await runCase(c, renormalize, false);
      });
    }
  }
  it('accumulates onto an existing gradient (both variants), masked rows untouched', async () => {
    for (const renormalize of [false, true]) {
      const c = cases[3];
      const { dl } = await runCase(c, renormalize, true);
      const prior = normals(c.N * c.V, 99, 0.01);
      // Row 1 is masked: its CE gradient must come back bit for bit.
      expect(Array.from(dl.subarray(c.V, 2 * c.V))).toEqual(Array.from(prior.subarray(c.V, 2 * c.V)));
    }
  });
  it('the RAFT gradient is not trivially zero on a typical case', async () => {
    const { refBack } = await runCase(cases[2], false, false);
    expect(maxAbs(refBack.dlogits)).toBeGreaterThan(1e-3);
  });
});

describe('row lists: the score positions of a batch among all its positions', () => {
  for (const V of [40, 37]) {
    it(`reads and accumulates rows [5, 0, 3] of a [7, ${V}] buffer, leaving the others untouched`, async () => {
      const gpu = await testGpu();
      const R = 7, N = 3, rows = [5, 0, 3];
      const ids = [1, 2, 3, 4, V - 1];
      const values = [1, 2, 3, 4, 5];
      const z = normals(R * V, 21, 2);
      const prior = normals(R * V, 22, 0.05);
      const gold = new Float32Array([1.5, 4.2, 3]);
      const mask = new Uint32Array([1, 1, 0]);
      const tokens = uploadScoreTokens(gpu, ids, values, V);
      const logits = uploadBuffer(gpu, 'logits', z);
      const rowBuf = uploadBuffer(gpu, 'rows', new Uint32Array(rows));
      const out = createBuffer(gpu, 'readout', N * (5 + READOUT_EXTRA) * 4);
      const back = { dlogits: uploadBuffer(gpu, 'd', prior), loss: createBuffer(gpu, 'l', N * 4), yhat: createBuffer(gpu, 'y2', N * 4) };
      const rec = new Recorder(gpu, 'rows');
      scoreExpectation(rec, out, logits, tokens, { N, V, rows: { buffer: rowBuf, R } });
      raftLossBackward(rec, back, logits, uploadBuffer(gpu, 'gold', gold), uploadBuffer(gpu, 'mask', mask), tokens, {
        N,
        V,
        accumulate: true,
        rows: { buffer: rowBuf, R },
      });
      rec.submit();
      // Reference: gather the listed rows, compute on them, scatter the gradient back.
      const zRows = new Float64Array(N * V);
      rows.forEach((r, n) => zRows.set(z.subarray(r * V, (r + 1) * V), n * V));
      const ref = new Float64Array(N * (5 + READOUT_EXTRA));
      scoreReadoutRef(ref, zRows, N, V, ids, values, false);
      expectClose(await readF32(gpu, out, N * (5 + READOUT_EXTRA)), ref, TOL.elementwise, 'readout');
      const g = new Float64Array(N * V);
      raftLossBackwardRef(g, new Float64Array(N), new Float64Array(N), zRows, gold, mask, N, V, ids, values, 1, false, false);
      const want = toF64(prior);
      rows.forEach((r, n) => {
        for (let j = 0; j < V; j++) want[r * V + j] += g[n * V + j];
      });
      expectClose(await readF32(gpu, back.dlogits, R * V), want, { atol: 1e-7, rtol: 1e-4 }, 'dlogits');
    });
  }
});

describe('score token validation (before any dispatch)', () => {
  it('rejects a repeated id', async () => {
    const gpu = await testGpu();
    expect(() => uploadScoreTokens(gpu, [3, 4, 3], [1, 2, 3], 10)).toThrow(/id 3 appears twice/);
  });
  it('rejects an id outside the vocabulary, naming the range', async () => {
    const gpu = await testGpu();
    expect(() => uploadScoreTokens(gpu, [3, 10], [1, 2], 10)).toThrow(/id 1 is 10, outside the vocabulary 0\.\.9/);
  });
  it('rejects at launch tokens uploaded for a larger vocabulary', async () => {
    const gpu = await testGpu();
    const tokens = uploadScoreTokens(gpu, [0, 40], [1, 2]);
    const logits = uploadBuffer(gpu, 'logits', new Float32Array(20));
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    expect(() => scoreExpectation(rec, b(6), logits, tokens, { N: 1, V: 20 })).toThrow(
      /score token id 40 is outside the vocabulary 0\.\.19/,
    );
    expect(rec.dispatches).toBe(0);
  });
  it('rejects negative, fractional, mismatched and empty inputs', async () => {
    const gpu = await testGpu();
    expect(() => uploadScoreTokens(gpu, [-1], [1])).toThrow(/integers ≥ 0/);
    expect(() => uploadScoreTokens(gpu, [1.5], [1])).toThrow(/integers ≥ 0/);
    expect(() => uploadScoreTokens(gpu, [1, 2], [1])).toThrow(/2 ids but 1 values/);
    expect(() => uploadScoreTokens(gpu, [], [])).toThrow(/no score token ids/);
    expect(() => uploadScoreTokens(gpu, [1], [NaN])).toThrow(/must be finite/);
  });
});
