// Mixed-precision training (StepOptions.precision 'mixed'): f16 operands in every matmul, f32
// master weights and moments, dynamic loss scaling. Against the f32 engine: the gradients of one
// step (unscaled) within f16's rounding; 20 steps of training with the loss curves within
// tolerance; an overflow (forced by a loss scale too high) skips the step — weights and moments
// unchanged — and halves the scale until steps go through; the scale grows after a run of good
// steps; a judge batch with RAFT and head rows trains the same way.
import { describe, expect, it } from 'vitest';
import { trainBatch, type TrainBatch } from '../../src/data/batching.ts';
import { attentionShapeClass, attentionVariantFor, setAttentionChoices } from '../../src/kernels/attention_tuning.ts';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { initParams } from '../../src/model/init.ts';
import { TrainStep, type StepOptions } from '../../src/train/step.ts';
import { expectClose, maxAbs } from '../helpers/compare.ts';
import { judgeTrainBatch } from '../helpers/judge_batch.ts';
import { testGpu } from '../helpers/gpu.ts';
import { rng } from '../helpers/random.ts';

const config = makeConfig({ dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 40, seqLen: 32 });
const adamw = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

/** Next-token batches over a few repeated patterns: learnable in a few steps. */
function batch(B: number, T: number, seed: number): TrainBatch {
  const r = rng(seed);
  const inputIds: number[] = [];
  for (let b = 0; b < B; b++) {
    const start = Math.floor(r() * 8);
    for (let t = 0; t < T; t++) inputIds.push((start + 3 * t) % config.vocabSize);
  }
  const targets = inputIds.map((_, i) => (i % T === T - 1 ? 0 : inputIds[i + 1]));
  return trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask: inputIds.map((_, i) => (i % T === T - 1 ? 0 : 1)) });
}

async function setup(options: StepOptions, seed = 3) {
  const gpu = await testGpu();
  const model = new DeviceModel(gpu, config, { training: true });
  model.upload(initParams(model.layout, seed));
  const step = new TrainStep(model, 4, 24, { adamw, ...options });
  return { gpu, model, step, done: () => (step.destroy(), model.destroy()) };
}

