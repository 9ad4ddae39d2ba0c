// matmul (every kernel the autotuner may choose: registers at each workgroup shape for CPU drivers,
// the vec4 and subgroup kernels, tiled 64×64 and 128×128 for GPUs, each tiled one also split-K) vs the
// Float64 reference, at
// awkward sizes, batched (with a shared operand), transposed, accumulating and scaled; the two
// backward products; and the backward formulas vs finite differences.
import { describe, expect, it } from 'vitest';
import { createBuffer, defineKernel, f32, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { describeMatmulKernel, matmul, matmulBackwardA, matmulBackwardB, MATMUL_KERNELS, SPLITK_SCRATCH_BYTES, type MatmulKernelChoice, type MatmulShape } from '../../src/kernels/matmul.ts';
import { matmulRef, splitKReduceRef } from '../../src/reference/matmul.ts';
import splitKReduceWgsl from '../../shaders/matmul_splitk_reduce.wgsl?raw';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

const shapes: (MatmulShape & { label: string })[] = [
  { label: '1×1×1', M: 1, N: 1, K: 1 },
  { label: '17×33×65', M: 17, N: 33, K: 65 },
  { label: '128×128×128', M: 128, N: 128, K: 128 },
  { label: 'batched 3 × 9×70×13', M: 9, N: 70, K: 13, batch: 3 },
  { label: 'batched 4 × 31×5×40 sharing B (strideB 0)', M: 31, N: 5, K: 40, batch: 4, strideB: 0 },
  { label: 'Aᵀ: 20×19×37', M: 20, N: 19, K: 37, transA: true },
  { label: 'Bᵀ: 65×7×64 (linear layer y = x·Wᵀ)', M: 65, N: 7, K: 64, transB: true },
  { label: 'Aᵀ Bᵀ batched 2 × 3×66×11', M: 3, N: 66, K: 11, transA: true, transB: true, batch: 2 },
  { label: 'accumulate, α = 0.25: 40×41×9', M: 40, N: 41, K: 9, accumulate: true, alpha: 0.25 },
  // More than one 128×128 tile each way, and K not a multiple of any kernel's slice (8, 16).
  { label: 'several tiles: 150×137×21', M: 150, N: 137, K: 21 },
  { label: 'several tiles, Aᵀ Bᵀ: 130×260×19', M: 130, N: 260, K: 19, transA: true, transB: true },
];

function sizes(s: MatmulShape) {
  const batch = s.batch ?? 1;
  const sa = s.strideA ?? s.M * s.K;
  const sb = s.strideB ?? s.K * s.N;
  const sc = s.strideC ?? s.M * s.N;
  return { a: (batch - 1) * sa + s.M * s.K, b: (batch - 1) * sb + s.K * s.N, c: (batch - 1) * sc + s.M * s.N };
}

async function check(s: MatmulShape, kernel: MatmulKernelChoice) {
  const gpu = await testGpu();
  const n = sizes(s);
  const a = normals(n.a, n.a + 1);
  const b = normals(n.b, n.b + 2);
  const c0 = normals(n.c, n.c + 3);
  const C = uploadBuffer(gpu, 'C', c0);
  const rec = new Recorder(gpu, 'matmul test');
  matmul(rec, C, uploadBuffer(gpu, 'A', a), uploadBuffer(gpu, 'B', b), { ...s, ...kernel });
  rec.submit();
  const ref = toF64(c0);
  matmulRef(ref, toF64(a), toF64(b), s);
  expectClose(await readF32(gpu, C, n.c), ref, TOL.matmul, 'C');
}

describe.each(MATMUL_KERNELS.map((k) => [describeMatmulKernel(k), k] as const))('matmul (%s kernel) vs reference', (_name, kernel) => {
  for (const s of shapes) it(s.label, () => check(s, kernel));
});

describe('the same numbers from every kernel but split-K', () => {
  // What lets the autotuner choose by speed alone on CPU drivers (where split-K is never timed): each
  // output is the same sequential fma chain over k in every other kernel, so a run's numbers do not
  // depend on which kernel won a timing.
  it('bit-identical C from every unsplit kernel, plain and transposed with accumulate and α; split-K differs', async () => {
    const gpu = await testGpu();
    for (const s of [{ M: 70, N: 45, K: 133 }, { M: 33, N: 66, K: 97, transA: true, transB: true, accumulate: true, alpha: 0.5 }] as MatmulShape[]) {
      const a = normals(s.M * s.K, 51), b = normals(s.K * s.N, 52), c0 = normals(s.M * s.N, 53);
      const A = uploadBuffer(gpu, 'A', a), B = uploadBuffer(gpu, 'B', b);
      const outs: { kernel: string; c: Float32Array }[] = [];
      for (const kernel of MATMUL_KERNELS.filter((k) => !k.splits)) {
        const C = uploadBuffer(gpu, 'C', c0);
        const rec = new Recorder(gpu, 'bits');
        matmul(rec, C, A, B, { ...s, ...kernel });
        rec.submit();
        outs.push({ kernel: describeMatmulKernel(kernel), c: await readF32(gpu, C, s.M * s.N) });
      }
      for (const o of outs.slice(1)) expect(Buffer.from(o.c.buffer).equals(Buffer.from(outs[0].c.buffer)), `${o.kernel} vs ${outs[0].kernel}`).toBe(true);
      // Split-K sums in another order, and the comparison sees it (the check can fail).
      const C = uploadBuffer(gpu, 'C', c0);
      const rec = new Recorder(gpu, 'bits split');
      matmul(rec, C, A, B, { ...s, variant: 'tiled128', splits: 4 });
      rec.submit();
      expect(Buffer.from((await readF32(gpu, C, s.M * s.N)).buffer).equals(Buffer.from(outs[0].c.buffer))).toBe(false);
    }
  });
});

describe('split-K', () => {
  it('matmul_splitk_reduce.wgsl sums the partials in order, scaled, accumulating, over a batch with a wider C stride', async () => {
    const gpu = await testGpu();
    const batch = 3, splits = 5, perBatch = 37, strideC = 40;
    const part = normals(batch * splits * perBatch, 31);
    const c0 = normals(batch * strideC, 32);
    for (const accumulate of [false, true]) {
      const C = uploadBuffer(gpu, 'C', c0);
      const rec = new Recorder(gpu, 'reduce');
      const kernel = defineKernel({ name: 'matmul_splitk_reduce.wgsl', code: splitKReduceWgsl }, ['part', 'C']);
      rec.run(kernel, { params: [batch * perBatch, splits, perBatch, strideC, accumulate ? 1 : 0, f32(0.5)], buffers: { part: uploadBuffer(gpu, 'part', part), C }, workgroups: Math.ceil((batch * perBatch) / 256) });
      rec.submit();
      const ref = toF64(c0);
      splitKReduceRef(ref, toF64(part), { batch, splits, perBatch, strideC, accumulate, alpha: 0.5 });
      expectClose(await readF32(gpu, C), ref, TOL.matmul, `C (accumulate ${accumulate})`);
    }
  });

  it('records two dispatches (partials, then their sum), and runs unsplit when the partials would not fit the scratch', async () => {
    const gpu = await testGpu();
    const M = 1024, N = 1040, K = 8;
    expect(16 * M * N * 4).toBeGreaterThan(SPLITK_SCRATCH_BYTES);
    const a = normals(M * K, 41), b = normals(K * N, 42);
    const ref = new Float64Array(M * N);
    matmulRef(ref, toF64(a), toF64(b), { M, N, K });
    const A = uploadBuffer(gpu, 'A', a), B = uploadBuffer(gpu, 'B', b);
    for (const [splits, dispatches] of [[4, 2], [16, 1]] as const) {
      const C = createBuffer(gpu, 'C', M * N * 4);
      const rec = new Recorder(gpu, 'split');
      matmul(rec, C, A, B, { M, N, K, variant: 'tiled128', splits });
      expect(rec.dispatches).toBe(dispatches);
      rec.submit();
      expectClose(await readF32(gpu, C), ref, TOL.matmul, `C (${splits} splits)`);
    }
  });

  it('rejects a split count outside 1..64, and splits without a tiled kernel', async () => {
    const gpu = await testGpu();
    const buf = createBuffer(gpu, 'x', 64);
    expect(() => matmul(new Recorder(gpu, 'bad'), buf, buf, buf, { M: 2, N: 2, K: 2, variant: 'tiled', splits: 65 })).toThrow(/splits must be an integer in 1\.\.64, got 65/);
    expect(() => matmul(new Recorder(gpu, 'bad'), buf, buf, buf, { M: 2, N: 2, K: 2, variant: 'registers', splits: 4 })).toThrow(/splits \(4\) needs variant 'tiled' or 'tiled128'/);
    expect(() => matmul(new Recorder(gpu, 'bad'), buf, buf, buf, { M: 2, N: 2, K: 2, splits: 4 })).toThrow(/needs variant/);
  });
});

describe('matmul backward products', () => {
  for (const kernel of MATMUL_KERNELS) {
    it(`dA = dC·Bᵀ and dB = Aᵀ·dC (${describeMatmulKernel(kernel)}), batched 2 × 21×34×18`, async () => {
      const gpu = await testGpu();
      const M = 21, N = 34, K = 18, batch = 2;
      const a = normals(batch * M * K, 11);
      const b = normals(batch * K * N, 12);
      const dc = normals(batch * M * N, 13);
      const dA = createBuffer(gpu, 'dA', batch * M * K * 4);
      const dB = createBuffer(gpu, 'dB', batch * K * N * 4);
      const rec = new Recorder(gpu, 'matmul backward');
      const A = uploadBuffer(gpu, 'A', a), B = uploadBuffer(gpu, 'B', b), dC = uploadBuffer(gpu, 'dC', dc);
      matmulBackwardA(rec, dA, dC, B, { M, N, K, batch, ...kernel });
      matmulBackwardB(rec, dB, A, dC, { M, N, K, batch, ...kernel });
      rec.submit();
      const refA = new Float64Array(batch * M * K);
      const refB = new Float64Array(batch * K * N);
      matmulRef(refA, toF64(dc), toF64(b), { M, N: K, K: N, batch, transB: true });
      matmulRef(refB, toF64(a), toF64(dc), { M: K, N, K: M, batch, transA: true });
      expectClose(await readF32(gpu, dA), refA, TOL.matmul, 'dA');
      expectClose(await readF32(gpu, dB), refB, TOL.matmul, 'dB');
    });
  }

  it('the backward formulas match finite differences of L = Σ dC ⊙ (A·B) (Float64)', () => {
    const M = 4, N = 5, K = 3;
    const a = toF64(normals(M * K, 21));
    const b = toF64(normals(K * N, 22));
    const dc = toF64(normals(M * N, 23));
    const loss = () => {
      const c = new Float64Array(M * N);
      matmulRef(c, a, b, { M, N, K });
      return c.reduce((s, v, i) => s + v * dc[i], 0);
    };
    const fd = (x: Float64Array) =>
      Array.from(x, (_, i) => {
        const keep = x[i];
        x[i] = keep + 1e-6;
        const up = loss();
        x[i] = keep - 1e-6;
        const down = loss();
        x[i] = keep;
        return (up - down) / 2e-6;
      });
    const dA = new Float64Array(M * K);
    const dB = new Float64Array(K * N);
    matmulRef(dA, dc, b, { M, N: K, K: N, transB: true });
    matmulRef(dB, a, dc, { M: K, N, K: M, transA: true });
    expectClose(dA, fd(a), TOL.finiteDiff, 'dA');
    expectClose(dB, fd(b), TOL.finiteDiff, 'dB');
  });

  it('rejects buffers too small for the shape, before dispatch', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const small = createBuffer(gpu, 'small', 4 * 10);
    expect(() => matmul(rec, small, small, small, { M: 4, N: 4, K: 4 })).toThrow(/buffer 'A' holds 40 bytes, needs 64/);
    expect(rec.dispatches).toBe(0);
  });
});
