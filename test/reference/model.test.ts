// The Float64 reference model: whole-model backward vs central finite differences (both RoPE
// conventions, tied and untied, GQA, a masked batch), the KV-cache path vs the training forward,
// 'interleaved' vs 'half' RoPE with permuted wq/wk giving the same logits, and sampling.
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.ts';
import { buildLayout, tensorView, type ParamLayout } from '../../src/model/layout.ts';
import { convertRopeConvention } from '../../src/model/ropePermute.ts';
import { createKVCache, generateRef, lossAndGradsRef, modelForwardRef, prefillRef } from '../../src/reference/model.ts';
import { trainBatch, type TrainBatch } from '../../src/data/batching.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { normals, rng } from '../helpers/random.ts';

const tiny: ModelConfig = { dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 2, nKvHeads: 1, vocabSize: 11, seqLen: 16, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' };

/** Random weights at a scale where every path matters: matrices ~N(0, 0.4²), embeddings ~N(0, 1), gains 1 ± 0.2. */
function randomParams(layout: ParamLayout, seed: number): Float64Array {
  const p = new Float64Array(layout.size);
  for (const t of layout.tensors) {
    const z = normals(t.size, seed + t.offset);
    for (let i = 0; i < t.size; i++) p[t.offset + i] = t.kind === 'norm' ? 1 + 0.2 * z[i] : t.kind === 'embedding' ? z[i] : 0.4 * z[i];
  }
  return p;
}

function randomBatch(B: number, T: number, V: number, seed: number): TrainBatch {
  const r = rng(seed);
  const id = () => Math.floor(r() * V);
  const tokens = Array.from({ length: B * T }, id);
  const targets = Array.from({ length: B * T }, id);
  const mask = Array.from({ length: B * T }, (_, i) => (i % 4 === 1 ? 0 : 1)); // some positions ignored
  return trainBatch({ batchSize: B, seqLen: T, inputIds: tokens, targets, ceMask: mask });
}

describe('reference model backward vs central finite differences', () => {
  for (const rope of ['interleaved', 'half'] as const) {
    for (const tied of [true, false]) {
      it(`rope ${rope}, ${tied ? 'tied' : 'untied'} (B 2, T 5, GQA 2:1)`, () => {
        const config = { ...tiny, rope, tied };
        const layout = buildLayout(config);
        const params = randomParams(layout, tied ? 10 : 20);
        const batch = randomBatch(2, 5, config.vocabSize, rope === 'half' ? 3 : 4);
        const grads = new Float64Array(layout.size);
        const loss = lossAndGradsRef(grads, params, layout, batch);
        expect(loss).toBeGreaterThan(0);
        // Two parameters from every tensor, plus random ones: ~60 in all.
        const r = rng(99);
        const picks: number[] = [];
        for (const t of layout.tensors) for (let j = 0; j < 2; j++) picks.push(t.offset + Math.floor(r() * t.size));
        while (picks.length < 60) {
          const t = layout.tensors[Math.floor(r() * layout.tensors.length)];
          picks.push(t.offset + Math.floor(r() * t.size));
        }
        const h = 1e-5;
        const numeric = picks.map((i) => {
          const keep = params[i];
          params[i] = keep + h;
          const up = lossAndGradsRef(null, params, layout, batch);
          params[i] = keep - h;
          const down = lossAndGradsRef(null, params, layout, batch);
          params[i] = keep;
          return (up - down) / (2 * h);
        });
        const analytic = picks.map((i) => grads[i]);
        expectClose(analytic, numeric, TOL.finiteDiff, `grads (${picks.length} params)`);
        // Not a vacuous comparison: most picked gradients are far from zero.
        expect(numeric.filter((g) => Math.abs(g) > 1e-3).length).toBeGreaterThan(picks.length / 2);
        // Alignment gaps get no gradient.
        let inTensors = 0;
        for (const t of layout.tensors) for (let i = 0; i < t.size; i++) inTensors += grads[t.offset + i] !== 0 ? 1 : 0;
        expect(grads.reduce((a, g) => a + (g !== 0 ? 1 : 0), 0)).toBe(inTensors);
      });
    }
  }

  it('masked-out targets do not change the loss or the gradient', () => {
    const layout = buildLayout(tiny);
    const params = randomParams(layout, 5);
    const batch = randomBatch(2, 5, tiny.vocabSize, 7);
    const g1 = new Float64Array(layout.size);
    const g2 = new Float64Array(layout.size);
    const l1 = lossAndGradsRef(g1, params, layout, batch);
    const targets = Int32Array.from(batch.targets, (t, i) => (batch.ceMask[i] ? t : (t + 1) % tiny.vocabSize));
    const l2 = lossAndGradsRef(g2, params, layout, { ...batch, targets });
    expect(l2).toBe(l1);
    expect(Array.from(g2)).toEqual(Array.from(g1));
  });
});

describe('reference model forward', () => {
  it('the KV-cache path (prefill, then one token at a time) gives the training forward logits', () => {
    const config = { ...tiny, nLayers: 3, dim: 16, nHeads: 4, nKvHeads: 2 };
    const layout = buildLayout(config);
    const params = randomParams(layout, 1);
    const tokens = [1, 4, 7, 2, 9, 10, 0, 3];
    const V = config.vocabSize;
    const full = modelForwardRef(params, layout, tokens, 1, tokens.length).logits;
    const cache = createKVCache(layout, 1, 12);
    const steps = [prefillRef(params, layout, cache, tokens.slice(0, 3))];
    for (let t = 3; t < tokens.length; t++) steps.push(prefillRef(params, layout, cache, [tokens[t]]));
    const joined = new Float64Array(tokens.length * V);
    let at = 0;
    for (const s of steps) {
      joined.set(s, at);
      at += s.length;
    }
    expectClose(joined, full, { atol: 1e-12, rtol: 1e-12 }, 'logits');
    // A batch of two sequences gives each sequence's own logits.
    const two = modelForwardRef(params, layout, [...tokens, ...tokens.slice().reverse()], 2, tokens.length).logits;
    expectClose(two.subarray(0, tokens.length * V), full, { atol: 1e-12, rtol: 1e-12 }, 'batch row 0');
  });

  it("'half' RoPE with HF-permuted wq/wk is the same model as 'interleaved'", () => {
    const L1 = buildLayout({ ...tiny, tied: false });
    const p1 = randomParams(L1, 8);
    const half = convertRopeConvention(L1, p1, 'half');
    expect(half.config.rope).toBe('half');
    const L2 = buildLayout(half.config);
    const p2 = half.params;
    // Only wq and wk moved, and converting back restores them.
    for (const t of L1.tensors) {
      const same = Array.from(tensorView(p2, L2, t.name)).join() === Array.from(tensorView(p1, L1, t.name)).join();
      expect(same, t.name).toBe(!/attention\.w[qk]$/.test(t.name));
    }
    expect(Array.from(convertRopeConvention(L2, p2, 'interleaved').params)).toEqual(Array.from(p1));
    const tokens = [3, 1, 4, 1, 5, 9, 2, 6];
    const a = modelForwardRef(p1, L1, tokens, 1, 8).logits;
    const b = modelForwardRef(p2, L2, tokens, 1, 8).logits;
    expectClose(b, a, { atol: 1e-12, rtol: 1e-10 }, 'logits');
    // …and without the permutation it is a different model.
    const c = modelForwardRef(p1, L2, tokens, 1, 8).logits;
    expect(maxAbs(c.map((x, i) => x - a[i]))).toBeGreaterThan(1e-3);
  });

  it("run.c's f32 RoPE angles are within f32 rounding of the double ones", () => {
    const layout = buildLayout(tiny);
    const params = randomParams(layout, 2);
    const tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const a = modelForwardRef(params, layout, tokens, 1, 10).logits;
    const b = modelForwardRef(params, layout, tokens, 1, 10, { ropeF32: true }).logits;
    expectClose(b, a, TOL.elementwise, 'logits');
    expect(maxAbs(b.map((x, i) => x - a[i]))).toBeGreaterThan(0);
  });
});

describe('reference generation', () => {
  const layout = buildLayout(tiny);
  const params = randomParams(layout, 3);

  it('greedy continues the prompt at the next positions (equals argmax of the full forward)', () => {
    const prompt = [1, 5, 2];
    const out = generateRef(params, layout, prompt, { maxNewTokens: 6, temperature: 0 });
    expect(out.length).toBe(6);
    const seq = [...prompt, ...out];
    const V = tiny.vocabSize;
    const logits = modelForwardRef(params, layout, seq, 1, seq.length).logits;
    for (let t = prompt.length - 1; t < seq.length - 1; t++) {
      const row = logits.subarray(t * V, (t + 1) * V);
      expect(seq[t + 1], `position ${t + 1}`).toBe(row.indexOf(Math.max(...row)));
    }
  });

  it('sampling is reproducible by seed, varies with it, and stops at a stop token', () => {
    const opts = { maxNewTokens: 12, temperature: 1, topP: 0.9 };
    const a = generateRef(params, layout, [1], { ...opts, seed: 7 });
    expect(generateRef(params, layout, [1], { ...opts, seed: 7 })).toEqual(a);
    const others = [1, 2, 3, 4].map((seed) => generateRef(params, layout, [1], { ...opts, seed }).join(','));
    expect(others.some((o) => o !== a.join(','))).toBe(true);
    const stop = a[3];
    const cut = generateRef(params, layout, [1], { ...opts, seed: 7, stopTokens: [stop] });
    expect(cut).toEqual(a.slice(0, a.indexOf(stop) + 1));
    expect(() => generateRef(params, layout, [1], { maxNewTokens: 16 })).toThrow(/exceeds seqLen 16/);
    expect(() => generateRef(params, layout, [11], { maxNewTokens: 1 })).toThrow(/token 11 at row 0 is not in \[0, 11\)/);
  });
});
