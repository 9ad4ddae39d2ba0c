// rope_cache.wgsl (ropeToCache: an inference forward's q and k rotations with the KV-cache writes)
// vs the Float64 RoPE reference: q rotated in place, k rotated into cache rows b·Tmax + posOffset + t,
// v copied there, every other cache row untouched; both conventions, odd head counts and a half head
// size that is odd (hs 6), caches bound as slices of a larger buffer; the launcher's checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { ropeToCache, type RopeCacheShape } from '../../src/kernels/rope.ts';
import { ropeForwardRef, ropeTable } from '../../src/reference/rope.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

const shapes: Omit<RopeCacheShape, 'convention'>[] = [
  { B: 1, T: 1, H: 1, KH: 1, hs: 2, Tmax: 1, posOffset: 0 },
  { B: 2, T: 3, H: 3, KH: 1, hs: 6, Tmax: 9, posOffset: 4 },
  { B: 3, T: 5, H: 4, KH: 2, hs: 8, Tmax: 7, posOffset: 0 },
  { B: 1, T: 37, H: 8, KH: 4, hs: 8, Tmax: 64, posOffset: 20 }, // stories260K's heads
];

describe('rope_cache vs reference', () => {
  for (const convention of ['interleaved', 'half'] as const) {
    for (const sh of shapes) {
      const s: RopeCacheShape = { ...sh, convention };
      it(`${convention} B=${s.B} T=${s.T} H=${s.H} KH=${s.KH} hs=${s.hs} Tmax=${s.Tmax} posOffset=${s.posOffset}`, async () => {
        const gpu = await testGpu();
        const { B, T, H, KH, hs, Tmax, posOffset } = s;
        const R = B * T;
        const KV = KH * hs;
        const table = ropeTable(posOffset + T, hs);
        const tbl = uploadBuffer(gpu, 'table', table);
        const q = normals(R * H * hs, 1);
        const k = normals(R * KV, 2);
        const v = normals(R * KV, 3);
        const qBuf = uploadBuffer(gpu, 'q', q);
        // The caches as slices at 256 bytes into buffers filled with a sentinel pattern.
        const cacheFloats = B * Tmax * KV;
        const pad = 64;
        const before = normals(pad + cacheFloats, 4);
        const kBig = uploadBuffer(gpu, 'k_cache', before);
        const vBig = uploadBuffer(gpu, 'v_cache', before);
        const slice = (buffer: GPUBuffer) => ({ buffer, offset: pad * 4, size: cacheFloats * 4 });
        const rec = new Recorder(gpu, 'rope_cache');
        ropeToCache(rec, { q: qBuf, kCache: slice(kBig), vCache: slice(vBig) }, uploadBuffer(gpu, 'k', k), uploadBuffer(gpu, 'v', v), tbl, s);
        rec.submit();
        expect(rec.dispatches).toBe(1);
        const rq = new Float64Array(R * H * hs);
        ropeForwardRef(rq, toF64(q), { R, T, nHeads: H, hs, posOffset, convention }, table);
        const rk = new Float64Array(R * KV);
        ropeForwardRef(rk, toF64(k), { R, T, nHeads: KH, hs, posOffset, convention }, table);
        const wantK = toF64(before);
        const wantV = toF64(before);
        for (let b = 0; b < B; b++) {
          for (let t = 0; t < T; t++) {
            const to = pad + (b * Tmax + posOffset + t) * KV;
            wantK.set(rk.subarray((b * T + t) * KV, (b * T + t + 1) * KV), to);
            wantV.set(toF64(v).subarray((b * T + t) * KV, (b * T + t + 1) * KV), to);
          }
        }
        expectClose(await readF32(gpu, qBuf, R * H * hs), rq, TOL.elementwise, 'q');
        expectClose(await readF32(gpu, kBig, pad + cacheFloats), wantK, TOL.elementwise, 'k cache');
        expect(await readF32(gpu, vBig, pad + cacheFloats)).toEqual(Float32Array.from(wantV));
      });
    }
  }

  it('refuses rows past the cache, positions past the table, odd head sizes and short buffers, before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    const tbl = uploadBuffer(gpu, 'table', ropeTable(10, 4));
    const s: RopeCacheShape = { B: 1, T: 2, H: 2, KH: 1, hs: 4, Tmax: 8, posOffset: 6, convention: 'half' };
    const ok = { q: b(16), kCache: b(32), vCache: b(32) };
    expect(() => ropeToCache(rec, ok, b(8), b(8), tbl, { ...s, posOffset: 7 })).toThrow(/posOffset \+ T = 9 exceeds the cache capacity Tmax = 8/);
    expect(() => ropeToCache(rec, { ...ok, kCache: b(48), vCache: b(48) }, b(8), b(8), tbl, { ...s, Tmax: 12, posOffset: 9 })).toThrow(/the RoPE table holds 10 positions of head size 4; positions up to 10 are needed/);
    expect(() => ropeToCache(rec, ok, b(6), b(6), tbl, { ...s, hs: 3 })).toThrow(/hs must be even/);
    expect(() => ropeToCache(rec, { ...ok, vCache: b(31) }, b(8), b(8), tbl, s)).toThrow(/buffer 'v_cache'/);
    expect(() => ropeToCache(rec, ok, b(8), b(8), tbl, { ...s, convention: 'other' as 'half' })).toThrow(/convention must be/);
    expect(rec.dispatches).toBe(0);
  });
});
