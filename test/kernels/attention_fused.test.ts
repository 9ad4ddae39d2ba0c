// The fused attention forward (online softmax, one dispatch, no probabilities written) vs the Float64
// reference: every head size it takes (hs = 4 … 32, the vec4 counts HV = 1 … 8), odd T, GQA groups,
// scores large enough that the running maximum moves often (q scaled up), the KV-cache form
// (posOffset > 0, kvT the capacity, rows past the cache garbage), and the head sizes it refuses.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { attentionFusedForward, fusedAttentionFits } from '../../src/kernels/attention.ts';
import { attentionForwardRef, type AttentionShape } from '../../src/reference/attention.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

const training: AttentionShape[] = [
  { B: 1, T: 1, H: 1, KH: 1, hs: 4 },
  { B: 2, T: 7, H: 8, KH: 4, hs: 8 },
  { B: 1, T: 33, H: 3, KH: 1, hs: 12 },
  { B: 2, T: 65, H: 4, KH: 2, hs: 16 },
  { B: 1, T: 19, H: 2, KH: 2, hs: 20 },
  { B: 1, T: 9, H: 6, KH: 3, hs: 24 },
  { B: 1, T: 5, H: 2, KH: 1, hs: 28 },
  { B: 2, T: 130, H: 8, KH: 4, hs: 32 },
];

async function check(s: AttentionShape, qScale: number): Promise<void> {
  const gpu = await testGpu();
  const { B, T, H, KH, hs } = s;
  const kvT = s.kvT ?? T;
  const nq = B * T * H * hs, nk = B * kvT * KH * hs;
  const q = normals(nq, nq + 11).map((x) => x * qScale), k = normals(nk, nk + 12), v = normals(nk, nk + 13);
  const out = uploadBuffer(gpu, 'out', normals(nq, 14)); // garbage: fully assigned
  const rec = new Recorder(gpu, 'fused attention');
  attentionFusedForward(rec, out, uploadBuffer(gpu, 'q', q), uploadBuffer(gpu, 'k', k), uploadBuffer(gpu, 'v', v), s);
  rec.submit();
  expect(rec.dispatches).toBe(1);
  const want = new Float64Array(nq);
  attentionForwardRef(want, null, toF64(q), toF64(k), toF64(v), s);
  expectClose(await readF32(gpu, out, nq), want, TOL.matmul, 'out');
}

describe('fused attention forward vs reference', () => {
  for (const s of training) {
    it(`B=${s.B} T=${s.T} H=${s.H} KH=${s.KH} hs=${s.hs}`, () => check(s, 1));
  }
  it('scores of ±30: the running maximum rescales what was summed', () => check({ B: 1, T: 40, H: 2, KH: 1, hs: 8 }, 10));
  it('against KV caches: new rows at posOffset 6 and 12 of a 23-row cache (rows past them garbage)', async () => {
    await check({ B: 2, T: 1, H: 8, KH: 4, hs: 8, posOffset: 12, kvT: 23 }, 1);
    await check({ B: 1, T: 5, H: 4, KH: 2, hs: 16, posOffset: 6, kvT: 23 }, 1);
  });
});

describe('fused attention argument checks', () => {
  it('takes hs a multiple of 4 up to 32, and says so before any dispatch', async () => {
    const gpu = await testGpu();
    expect([4, 8, 32].map(fusedAttentionFits)).toEqual([true, true, true]);
    expect([3, 6, 36].map(fusedAttentionFits)).toEqual([false, false, false]);
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    expect(() => attentionFusedForward(rec, b(12), b(12), b(12), b(12), { B: 1, T: 2, H: 1, KH: 1, hs: 6 })).toThrow(/head size 6 must be a multiple of 4/);
    expect(() => attentionFusedForward(rec, b(8), b(8), b(8), b(7), { B: 1, T: 2, H: 1, KH: 1, hs: 4 })).toThrow(/attention fused forward: buffer 'v'/);
    expect(rec.dispatches).toBe(0);
  });
});
