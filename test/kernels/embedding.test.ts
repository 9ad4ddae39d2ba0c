// The token embedding and its CSR-based gradient on the GPU vs the Float64 references, at awkward
// sizes (C not a multiple of 4, one position, repeated and unused tokens), plus the host helpers
// (id validation, CSR) and the launchers' argument checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { buildTokenCsr, embeddingBackward, embeddingForward, validateTokenIds } from '../../src/kernels/embedding.ts';
import { embeddingBackwardRef, embeddingForwardRef } from '../../src/reference/embedding.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, rng, toF64 } from '../helpers/random.ts';

const cases = [
  { R: 1, C: 1, V: 1 },
  { R: 37, C: 13, V: 11 },
  { R: 65, C: 64, V: 50 },
  { R: 5, C: 6, V: 300 }, // most rows of the table untouched
  { R: 1024, C: 128, V: 512 },
];

function tokensFor(R: number, V: number, seed: number): Uint32Array {
  const r = rng(seed);
  // Skewed towards small ids so that tokens repeat.
  return Uint32Array.from({ length: R }, () => Math.floor(V * r() * r()));
}

describe('embedding forward/backward vs reference', () => {
  for (const { R, C, V } of cases) {
    it(`R=${R} C=${C} V=${V}`, async () => {
      const gpu = await testGpu();
      const tokens = tokensFor(R, V, R + C + V);
      const wte = normals(V * C, 1);
      const dx = normals(R * C, 2);
      const prior = normals(V * C, 3, 0.1);
      const csr = buildTokenCsr(tokens, V);
      const x = createBuffer(gpu, 'x', R * C * 4);
      const dwte = uploadBuffer(gpu, 'dwte', prior);
      const rec = new Recorder(gpu, 'embedding');
      embeddingForward(rec, x, uploadBuffer(gpu, 'tokens', tokens), uploadBuffer(gpu, 'wte', wte), { R, C, V });
      embeddingBackward(rec, dwte, uploadBuffer(gpu, 'dx', dx), { order: uploadBuffer(gpu, 'order', csr.order), offsets: uploadBuffer(gpu, 'offsets', csr.offsets) }, { R, C, V });
      rec.submit();
      const refX = new Float64Array(R * C);
      embeddingForwardRef(refX, tokens, toF64(wte), R, C);
      const refD = toF64(prior);
      embeddingBackwardRef(refD, toF64(dx), tokens, R, C);
      expectClose(await readF32(gpu, x, R * C), refX, { atol: 0, rtol: 0 }, 'x');
      expectClose(await readF32(gpu, dwte, V * C), refD, TOL.elementwise, 'dwte');
    });
  }

  it('a bad id on the GPU is clamped to row V−1 (no out-of-bounds read)', async () => {
    const gpu = await testGpu();
    const R = 3, C = 4, V = 5;
    const wte = normals(V * C, 4);
    const x = createBuffer(gpu, 'x', R * C * 4);
    const rec = new Recorder(gpu, 'bad id');
    embeddingForward(rec, x, uploadBuffer(gpu, 'tokens', new Uint32Array([1, 99, 0xffffffff])), uploadBuffer(gpu, 'wte', wte), { R, C, V });
    rec.submit();
    const got = await readF32(gpu, x);
    expect(Array.from(got.subarray(4, 8))).toEqual(Array.from(wte.subarray(16, 20)));
    expect(Array.from(got.subarray(8, 12))).toEqual(Array.from(wte.subarray(16, 20)));
  });
});

describe('host helpers and argument checks', () => {
  it('buildTokenCsr groups positions by token, stably', () => {
    const { order, offsets } = buildTokenCsr([2, 0, 2, 3, 0, 2], 5);
    expect(Array.from(offsets)).toEqual([0, 2, 2, 5, 6, 6]);
    expect(Array.from(order)).toEqual([1, 4, 0, 2, 5, 3]);
  });
  it('validateTokenIds names the first bad id', () => {
    expect(() => validateTokenIds([0, 3, 7, 9], 8)).toThrow(/token 3 is 9, outside the vocabulary 0\.\.7/);
    expect(() => validateTokenIds([1.5], 8)).toThrow(/token 0 is 1\.5/);
    expect(() => buildTokenCsr([-1], 8)).toThrow(/token 0 is -1/);
  });
  it('launchers refuse short buffers before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    expect(() => embeddingForward(rec, b(8), b(2), b(4 * 10), { R: 2, C: 4, V: 11 })).toThrow(/embedding_forward\.wgsl: buffer 'wte' holds 160 bytes, needs 176/);
    expect(() => embeddingBackward(rec, b(44), b(8), { order: b(2), offsets: b(11) }, { R: 2, C: 4, V: 11 })).toThrow(/buffer 'offsets'/);
    expect(() => embeddingForward(rec, b(8), b(2), b(44), { R: 0, C: 4, V: 11 })).toThrow(/R must be a positive integer/);
    expect(rec.dispatches).toBe(0);
  });
});
