// Causal GQA attention on the GPU vs the Float64 references: forward (out and att) and backward
// (dq, dk, dv) at awkward sizes — T = 1, hs not a multiple of 4, H = 8 / KH = 4 and H = 4 / KH = 1,
// the largest training shape a test affords — with and without a separate dS scratch; the decode
// form (posOffset, KV caches written by kvCacheWrite); argument checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { attentionBackward, attentionForward, kvCacheWrite } from '../../src/kernels/attention.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from '../../src/reference/attention.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

const shapes: AttentionShape[] = [
  { B: 1, T: 1, H: 1, KH: 1, hs: 3 },
  { B: 2, T: 5, H: 8, KH: 4, hs: 6 },
  { B: 1, T: 7, H: 4, KH: 1, hs: 8 },
  { B: 3, T: 33, H: 2, KH: 2, hs: 5 },
  { B: 2, T: 65, H: 4, KH: 2, hs: 16 },
  { B: 2, T: 256, H: 8, KH: 4, hs: 32 },
];

describe('attention forward + backward vs reference', () => {
  for (const s of shapes) {
    for (const scratch of [false, true]) {
      it(`B=${s.B} T=${s.T} H=${s.H} KH=${s.KH} hs=${s.hs}${scratch ? ', dS in scratch' : ', dS in place'}`, async () => {
        const gpu = await testGpu();
        const { B, T, H, KH, hs } = s;
        const nq = B * T * H * hs, nk = B * T * KH * hs, na = B * H * T * T;
        const q = normals(nq, nq + 1), k = normals(nk, nk + 2), v = normals(nk, nk + 3), dout = normals(nq, nq + 4);
        const Q = uploadBuffer(gpu, 'q', q), K = uploadBuffer(gpu, 'k', k), Vb = uploadBuffer(gpu, 'v', v);
        const out = createBuffer(gpu, 'out', nq * 4);
        const att = uploadBuffer(gpu, 'att', normals(na, 5)); // garbage: fully assigned
        const grads = {
          dq: uploadBuffer(gpu, 'dq', normals(nq, 6)),
          dk: uploadBuffer(gpu, 'dk', normals(nk, 7)),
          dv: uploadBuffer(gpu, 'dv', normals(nk, 8)),
          ...(scratch ? { datt: createBuffer(gpu, 'datt', na * 4) } : {}),
        };
        const rec = new Recorder(gpu, 'attention');
        attentionForward(rec, { out, att }, Q, K, Vb, s);
        rec.submit();
        const rOut = new Float64Array(nq), rAtt = new Float64Array(na);
        attentionForwardRef(rOut, rAtt, toF64(q), toF64(k), toF64(v), s);
        expectClose(await readF32(gpu, att, na), rAtt, TOL.matmul, 'att');
        expectClose(await readF32(gpu, out, nq), rOut, TOL.matmul, 'out');

        const rec2 = new Recorder(gpu, 'attention backward');
        attentionBackward(rec2, grads, uploadBuffer(gpu, 'dout', dout), Q, K, Vb, att, s);
        rec2.submit();
        const rdq = new Float64Array(nq), rdk = new Float64Array(nk), rdv = new Float64Array(nk);
        attentionBackwardRef(rdq, rdk, rdv, toF64(dout), toF64(q), toF64(k), toF64(v), rAtt, s);
        // Sums of up to T·H/KH products: an atol relative to the largest gradient.
        for (const [what, buf, ref] of [['dq', grads.dq, rdq], ['dk', grads.dk, rdk], ['dv', grads.dv, rdv]] as const) {
          expectClose(await readF32(gpu, buf, ref.length), ref, { atol: 1e-5 * Math.max(1, maxAbs(ref)), rtol: TOL.matmul.rtol }, what);
        }
        if (scratch) expectClose(await readF32(gpu, att, na), rAtt, TOL.matmul, 'att kept intact');
      });
    }
  }
});

