// RoPE on the GPU vs the Float64 reference (same f32 angle table), both conventions, with a
// posOffset, odd and tiny head sizes, one row, T = 1, in place and out of place, forward then
// backward (the identity); the table against Float64 angles; the launcher's checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { ropeBackward, ropeForward, uploadRopeTable } from '../../src/kernels/rope.ts';
import { ropeBackwardRef, ropeForwardRef, ropeTable, type RopeShape } from '../../src/reference/rope.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

const shapes: Omit<RopeShape, 'convention'>[] = [
  { R: 1, T: 1, nHeads: 1, hs: 2 },
  { R: 3, T: 1, nHeads: 3, hs: 6, posOffset: 17 }, // T = 1: decoding one token per sequence
  { R: 14, T: 7, nHeads: 4, hs: 10, posOffset: 3 },
  { R: 512, T: 256, nHeads: 8, hs: 32 },
  { R: 130, T: 65, nHeads: 2, hs: 64, posOffset: 190 },
];

describe('rope vs reference', () => {
  for (const convention of ['interleaved', 'half'] as const) {
    for (const sh of shapes) {
      const s: RopeShape = { ...sh, convention };
      it(`${convention} R=${s.R} T=${s.T} heads=${s.nHeads} hs=${s.hs} posOffset=${s.posOffset ?? 0}`, async () => {
        const gpu = await testGpu();
        const n = s.R * s.nHeads * s.hs;
        const maxPos = (s.posOffset ?? 0) + s.T;
        const table = ropeTable(maxPos, s.hs);
        const tbl = uploadBuffer(gpu, 'table', table);
        const x = normals(n, n + 1);
        const dout = normals(n, n + 2);
        const inPlace = uploadBuffer(gpu, 'x', x);
        const dx = createBuffer(gpu, 'dx', n * 4);
        const rec = new Recorder(gpu, 'rope');
        ropeForward(rec, inPlace, inPlace, tbl, s);
        ropeBackward(rec, dx, uploadBuffer(gpu, 'dout', dout), tbl, s); // out of place
        rec.submit();
        const ry = new Float64Array(n), rdx = new Float64Array(n);
        ropeForwardRef(ry, toF64(x), s, table);
        ropeBackwardRef(rdx, toF64(dout), s, table);
        expectClose(await readF32(gpu, inPlace, n), ry, TOL.elementwise, 'y');
        expectClose(await readF32(gpu, dx, n), rdx, TOL.elementwise, 'dx');
        // The llama2.c table is within f32 rounding of exact angles at these positions.
        const exact = new Float64Array(n);
        ropeForwardRef(exact, toF64(x), s);
        expectClose(ry, exact, { atol: 1e-5 * (1 + maxPos / 64), rtol: 1e-4 }, 'table vs Float64 angles');
      });
    }
  }

  it('backward after forward gives the input back (slices of a larger buffer)', async () => {
    const gpu = await testGpu();
    const s: RopeShape = { R: 6, T: 3, nHeads: 2, hs: 8, posOffset: 5, convention: 'half' };
    const n = s.R * s.nHeads * s.hs;
    const tbl = uploadRopeTable(gpu, 64, s.hs);
    const big = normals(64 + n, 3);
    const buf = uploadBuffer(gpu, 'big', big);
    const slice = { buffer: buf, offset: 256, size: n * 4 };
    const rec = new Recorder(gpu, 'rope roundtrip');
    ropeForward(rec, slice, slice, tbl, s);
    ropeBackward(rec, slice, slice, tbl, s);
    rec.submit();
    expectClose(await readF32(gpu, buf, 64 + n), big, TOL.elementwise, 'x');
  });

  it('refuses positions beyond the table, odd head sizes and short buffers, before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const tbl = uploadRopeTable(gpu, 10, 4);
    const b = (k: number) => createBuffer(gpu, 'b', k * 4);
    expect(() => ropeForward(rec, b(8), b(8), tbl, { R: 2, T: 2, nHeads: 1, hs: 4, posOffset: 9, convention: 'half' })).toThrow(
      /the RoPE table holds 10 positions of head size 4; positions up to 10 are needed/,
    );
    expect(() => ropeForward(rec, b(6), b(6), tbl, { R: 2, T: 2, nHeads: 1, hs: 3, convention: 'half' })).toThrow(/hs must be even/);
    expect(() => ropeBackward(rec, b(7), b(8), tbl, { R: 2, T: 2, nHeads: 1, hs: 4, convention: 'interleaved' })).toThrow(/buffer 'out'/);
    expect(() => uploadRopeTable(gpu, 10, 5)).toThrow(/hs must be an even integer/);
    expect(rec.dispatches).toBe(0);
  });
});
