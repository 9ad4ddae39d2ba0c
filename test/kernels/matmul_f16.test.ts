// Mixed precision's kernels: cast_f16.wgsl against the host's round-to-nearest-even f16 conversion
// (scaling, clamping, the overflow flag), and every matmul kernel (one workgroup shape each) with f16 inputs against the
// Float64 reference on the same f16-rounded inputs (products of f16 values are exact in f32, so
// the tolerance is f32's). The suite fails, not skips, where the adapter has no shader-f16.
import { describe, expect, it } from 'vitest';
import { createBuffer, readBuffer, readF32, readU32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { castF16, halfBytes } from '../../src/kernels/cast.ts';
import { describeMatmulKernel, matmul, MATMUL_KERNELS, type MatmulShape } from '../../src/kernels/matmul.ts';
import { f16ToF32, f32ToF16Bits } from '../../src/model/halfFloat.ts';
import { matmulRef } from '../../src/reference/matmul.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { halves } from '../helpers/half.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

describe('cast_f16', () => {
  it('the adapter offers shader-f16 (mixed precision is tested here, on lavapipe)', async () => {
    const gpu = await testGpu();
    expect(gpu.features.has('shader-f16')).toBe(true);
  });

  it('rounds to nearest even as the host does, odd lengths, scaled by a GPU scalar, no false overflow', async () => {
    const gpu = await testGpu();
    for (const n of [1, 3, 4, 7, 1001]) {
      const x = normals(n, n, 3);
      x[0] = 1e-6; // a subnormal half
      const scale = uploadBuffer(gpu, 'scale', new Float32Array([8]));
      const overflow = uploadBuffer(gpu, 'overflow', new Uint32Array([0]));
      const out = createBuffer(gpu, 'out', halfBytes(n));
      const rec = new Recorder(gpu, 'cast test');
      castF16(rec, out, uploadBuffer(gpu, 'x', x), n, { scale, overflow });
      rec.submit();
      const got = new Uint16Array(await readBuffer(gpu, out, halfBytes(n)));
      for (let i = 0; i < n; i++) expect(got[i], `element ${i} of ${n}: ${x[i]} · 8`).toBe(f32ToF16Bits(Math.fround(x[i] * 8)));
      expect((await readU32(gpu, overflow, 1))[0]).toBe(0);
    }
  });

  it('flags overflow and stores the clamped value instead of an infinity', async () => {
    const gpu = await testGpu();
    const x = new Float32Array([1, 70000, -1e6, 65504, Infinity, NaN]);
    const out = createBuffer(gpu, 'out', halfBytes(x.length));
    for (const [k, xs, flagged] of [[1, x.subarray(0, 1), 0], [2, x.subarray(0, 2), 1], [4, x.subarray(0, 4), 1], [6, x, 1]] as const) {
      const overflow = uploadBuffer(gpu, 'overflow', new Uint32Array([0]));
      const rec = new Recorder(gpu, 'cast test');
      castF16(rec, out, uploadBuffer(gpu, 'x', new Float32Array(xs)), k, { overflow });
      rec.submit();
      expect((await readU32(gpu, overflow, 1))[0], `first ${k} values`).toBe(flagged);
    }
    const got = [...new Uint16Array(await readBuffer(gpu, out, halfBytes(x.length)))].slice(0, x.length).map(f16ToF32);
    expect(got).toEqual([1, 65504, -65504, 65504, 0, 0]);
  });

  it('refuses bad arguments by name', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'cast test');
    const overflow = uploadBuffer(gpu, 'overflow', new Uint32Array([0]));
    expect(() => castF16(rec, createBuffer(gpu, 'out', 4), createBuffer(gpu, 'x', 16), 4, { overflow })).toThrow(/cast_f16.wgsl.*'out'/);
    expect(() => castF16(rec, createBuffer(gpu, 'out', 8), createBuffer(gpu, 'x', 16), 0, { overflow })).toThrow(/n must be a positive integer/);
  });
});

// The f16 path differs from the f32 one only in the loads (ldA/ldB), whose indexing every f32
// test covers; two odd shapes per kernel cover the transposes training uses.
const shapes: (MatmulShape & { label: string })[] = [
  { label: 'Bᵀ, batched 2 × 17×33×65 (linear layer y = x·Wᵀ)', M: 17, N: 33, K: 65, transB: true, batch: 2 },
  { label: 'Aᵀ, accumulate, α = 0.5: 20×19×37 (weight gradient)', M: 20, N: 19, K: 37, transA: true, accumulate: true, alpha: 0.5 },
];

// One workgroup shape per kernel (the f16 prelude is the same whatever the workgroup's shape), and
// one split-K form (its partials pass reads the inputs through the same prelude).
const perVariant = [...MATMUL_KERNELS.filter((k, i) => MATMUL_KERNELS.findIndex((o) => o.variant === k.variant) === i), MATMUL_KERNELS.find((k) => k.splits)!];

describe.each(perVariant.map((k) => [describeMatmulKernel(k), k] as const))('matmul with f16 inputs (%s kernel) vs reference', (_name, kernel) => {
  for (const s of shapes) {
    it(s.label, async () => {
      const gpu = await testGpu();
      const batch = s.batch ?? 1;
      const a = halves(normals(batch * s.M * s.K, 5));
      const b = halves(normals(batch * s.K * s.N, 6));
      const c0 = normals(batch * s.M * s.N, 7);
      const C = uploadBuffer(gpu, 'C', c0);
      const rec = new Recorder(gpu, 'matmul f16 test');
      matmul(rec, C, uploadBuffer(gpu, 'A', a.bits), uploadBuffer(gpu, 'B', b.bits), { ...s, ...kernel, half: true });
      rec.submit();
      const ref = toF64(c0);
      matmulRef(ref, toF64(a.values), toF64(b.values), s);
      expectClose(await readF32(gpu, C, c0.length), ref, TOL.matmul, 'C');
    });
  }
});

describe('matmul with f16 inputs: argument checks', () => {
  it('sizes A and B in half floats', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'matmul f16 test');
    const C = createBuffer(gpu, 'C', 4 * 4 * 4);
    // 4×4 f16 = 32 bytes each: enough as half floats, not as f32 (the f32 check would want 64).
    matmul(rec, C, createBuffer(gpu, 'A', 32), createBuffer(gpu, 'B', 32), { M: 4, N: 4, K: 4, half: true });
    expect(() => matmul(rec, C, createBuffer(gpu, 'A', 32), createBuffer(gpu, 'B', 32), { M: 4, N: 4, K: 4 })).toThrow(/buffer 'A' holds 32 bytes, needs 64/);
    expect(() => matmul(rec, C, createBuffer(gpu, 'A', 16), createBuffer(gpu, 'B', 32), { M: 4, N: 4, K: 4, half: true })).toThrow(/buffer 'A' holds 16 bytes, needs 32/);
  });
});