describe('attention decode with KV caches', () => {
  for (const s of [{ B: 1, H: 8, KH: 4, hs: 8 }, { B: 2, H: 4, KH: 1, hs: 6 }]) {
    it(`prefill 5 tokens, then decode 1 and 2 tokens: B=${s.B} H=${s.H} KH=${s.KH} hs=${s.hs}`, async () => {
      const gpu = await testGpu();
      const { B, H, KH, hs } = s;
      const Tmax = 11, D = KH * hs, Q = H * hs;
      const total = 8; // 5 prefill + 1 + 2
      // The full sequences (as in training) give the expected output rows.
      const q = normals(B * total * Q, 1), k = normals(B * total * D, 2), v = normals(B * total * D, 3);
      const full = new Float64Array(B * total * Q);
      attentionForwardRef(full, null, toF64(q), toF64(k), toF64(v), { B, T: total, H, KH, hs });
      const kc = createBuffer(gpu, 'k cache', B * Tmax * D * 4), vc = createBuffer(gpu, 'v cache', B * Tmax * D * 4);
      // Rows [from, from + n) of every sequence of x, packed as [B·n, width].
      const rows = (x: Float32Array, width: number, from: number, n: number) => {
        const o = new Float32Array(B * n * width);
        for (let b = 0; b < B; b++) o.set(x.subarray((b * total + from) * width, (b * total + from + n) * width), b * n * width);
        return o;
      };
      let pos = 0;
      for (const n of [5, 1, 2]) {
        const out = createBuffer(gpu, 'out', B * n * Q * 4);
        const att = createBuffer(gpu, 'att', B * H * n * (pos + n) * 4);
        const rec = new Recorder(gpu, 'decode');
        kvCacheWrite(rec, kc, uploadBuffer(gpu, 'k new', rows(k, D, pos, n)), { B, T: n, Tmax, D, posOffset: pos });
        kvCacheWrite(rec, vc, uploadBuffer(gpu, 'v new', rows(v, D, pos, n)), { B, T: n, Tmax, D, posOffset: pos });
        attentionForward(rec, { out, att }, uploadBuffer(gpu, 'q new', rows(q, Q, pos, n)), kc, vc, { B, T: n, H, KH, hs, posOffset: pos, kvT: Tmax });
        rec.submit();
        const want = new Float64Array(B * n * Q);
        for (let b = 0; b < B; b++) want.set(full.subarray((b * total + pos) * Q, (b * total + pos + n) * Q), b * n * Q);
        expectClose(await readF32(gpu, out, B * n * Q), want, TOL.matmul, `out at posOffset ${pos}`);
        pos += n;
      }
      // The caches hold the rows in [B, Tmax, D] order; rows ≥ 8 are untouched (zero).
      const cache = await readF32(gpu, kc, B * Tmax * D);
      for (let b = 0; b < B; b++) {
        expect(Array.from(cache.subarray(b * Tmax * D, (b * Tmax + total) * D))).toEqual(Array.from(k.subarray(b * total * D, (b + 1) * total * D)));
        expect(cache.subarray((b * Tmax + total) * D, (b + 1) * Tmax * D).every((x) => x === 0)).toBe(true);
      }
    });
  }
});

describe('attention argument checks (before any dispatch)', () => {
  it('refuses bad group sizes, positions past the cache, short buffers and decode shapes in the backward', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    const s = { B: 1, T: 2, H: 4, KH: 3, hs: 4 };
    expect(() => attentionForward(rec, { out: b(32), att: b(16) }, b(32), b(24), b(24), s)).toThrow(/KH \(3\) must divide H \(4\)/);
    expect(() => attentionForward(rec, { out: b(32), att: b(16) }, b(32), b(16), b(16), { ...s, KH: 2, posOffset: 3, kvT: 4 })).toThrow(/posOffset \+ T = 5 exceeds the 4 rows/);
    expect(() => attentionForward(rec, { out: b(32), att: b(15) }, b(32), b(16), b(16), { ...s, KH: 2 })).toThrow(/attention forward: buffer 'att'/);
    expect(() => attentionBackward(rec, { dq: b(32), dk: b(16), dv: b(16) }, b(32), b(32), b(16), b(16), b(16), { ...s, KH: 2, kvT: 3 })).toThrow(/training shapes/);
    expect(() => attentionBackward(rec, { dq: b(32), dk: b(16), dv: b(15) }, b(32), b(32), b(16), b(16), b(16), { ...s, KH: 2 })).toThrow(/buffer 'dv'/);
    expect(() => kvCacheWrite(rec, b(40), b(8), { B: 1, T: 2, Tmax: 10, D: 4, posOffset: 9 })).toThrow(/exceeds the cache capacity Tmax = 10/);
    expect(rec.dispatches).toBe(0);
  });
});
