// add (out = a + b) and axpy (y += α·x over ranges) on the GPU vs the Float64 references, in both
// element widths, with offsets that force the scalar width, and their argument checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { add, axpy } from '../../src/kernels/residual.ts';
import { addRef, axpyRef } from '../../src/reference/residual.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

describe('add vs reference', () => {
  for (const n of [1, 37, 4096, 70001]) {
    it(`n=${n}`, async () => {
      const gpu = await testGpu();
      const a = normals(n, 1), b = normals(n, 2);
      const out = uploadBuffer(gpu, 'out', normals(n, 3));
      const rec = new Recorder(gpu, 'add');
      add(rec, out, uploadBuffer(gpu, 'a', a), uploadBuffer(gpu, 'b', b), n);
      rec.submit();
      const ref = new Float64Array(n);
      addRef(ref, toF64(a), toF64(b), n);
      expectClose(await readF32(gpu, out, n), ref, TOL.elementwise, 'out');
    });
  }
});

describe('axpy vs reference', () => {
  const cases = [
    { n: 1, xOffset: 0, yOffset: 0, alpha: 1 },
    { n: 4096, xOffset: 0, yOffset: 0, alpha: 1 },
    { n: 4096, xOffset: 8, yOffset: 64, alpha: -0.5 },
    { n: 1000, xOffset: 3, yOffset: 64, alpha: 2 }, // an offset not a multiple of 4: scalar width
    { n: 70001, xOffset: 0, yOffset: 5, alpha: 0.25 },
  ];
  for (const c of cases) {
    it(`n=${c.n} xOffset=${c.xOffset} yOffset=${c.yOffset} α=${c.alpha}`, async () => {
      const gpu = await testGpu();
      const lenX = c.xOffset + c.n + 7, lenY = c.yOffset + c.n + 9;
      const x = normals(lenX, 4), y0 = normals(lenY, 5);
      const y = uploadBuffer(gpu, 'y', y0);
      const rec = new Recorder(gpu, 'axpy');
      axpy(rec, y, uploadBuffer(gpu, 'x', x), c.n, c);
      rec.submit();
      const ref = toF64(y0);
      axpyRef(ref, toF64(x), c.n, c.alpha, c.yOffset, c.xOffset);
      // Elements outside the range must be untouched too: compare the whole buffer.
      expectClose(await readF32(gpu, y, lenY), ref, TOL.elementwise, 'y');
    });
  }
  it('checks ranges and alpha before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (k: number) => createBuffer(gpu, 'b', k * 4);
    expect(() => axpy(rec, b(10), b(10), 8, { yOffset: 4 })).toThrow(/axpy\.wgsl: buffer 'y' holds 40 bytes, needs 48/);
    expect(() => axpy(rec, b(10), b(10), 8, { alpha: Infinity })).toThrow(/alpha must be finite/);
    expect(() => axpy(rec, b(10), b(10), 8, { xOffset: -1 })).toThrow(/xOffset must be an integer/);
    expect(() => add(rec, b(10), b(9), b(10), 10)).toThrow(/add\.wgsl: buffer 'a'/);
    expect(rec.dispatches).toBe(0);
  });
});
