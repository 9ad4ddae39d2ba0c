// The gradient norm / clip factor and the AdamW update on the GPU vs the Float64 references: ranges
// with offsets (both element widths), a gradient large enough to fill every partial, clipping on and
// off, several steps with two ranges (decayed and not), zeroing the gradient; argument checks.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { adamwUpdate, GRAD_NORM_PARTIALS, gradNorm, lossScaleUpdate, type AdamwStep } from '../../src/kernels/adamw.ts';
import { adamwRef, gradNormRef, lossScaleUpdateRef } from '../../src/reference/adamw.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

describe('gradNorm vs reference', () => {
  const cases = [
    { total: 1, offset: 0, count: 1, maxNorm: 0 },
    { total: 50, offset: 3, count: 37, maxNorm: 1 },
    { total: 70000, offset: 64, count: 65536, maxNorm: 1000 }, // norm below maxNorm: clip = 1
    { total: 4_500_001, offset: 0, count: 4_500_000, maxNorm: 0.5 }, // > 1024 Elems per partial
  ];
  for (const c of cases) {
    it(`count=${c.count} offset=${c.offset} maxNorm=${c.maxNorm}`, async () => {
      const gpu = await testGpu();
      const g = normals(c.total, c.count, 0.01);
      g.fill(1e3, 0, c.offset); // outside the range: must not count
      const normClip = createBuffer(gpu, 'normClip', 8);
      const rec = new Recorder(gpu, 'gradnorm');
      gradNorm(rec, { normClip, partials: createBuffer(gpu, 'partials', GRAD_NORM_PARTIALS * 4) }, uploadBuffer(gpu, 'g', g), c, c.maxNorm);
      rec.submit();
      const ref = gradNormRef(toF64(g), c.offset, c.count, c.maxNorm);
      const got = await readF32(gpu, normClip, 2);
      expectClose(got, [ref.norm, ref.clip], TOL.elementwise, 'norm, clip');
      if (c.maxNorm === 0 || c.maxNorm === 1000) expect(got[1]).toBe(1);
    });
  }
});

describe('adamwUpdate vs reference', () => {
  for (const [label, offsetA, countA, countB] of [
    ['vec4 ranges', 0, 4096, 1000],
    ['scalar ranges (odd offsets and counts)', 0, 37, 11],
    ['one element each', 0, 1, 1],
  ] as const) {
    it(`${label}: 3 steps, clipped, decayed + non-decayed ranges, zeroGrad`, async () => {
      const gpu = await testGpu();
      const total = offsetA + countA + countB + 5;
      const ranges = [
        { offset: offsetA, count: countA, weightDecay: 0.1 },
        { offset: offsetA + countA, count: countB, weightDecay: 0 },
      ];
      const p0 = normals(total, 1);
      const rp = toF64(p0), rm = new Float64Array(total), rv = new Float64Array(total);
      const weights = uploadBuffer(gpu, 'w', p0);
      const grads = createBuffer(gpu, 'g', total * 4);
      const m = createBuffer(gpu, 'm', total * 4), v = createBuffer(gpu, 'v', total * 4);
      const normClip = createBuffer(gpu, 'nc', 8), partials = createBuffer(gpu, 'partials', GRAD_NORM_PARTIALS * 4);
      const maxNorm = 0.1;
      for (let step = 1; step <= 3; step++) {
        const g = normals(total, 10 + step, 0.3);
        const hyper: AdamwStep = { lr: 0.01 * step, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, step, zeroGrad: true };
        const rec = new Recorder(gpu, 'adamw');
        rec.copy(uploadBuffer(gpu, 'g.step', g), 0, grads, 0, total * 4);
        gradNorm(rec, { normClip, partials }, grads, { offset: 0, count: total }, maxNorm);
        for (const r of ranges) adamwUpdate(rec, { weights, grads, m, v }, r, { ...hyper, weightDecay: r.weightDecay }, normClip);
        rec.submit();
        const rg = toF64(g);
        const { clip } = gradNormRef(rg, 0, total, maxNorm);
        expect(clip).toBeLessThan(1); // clipping is active
        for (const r of ranges) adamwRef(rp, rg, rm, rv, r.offset, r.count, { ...hyper, weightDecay: r.weightDecay }, clip, true);
        const gg = await readF32(gpu, grads, total);
        // The 5 floats after the ranges keep their gradient; the ranges are zeroed.
        expect(Array.from(gg.subarray(0, total - 5)).every((x) => x === 0)).toBe(true);
        expect(Array.from(gg.subarray(total - 5))).toEqual(Array.from(g.subarray(total - 5)));
      }
      expectClose(await readF32(gpu, weights, total), rp, TOL.elementwise, 'weights');
      expectClose(await readF32(gpu, m, total), rm, TOL.elementwise, 'm');
      expectClose(await readF32(gpu, v, total), rv, TOL.elementwise, 'v');
    });
  }

  it('without a clip buffer the gradient is used as is', async () => {
    const gpu = await testGpu();
    const n = 12;
    const p0 = normals(n, 3), g = normals(n, 4);
    const weights = uploadBuffer(gpu, 'w', p0);
    const rec = new Recorder(gpu, 'adamw');
    const o = { lr: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.5, step: 1 };
    adamwUpdate(rec, { weights, grads: uploadBuffer(gpu, 'g', g), m: createBuffer(gpu, 'm', n * 4), v: createBuffer(gpu, 'v', n * 4) }, { offset: 0, count: n }, o);
    rec.submit();
    const rp = toF64(p0);
    adamwRef(rp, toF64(g), new Float64Array(n), new Float64Array(n), 0, n, o);
    expectClose(await readF32(gpu, weights, n), rp, TOL.elementwise, 'weights');
  });

  it('checks hyperparameters and ranges before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (k: number) => createBuffer(gpu, 'b', k * 4);
    const st = { weights: b(10), grads: b(10), m: b(10), v: b(10) };
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 1 };
    expect(() => adamwUpdate(rec, st, { offset: 4, count: 7 }, o)).toThrow(/adamw_update\.wgsl: buffer 'weights' holds 40 bytes, needs 44/);
    expect(() => adamwUpdate(rec, st, { offset: 0, count: 10 }, { ...o, step: 0 })).toThrow(/step must be an integer ≥ 1/);
    expect(() => adamwUpdate(rec, st, { offset: 0, count: 10 }, { ...o, beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => gradNorm(rec, { normClip: b(2), partials: b(10) }, b(10), { offset: 0, count: 10 }, 1)).toThrow(/buffer 'partials'/);
    expect(rec.dispatches).toBe(0);
  });
});

