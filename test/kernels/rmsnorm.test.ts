// RMSNorm forward and backward on the GPU vs the Float64 references: C not a multiple of 4, one row,
// one channel, a long row, rows that are not a multiple of any workgroup; dg accumulates.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { rmsnormBackward, rmsnormForward } from '../../src/kernels/rmsnorm.ts';
import { rmsnormBackwardRef, rmsnormForwardRef } from '../../src/reference/rmsnorm.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

const cases = [
  { R: 1, C: 1 },
  { R: 3, C: 7 },
  { R: 37, C: 64 },
  { R: 50, C: 172 },
  { R: 5, C: 1001 },
  { R: 700, C: 256 },
];

describe('rmsnorm vs reference', () => {
  for (const { R, C } of cases) {
    it(`R=${R} C=${C}`, async () => {
      const gpu = await testGpu();
      const eps = 1e-5;
      const x = normals(R * C, R * 3 + C, 2);
      const g = normals(C, C + 5, 0.3).map((v) => v + 1);
      const dy = normals(R * C, R + C + 7);
      const priorDg = normals(C, 9, 0.1);
      const y = createBuffer(gpu, 'y', R * C * 4);
      const rstd = createBuffer(gpu, 'rstd', R * 4);
      const dx = uploadBuffer(gpu, 'dx', normals(R * C, 10)); // garbage: dx is assigned
      const dg = uploadBuffer(gpu, 'dg', priorDg);
      const X = uploadBuffer(gpu, 'x', x), G = uploadBuffer(gpu, 'g', g);
      const rec = new Recorder(gpu, 'rmsnorm');
      rmsnormForward(rec, { y, rstd }, X, G, { R, C, eps });
      rmsnormBackward(rec, { dx, dg }, uploadBuffer(gpu, 'dy', dy), X, G, rstd, { R, C });
      rec.submit();
      const ry = new Float64Array(R * C), rr = new Float64Array(R);
      rmsnormForwardRef(ry, rr, toF64(x), toF64(g), R, C, eps);
      const rdx = new Float64Array(R * C), rdg = toF64(priorDg);
      rmsnormBackwardRef(rdx, rdg, toF64(dy), toF64(x), toF64(g), rr, R, C);
      expectClose(await readF32(gpu, y, R * C), ry, TOL.elementwise, 'y');
      expectClose(await readF32(gpu, rstd, R), rr, TOL.elementwise, 'rstd');
      expectClose(await readF32(gpu, dx, R * C), rdx, TOL.elementwise, 'dx');
      // dg sums R products: scale the tolerance with the number of terms.
      expectClose(await readF32(gpu, dg, C), rdg, { atol: 1e-5 * Math.sqrt(R), rtol: 1e-4 }, 'dg');
    });
  }

  it('launchers check shapes and buffers before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    expect(() => rmsnormForward(rec, { y: b(12), rstd: b(2) }, b(12), b(5), { R: 3, C: 4, eps: 1e-5 })).toThrow(/buffer 'rstd' holds 8 bytes, needs 12/);
    expect(() => rmsnormForward(rec, { y: b(12), rstd: b(3) }, b(12), b(4), { R: 3, C: 4, eps: NaN })).toThrow(/eps must be/);
    expect(() => rmsnormBackward(rec, { dx: b(12), dg: b(3) }, b(12), b(12), b(4), b(3), { R: 3, C: 4 })).toThrow(/buffer 'dg'/);
    expect(rec.dispatches).toBe(0);
  });
});
