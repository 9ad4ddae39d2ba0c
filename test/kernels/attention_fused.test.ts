// The fused attention (online softmax, no probabilities written) vs the Float64 references: the
// forward (out, and lse against the log of the reference's softmax denominator) and the backward (dq,
// dk, dv, the reference being checked against finite differences in test/reference) at every head
// size up to 32 (the vec4 counts HV = 1 … 8) and three of 36 … 64 (HV 9, 12, 16), odd T, GQA
// groups, scores large enough that the running maximum moves often (q scaled up); the forward's
// KV-cache form (posOffset > 0, kvT the capacity, rows past the cache garbage); the head sizes and
// shapes it refuses.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { attentionFusedBackward, attentionFusedForward, fusedAttentionFits } from '../../src/kernels/attention.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from '../../src/reference/attention.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { halves } from '../helpers/half.ts';
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
  // GPU-sized heads (the ~25M and ~100M shapes have 64): the first vec4 count above 8, one between,
  // and 16, which runs every line. Not all eight: lavapipe compiles a pipeline in time growing with
  // HV (cold, 5 s at hs 36, 17 s at hs 64 for the three kernels), and CI starts cold.
  { B: 1, T: 11, H: 2, KH: 1, hs: 36 },
  { B: 1, T: 5, H: 3, KH: 1, hs: 48 },
  { B: 2, T: 37, H: 4, KH: 2, hs: 64 },
];

/** `half`: q, k and v are stored as f16 (mixed precision); the reference sees the same rounded values. */
async function check(s: AttentionShape, qScale: number, half = false): Promise<void> {
  const gpu = await testGpu();
  const { B, T, H, KH, hs } = s;
  const kvT = s.kvT ?? T;
  const posOffset = s.posOffset ?? 0;
  const Tk = posOffset + T;
  const nq = B * T * H * hs, nk = B * kvT * KH * hs, nr = B * H * T;
  let q = normals(nq, nq + 11).map((x) => x * qScale), k = normals(nk, nk + 12), v = normals(nk, nk + 13);
  const up = (name: string, x: Float32Array) => (half ? uploadBuffer(gpu, name, halves(x).bits) : uploadBuffer(gpu, name, x));
  const Q = up('q', q), K = up('k', k), V = up('v', v);
  if (half) [q, k, v] = [q, k, v].map((x) => halves(x).values);
  const out = uploadBuffer(gpu, 'out', normals(nq, 14)); // garbage: fully assigned
  const lse = uploadBuffer(gpu, 'lse', normals(nr, 15));
  const rec = new Recorder(gpu, 'fused attention');
  attentionFusedForward(rec, { out, lse }, Q, K, V, s, half);
  rec.submit();
  expect(rec.dispatches).toBe(1);
  const want = new Float64Array(nq), att = new Float64Array(B * H * T * Tk);
  attentionForwardRef(want, att, toF64(q), toF64(k), toF64(v), s);
  expectClose(await readF32(gpu, out, nq), want, TOL.matmul, 'out');
  // lse_t = s_j − log p_j for any j the row sees: from j = 0 (p_0 is never 0 at these scores).
  const wantLse = new Float64Array(nr);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const kvh = Math.floor(h / (H / KH));
        let dot = 0;
        for (let d = 0; d < hs; d++) dot += q[(b * T + t) * H * hs + h * hs + d] * k[(b * kvT) * KH * hs + kvh * hs + d];
        wantLse[(b * H + h) * T + t] = dot / Math.sqrt(hs) - Math.log(att[((b * H + h) * T + t) * Tk]);
      }
  expectClose(await readF32(gpu, lse, nr), wantLse, { atol: 1e-4 * Math.max(1, maxAbs(wantLse)), rtol: 1e-4 }, 'lse');
  if (posOffset !== 0 || kvT !== T) return;

  // The backward, from the forward's out and lse.
  const dout = normals(nq, nq + 16);
  const grads = { dq: uploadBuffer(gpu, 'dq', normals(nq, 17)), dk: uploadBuffer(gpu, 'dk', normals(nk, 18)), dv: uploadBuffer(gpu, 'dv', normals(nk, 19)), dsum: createBuffer(gpu, 'dsum', nr * 4) };
  const rec2 = new Recorder(gpu, 'fused attention backward');
  attentionFusedBackward(rec2, grads, uploadBuffer(gpu, 'dout', dout), { q: Q, k: K, v: V, out, lse }, s, half);
  rec2.submit();
  expect(rec2.dispatches).toBe(2);
  const rdq = new Float64Array(nq), rdk = new Float64Array(nk), rdv = new Float64Array(nk);
  attentionBackwardRef(rdq, rdk, rdv, toF64(dout), toF64(q), toF64(k), toF64(v), att, s);
  for (const [what, buf, ref] of [['dq', grads.dq, rdq], ['dk', grads.dk, rdk], ['dv', grads.dv, rdv]] as const) {
    expectClose(await readF32(gpu, buf, ref.length), ref, { atol: 1e-5 * Math.max(1, maxAbs(ref)), rtol: TOL.matmul.rtol }, what);
  }
}

