// SwiGLU forward and backward on the GPU vs the Float64 references, for lengths that are and are not
// multiples of 4 (both element widths), a single element, and gate values of large magnitude.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { swigluBackward, swigluForward } from '../../src/kernels/swiglu.ts';
import { swigluBackwardRef, swigluForwardRef } from '../../src/reference/swiglu.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

describe('swiglu vs reference', () => {
  for (const n of [1, 37, 65 * 172, 4 * 1001 + 2, 256 * 688]) {
    it(`n=${n}`, async () => {
      const gpu = await testGpu();
      const a = normals(n, n + 1, 3);
      a[0] = -100; // exp(−a) would overflow without the cap
      if (n > 1) a[1] = 100;
      const b = normals(n, n + 2);
      const dout = normals(n, n + 3);
      const A = uploadBuffer(gpu, 'a', a), B = uploadBuffer(gpu, 'b', b);
      const out = createBuffer(gpu, 'out', n * 4), da = createBuffer(gpu, 'da', n * 4), db = createBuffer(gpu, 'db', n * 4);
      const rec = new Recorder(gpu, 'swiglu');
      swigluForward(rec, out, A, B, n);
      swigluBackward(rec, { da, db }, uploadBuffer(gpu, 'dout', dout), A, B, n);
      rec.submit();
      const ro = new Float64Array(n), rda = new Float64Array(n), rdb = new Float64Array(n);
      swigluForwardRef(ro, toF64(a), toF64(b), n);
      swigluBackwardRef(rda, rdb, toF64(dout), toF64(a), toF64(b), n);
      expectClose(await readF32(gpu, out, n), ro, TOL.elementwise, 'out');
      expectClose(await readF32(gpu, da, n), rda, TOL.elementwise, 'da');
      expectClose(await readF32(gpu, db, n), rdb, TOL.elementwise, 'db');
    });
  }
  it('refuses short buffers before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (k: number) => createBuffer(gpu, 'b', k * 4);
    expect(() => swigluForward(rec, b(10), b(10), b(9), 10)).toThrow(/swiglu_forward\.wgsl: buffer 'b'/);
    expect(() => swigluBackward(rec, { da: b(10), db: b(3) }, b(10), b(10), b(10), 10)).toThrow(/buffer 'db'/);
    expect(rec.dispatches).toBe(0);
  });
});