describe('lossScaleUpdate (mixed precision) vs reference, and AdamW skipping the step it marks', () => {
  const o = { maxNorm: 1, growthInterval: 3, minScale: 1, maxScale: 2 ** 24, step: 9, beta1: 0.9, beta2: 0.95 };
  const cases: { label: string; norm: number; overflow: boolean; state: number[] }[] = [
    { label: 'a good step, clipped', norm: 2 ** 12 * 5, overflow: false, state: [2 ** 12, 0, 4, 1] },
    { label: 'a good step, unclipped, the third in a row: the scale grows', norm: 2 ** 10 * 0.25, overflow: false, state: [2 ** 10, 2, 0, 0] },
    { label: 'growth stops at maxScale', norm: 2 ** 24 * 0.5, overflow: false, state: [2 ** 24, 2, 0, 0] },
    { label: 'a cast overflowed: skip, halve', norm: 12.5, overflow: true, state: [2 ** 16, 2, 1, 0] },
    { label: 'an infinite norm: skip, halve', norm: Infinity, overflow: false, state: [2 ** 16, 0, 0, 0] },
    { label: 'a NaN norm at the minimum scale: skip, stay', norm: NaN, overflow: false, state: [1, 0, 7, 1] },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const gpu = await testGpu();
      const normClip = uploadBuffer(gpu, 'normClip', new Float32Array([c.norm, 0.5, 7, 7]));
      const state = uploadBuffer(gpu, 'state', new Float32Array(c.state));
      const overflow = uploadBuffer(gpu, 'overflow', new Uint32Array([c.overflow ? 1 : 0]));
      const rec = new Recorder(gpu, 'loss scale');
      lossScaleUpdate(rec, normClip, state, overflow, o);
      rec.submit();
      const ref = lossScaleUpdateRef(c.norm, c.overflow, c.state, o);
      const nc = await readF32(gpu, normClip, 4);
      expect([...(await readF32(gpu, state, 4))]).toEqual(ref.state);
      expect(Math.abs(nc[1] - ref.clip), `clip ${nc[1]} vs ${ref.clip}`).toBeLessThanOrEqual(1e-6 * Math.abs(ref.clip));
      if (ref.clip >= 0) expect(Math.abs(nc[0] - ref.norm), `norm ${nc[0]} vs ${ref.norm}`).toBeLessThanOrEqual(1e-6 * ref.norm);
      // The bias corrections for step − skipped on a good step; a skipped step leaves them.
      if (ref.bias) expectClose(nc.subarray(2, 4), ref.bias, TOL.elementwise, 'bias corrections');
      else expect([nc[2], nc[3]]).toEqual([7, 7]);
    });
  }

  it('AdamW changes nothing (weights, moments, gradients) when the clip factor is negative', async () => {
    const gpu = await testGpu();
    const n = 37;
    const w0 = normals(n, 1), g0 = normals(n, 2), m0 = normals(n, 3, 0.1), v0 = normals(n, 4, 0.1).map(Math.abs);
    const bufs = { weights: uploadBuffer(gpu, 'w', w0), grads: uploadBuffer(gpu, 'g', g0), m: uploadBuffer(gpu, 'm', m0), v: uploadBuffer(gpu, 'v', v0) };
    const rec = new Recorder(gpu, 'adamw skip');
    adamwUpdate(rec, bufs, { offset: 0, count: n }, { lr: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 3, zeroGrad: true }, uploadBuffer(gpu, 'nc', new Float32Array([Infinity, -1])));
    rec.submit();
    for (const [k, want] of [['weights', w0], ['grads', g0], ['m', m0], ['v', v0]] as const) expect(await readF32(gpu, bufs[k], n), k).toEqual(want);
  });

  it('AdamW after skipped steps takes the step the optimizer is at: step 3 after 2 skips is its first', async () => {
    const gpu = await testGpu();
    const n = 37;
    const w0 = normals(n, 1), g0 = normals(n, 2);
    const zeros = new Float32Array(n);
    const S = 2 ** 10;
    // The gradient buffer holds S·g, as after a mixed-precision backward.
    const bufs = { weights: uploadBuffer(gpu, 'w', w0), grads: uploadBuffer(gpu, 'g', g0.map((x) => x * S)), m: uploadBuffer(gpu, 'm', zeros), v: uploadBuffer(gpu, 'v', zeros) };
    // gradNorm's output on gradients scaled by S: [S·‖g‖, clip of the scaled norm] (unused).
    const norm = Math.hypot(...g0);
    const normClip = uploadBuffer(gpu, 'nc', new Float32Array([S * norm, 1, 0, 0]));
    const state = uploadBuffer(gpu, 'state', new Float32Array([S, 0, 2, 1])); // two steps skipped so far
    const hyper = { lr: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 3 };
    const rec = new Recorder(gpu, 'adamw after skips');
    lossScaleUpdate(rec, normClip, state, uploadBuffer(gpu, 'overflow', new Uint32Array([0])), { ...o, maxNorm: 0, step: 3 });
    adamwUpdate(rec, bufs, { offset: 0, count: n }, { ...hyper, biasFromNormClip: true }, normClip);
    rec.submit();
    const want = { p: toF64(w0), g: toF64(g0), m: new Float64Array(n), v: new Float64Array(n) };
    adamwRef(want.p, want.g, want.m, want.v, 0, n, { ...hyper, step: 1 });
    expectClose(await readF32(gpu, bufs.weights, n), want.p, TOL.elementwise, 'weights as at step 1');
    expectClose(await readF32(gpu, bufs.m, n), want.m, TOL.elementwise, 'm');
    // The host's step alone (t = 3) would have made another update: the test tells them apart.
    const host = { p: toF64(w0), g: toF64(g0), m: new Float64Array(n), v: new Float64Array(n) };
    adamwRef(host.p, host.g, host.m, host.v, 0, n, hyper);
    expect(Math.max(...host.p.map((x, i) => Math.abs(x - want.p[i])))).toBeGreaterThan(1e-3);
  });

  it('refuses bad settings by name', async () => {
    const gpu = await testGpu();
    const b = createBuffer(gpu, 'b', 16);
    const rec = new Recorder(gpu, 'loss scale');
    expect(() => lossScaleUpdate(rec, b, b, b, { ...o, growthInterval: 0 })).toThrow(/loss_scale_update.wgsl.*growthInterval must be an integer ≥ 1, got 0/);
    expect(() => lossScaleUpdate(rec, b, b, b, { ...o, minScale: 0 })).toThrow(/0 < minScale ≤ maxScale/);
    expect(() => lossScaleUpdate(rec, b, createBuffer(gpu, 's', 8), b, o)).toThrow(/'state' holds 8 bytes, needs 16/);
    expect(() => lossScaleUpdate(rec, createBuffer(gpu, 'nc', 8), b, b, o)).toThrow(/'normClip' holds 8 bytes, needs 16/);
    expect(() => lossScaleUpdate(rec, b, b, b, { ...o, step: 0 })).toThrow(/step must be an integer in 1\.\.2\^24−1/);
    expect(() => lossScaleUpdate(rec, b, b, b, { ...o, beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => adamwUpdate(rec, { weights: b, grads: b, m: b, v: b }, { offset: 0, count: 1 }, { lr: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, step: 1, biasFromNormClip: true })).toThrow(/biasFromNormClip needs the normClip buffer/);
  });
});