describe('fused attention forward and backward vs reference', () => {
  for (const s of training) {
    it(`B=${s.B} T=${s.T} H=${s.H} KH=${s.KH} hs=${s.hs}`, () => check(s, 1));
  }
  it('scores of ±30: the running maximum rescales what was summed', () => check({ B: 1, T: 40, H: 2, KH: 1, hs: 8 }, 10));
  it('against KV caches: new rows at posOffset 6 and 12 of a 23-row cache (rows past them garbage)', async () => {
    await check({ B: 2, T: 1, H: 8, KH: 4, hs: 8, posOffset: 12, kvT: 23 }, 1);
    await check({ B: 1, T: 5, H: 4, KH: 2, hs: 16, posOffset: 6, kvT: 23 }, 1);
  });
});

describe('fused attention with f16 q, k and v (mixed precision) vs reference on the same rounded values', () => {
  for (const s of [training[1], training[3], training[7]]) {
    it(`B=${s.B} T=${s.T} H=${s.H} KH=${s.KH} hs=${s.hs}`, () => check(s, 1, true));
  }
  it('against a KV cache: new rows at posOffset 6 of a 23-row cache', () => check({ B: 1, T: 5, H: 4, KH: 2, hs: 16, posOffset: 6, kvT: 23 }, 1, true));
});

describe('fused attention argument checks', () => {
  it('takes hs a multiple of 4 up to 64, and says so before any dispatch', async () => {
    const gpu = await testGpu();
    expect([4, 8, 32, 36, 64].map(fusedAttentionFits)).toEqual([true, true, true, true, true]);
    expect([3, 6, 66, 68].map(fusedAttentionFits)).toEqual([false, false, false, false]);
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    const s4 = { B: 1, T: 2, H: 1, KH: 1, hs: 4 };
    expect(() => attentionFusedForward(rec, { out: b(12), lse: b(2) }, b(12), b(12), b(12), { ...s4, hs: 6 })).toThrow(/head size 6 must be a multiple of 4/);
    expect(() => attentionFusedForward(rec, { out: b(8), lse: b(2) }, b(8), b(8), b(7), s4)).toThrow(/attention fused forward: buffer 'v'/);
    expect(() => attentionFusedForward(rec, { out: b(8), lse: b(1) }, b(8), b(8), b(8), s4)).toThrow(/buffer 'lse'/);
    const g = { dq: b(8), dk: b(8), dv: b(8), dsum: b(2) };
    const fwd = { q: b(8), k: b(8), v: b(8), out: b(8), lse: b(2) };
    expect(() => attentionFusedBackward(rec, g, b(8), fwd, { ...s4, kvT: 3 })).toThrow(/training shapes/);
    expect(() => attentionFusedBackward(rec, { ...g, dsum: b(1) }, b(8), fwd, s4)).toThrow(/buffer 'dsum'/);
    expect(rec.dispatches).toBe(0);
  });
});
