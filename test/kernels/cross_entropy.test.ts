// The fused cross-entropy on the GPU vs the Float64 reference: V = 1, V not a multiple of 4, a Llama
// vocabulary, masked rows (gradient and loss exactly 0), a fractional weight, targets at both ends
// of the row, extreme and −∞ logits; a bad target id is clamped; argument checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { crossEntropyBackward } from '../../src/kernels/cross_entropy.ts';
import { crossEntropyRef } from '../../src/reference/cross_entropy.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, rng, toF64 } from '../helpers/random.ts';

interface Case {
  name: string;
  N: number;
  V: number;
  logits?: (z: Float32Array, N: number, V: number) => void;
}

const cases: Case[] = [
  { name: 'V = 1', N: 2, V: 1 },
  { name: 'V = 37, N = 1', N: 1, V: 37 },
  { name: 'V = 512 (stories260K), N = 67', N: 67, V: 512 },
  { name: 'V = 1001, logits of magnitude ±80 and −∞', N: 6, V: 1001, logits: (z, N, V) => {
    const r = rng(3);
    for (let i = 0; i < N * V; i++) z[i] = r() < 0.3 ? -80 : r() < 0.1 ? -Infinity : 80 * r();
  } },
  { name: 'V = 32000 (a Llama vocabulary)', N: 3, V: 32000 },
];

async function run(c: Case, scale: number) {
  const gpu = await testGpu();
  const { N, V } = c;
  const z = normals(N * V, N + V, 3);
  c.logits?.(z, N, V);
  const r = rng(N * 7 + V);
  const targets = Uint32Array.from({ length: N }, (_, n) => (n === 0 ? V - 1 : n === 1 ? 0 : Math.floor(r() * V)));
  for (let n = 0; n < N; n++) if (!Number.isFinite(z[n * V + targets[n]])) z[n * V + targets[n]] = 5; // targets keep a finite logit
  const mask = Float32Array.from({ length: N }, (_, n) => (n % 3 === 2 ? 0 : n % 5 === 4 ? 0.5 : 1));
  const dlogits = uploadBuffer(gpu, 'dlogits', normals(N * V, 5)); // garbage: must be overwritten
  const loss = uploadBuffer(gpu, 'loss', normals(N, 6));
  const rec = new Recorder(gpu, 'ce');
  crossEntropyBackward(rec, { dlogits, loss }, uploadBuffer(gpu, 'logits', z), uploadBuffer(gpu, 'targets', targets), uploadBuffer(gpu, 'mask', mask), { N, V, scale });
  rec.submit();
  const rd = new Float64Array(N * V), rl = new Float64Array(N);
  crossEntropyRef(rd, rl, toF64(z), targets, mask, N, V, scale);
  const gl = await readF32(gpu, loss, N);
  const gd = await readF32(gpu, dlogits, N * V);
  expectClose(gl, rl, TOL.elementwise, 'loss');
  // p_j ~ 1/V is tiny for most j: an atol relative to the largest gradient, rtol per element.
  expectClose(gd, rd, { atol: 1e-6 * maxAbs(rd), rtol: TOL.elementwise.rtol }, 'dlogits');
  return { gd, gl, mask };
}

describe('cross_entropy_backward vs reference', () => {
  for (const c of cases) it(c.name, () => run(c, 1 / 7).then(() => undefined));

  it('masked rows are exactly 0 (loss and gradient); gradient rows sum to 0 elsewhere', async () => {
    const c = cases[2];
    const { gd, gl, mask } = await run(c, 1);
    for (let n = 0; n < c.N; n++) {
      const row = gd.subarray(n * c.V, (n + 1) * c.V);
      if (mask[n] === 0) {
        expect(gl[n]).toBe(0);
        expect(row.every((x) => x === 0)).toBe(true);
      } else {
        expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-5);
      }
    }
  });

  it('a target id ≥ V is clamped to V − 1 (no out-of-bounds read)', async () => {
    const gpu = await testGpu();
    const V = 8;
    const z = normals(V, 9);
    const dlogits = createBuffer(gpu, 'd', V * 4), loss = createBuffer(gpu, 'l', 4);
    const rec = new Recorder(gpu, 'ce bad');
    crossEntropyBackward(rec, { dlogits, loss }, uploadBuffer(gpu, 'z', z), uploadBuffer(gpu, 't', new Uint32Array([1000])), uploadBuffer(gpu, 'm', new Float32Array([1])), { N: 1, V, scale: 1 });
    rec.submit();
    const rd = new Float64Array(V), rl = new Float64Array(1);
    crossEntropyRef(rd, rl, toF64(z), [V - 1], [1], 1, V, 1);
    expectClose(await readF32(gpu, loss, 1), rl, TOL.elementwise, 'loss');
  });

  it('checks arguments before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (k: number) => createBuffer(gpu, 'b', k * 4);
    expect(() => crossEntropyBackward(rec, { dlogits: b(20), loss: b(2) }, b(20), b(2), b(1), { N: 2, V: 10, scale: 1 })).toThrow(/cross_entropy_backward\.wgsl: buffer 'mask'/);
    expect(() => crossEntropyBackward(rec, { dlogits: b(20), loss: b(2) }, b(20), b(2), b(2), { N: 2, V: 10, scale: NaN })).toThrow(/scale must be finite/);
    expect(rec.dispatches).toBe(0);
  });
});