describe('mixed precision (f16 matmuls, f32 master weights, dynamic loss scaling)', () => {
  it.each(['split', 'fused'] as const)('one step’s gradients, unscaled, match the f32 engine’s within f16 rounding (%s attention)', async (attention) => {
    const gpu = await testGpu();
    // The fused attention reads f16 q, k and v in mixed precision; the split kernels stay f32.
    setAttentionChoices(gpu, [[attentionShapeClass({ B: 4, T: 24, H: config.nHeads, KH: config.nKvHeads, hs: config.dim / config.nHeads }), attention]]);
    const f = await setup({});
    const h = await setup({ precision: 'mixed', mixedOptions: { initialScale: 1024 } });
    const mb = batch(4, 24, 1);
    f.step.accumulateGradients([mb]);
    h.step.accumulateGradients([mb]);
    expect(h.step.acts.trainingAttention).toBe(attention);
    const g32 = await f.model.downloadGrads();
    const g16 = (await h.model.downloadGrads()).map((x) => x / 1024);
    // f16 keeps 11 significant bits: relative error ~5e-4 per operand, summed over the chain.
    const scale = maxAbs(g32);
    expect(scale).toBeGreaterThan(1e-3);
    expectClose(g16, g32, { atol: 2e-3 * scale, rtol: 2e-2 }, 'gradients');
    // …and they are not the f32 ones bit for bit: the f16 path really ran.
    expect(g16.some((x, i) => x !== g32[i])).toBe(true);
    f.done();
    h.done();
    setAttentionChoices(gpu, [[attentionShapeClass({ B: 4, T: 24, H: config.nHeads, KH: config.nKvHeads, hs: config.dim / config.nHeads }), attentionVariantFor(gpu)]]);
  });

  it('20 steps of training: the loss curve follows f32 within tolerance', async () => {
    const f = await setup({});
    const h = await setup({ precision: 'mixed' });
    const curves: number[][] = [[], []];
    const norms: number[][] = [[], []];
    for (let s = 1; s <= 20; s++) {
      const mb = batch(4, 24, 100 + s);
      for (const [i, r] of [f, h].entries()) {
        const stats = (await r.step.step([mb], 5e-3, s))!;
        curves[i].push(stats.ce);
        norms[i].push(stats.gradNorm);
        if (i === 1) {
          expect(stats.skipped, `step ${s}`).toBe(false);
          expect(stats.lossScale).toBe(2 ** 16);
        }
      }
    }
    const [c32, c16] = curves;
    expect(c32[19]).toBeLessThan(c32[0] - 1); // it learns
    for (let s = 0; s < 20; s++) {
      expect(Math.abs(c16[s] - c32[s]), `step ${s + 1}: f32 ${c32[s]}, mixed ${c16[s]}`).toBeLessThan(0.02 + 0.01 * c32[s]);
      // The reported norm is the true one: the loss scale (2^16) was divided out.
      expect(Math.abs(norms[1][s] / norms[0][s] - 1), `step ${s + 1}: gradient norm f32 ${norms[0][s]}, mixed ${norms[1][s]}`).toBeLessThan(0.03);
    }
    f.done();
    h.done();
  });

  it('an overflow skips the step (weights and moments unchanged) and halves the scale until steps go through', async () => {
    // 2^24 times the loss gradient (~1e-3 per logit) is far beyond f16's 65504.
    const h = await setup({ precision: 'mixed', mixedOptions: { initialScale: 2 ** 24 } });
    const before = await h.model.downloadParams();
    const first = (await h.step.step([batch(4, 24, 7)], 5e-3, 1))!;
    expect(first.skipped).toBe(true);
    expect(first.lossScale).toBe(2 ** 23);
    expect(Number.isNaN(first.gradNorm)).toBe(true);
    expect(Number.isFinite(first.ce)).toBe(true);
    expect(await h.model.downloadParams()).toEqual(before);
    const mom = await h.model.downloadOptimizer();
    expect(maxAbs(mom.m)).toBe(0);
    expect(maxAbs(mom.v)).toBe(0);
    let s = 1;
    let stats = first;
    while (stats.skipped && s < 24) stats = (await h.step.step([batch(4, 24, 7)], 5e-3, ++s))!;
    expect(stats.skipped, 'a step went through before the scale reached 1').toBe(false);
    expect(s).toBeGreaterThan(2); // several halvings were needed
    expect(stats.lossScale).toBe(2 ** (24 - (s - 1)));
    expect(Number.isFinite(stats.gradNorm) && stats.gradNorm > 0).toBe(true);
    expect(await h.model.downloadParams()).not.toEqual(before);
    h.done();
  });

  it('the scale doubles after growthInterval good steps in a row', async () => {
    const h = await setup({ precision: 'mixed', mixedOptions: { initialScale: 256, growthInterval: 3 } });
    const scales: number[] = [];
    for (let s = 1; s <= 7; s++) scales.push((await h.step.step([batch(4, 24, s)], 1e-3, s))!.lossScale!);
    expect(scales).toEqual([256, 256, 512, 512, 512, 1024, 1024]);
    h.done();
  });

  it('a judge batch (CoT CE + RAFT at the score position, logits on head rows only) gives the f32 gradients, unscaled', async () => {
    const scoreTokens = { ids: [1, 2, 3, 4, 5], values: [1, 2, 3, 4, 5] };
    const B = 3, T = 32;
    const mb = judgeTrainBatch({ T, vocabSize: config.vocabSize, seed: 11, ceFrom: 12 });
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    model.upload(initParams(model.layout, 5, { std: 0.2 }));
    const run = async (precision: 'f32' | 'mixed') => {
      const step = new TrainStep(model, B, T, { scoreTokens, lambda: 1, precision, mixedOptions: { initialScale: 4096 } });
      const stats = await step.evaluate([mb]);
      const grads = await model.downloadGrads();
      step.destroy();
      return { stats, grads: precision === 'mixed' ? grads.map((x) => x / 4096) : grads };
    };
    const f = await run('f32');
    const h = await run('mixed');
    expect(h.stats.raft!).toBeGreaterThan(0);
    expect(Math.abs(h.stats.raft! - f.stats.raft!)).toBeLessThan(0.01 * f.stats.raft!);
    expect(Math.abs(h.stats.ce - f.stats.ce)).toBeLessThan(0.01 * f.stats.ce);
    expectClose(h.grads, f.grads, { atol: 2e-3 * maxAbs(f.grads), rtol: 2e-2 }, 'gradients');
    model.destroy();
  });

  it('refuses an initial loss scale outside [1, 2^24], naming it', async () => {
    await expect(setup({ precision: 'mixed', mixedOptions: { initialScale: 0.5 } })).rejects.toThrow(/initial loss scale must be in \[1, 16777216\], got 0.5/);
    await expect(setup({ precision: 'half' as 'mixed' })).rejects.toThrow(/precision must be one of f32, mixed, got 'half'/);
  });
});
