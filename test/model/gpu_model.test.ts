// The GPU engine (forward, CE + RAFT, backward) against the Float64 CPU reference model, on tiny
// configs that exercise every shape path (GQA, both RoPE conventions, tied and untied heads, row
// lengths that are and are not multiples of 4), and on the real stories260K weights.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { makeConfig, type ModelConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { recordForward } from '../../src/model/forward.ts';
import { initParams } from '../../src/model/init.ts';
import { readLlama2c } from '../../src/model/llama2c.ts';
import { modelBackwardRef, modelForwardRef } from '../../src/reference/model.ts';
import { scoreHeadObjectiveRef } from '../../src/reference/score_head.ts';
import { TrainStep } from '../../src/train/step.ts';
import { trainBatch, type TrainBatch } from '../../src/data/batching.ts';
import { createActivations } from '../../src/model/activations.ts';
import { attentionShapeClass, setAttentionChoices, trainingAttentionFor } from '../../src/kernels/attention_tuning.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { expectClose, maxAbs } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { rng } from '../helpers/random.ts';

const STORIES = new URL('../../../shared/models/stories260K/stories260K.bin', import.meta.url);

function randomBatch(c: ModelConfig, B: number, T: number, seed: number, withScores: boolean): TrainBatch {
  const r = rng(seed);
  const V = c.vocabSize;
  const inputIds = Array.from({ length: B * T }, () => Math.floor(r() * V));
  const targets = Array.from({ length: B * T }, () => Math.floor(r() * V));
  const ceMask = Array.from({ length: B * T }, (_, i) => (i % T >= 2 && r() < 0.7 ? 1 : 0));
  if (!withScores) return trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask });
  const scorePositions = Array.from({ length: B }, (_, b) => (b === 1 ? -1 : 1 + Math.floor(r() * (T - 1))));
  const labels = Array.from({ length: B }, () => 1 + 4 * r());
  return trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask, scorePositions, labels });
}

/** Reference gradients of CE + λ·RAFT for one micro-batch (what TrainStep computes): the score
 *  head's CPU twin, back through the reference model. */
function referenceGrads(params: Float32Array, model: DeviceModel, mb: TrainBatch, ids: number[], lambda: number) {
  const layout = model.layout;
  const V = model.config.vocabSize;
  const acts = modelForwardRef(params, layout, mb.inputIds, mb.batchSize, mb.seqLen, { ropeF32: true });
  const obj = scoreHeadObjectiveRef([mb], [acts.logits], V, { ids, values: ids.map((_, k) => k + 1), lambda, reduction: 'mean', renormalize: false });
  const grads = new Float64Array(layout.size);
  modelBackwardRef(grads, obj.dlogits![0], acts, params, layout, { ropeF32: true });
  return { logits: acts.logits, grads, ce: obj.ce };
}

const tiny: [string, ModelConfig][] = [
  ['dim 16, GQA 4/2, interleaved, tied, vocab 13', makeConfig({ dim: 16, hiddenDim: 24, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 13, seqLen: 16 })],
  ['dim 12, 2 heads, half RoPE, untied, vocab 20', makeConfig({ dim: 12, hiddenDim: 20, nLayers: 2, nHeads: 2, nKvHeads: 1, vocabSize: 20, seqLen: 16, tied: false, rope: 'half' })],
  ['dim 10 (not a multiple of 4), hidden 14, vocab 9', makeConfig({ dim: 10, hiddenDim: 14, nLayers: 1, nHeads: 1, nKvHeads: 1, vocabSize: 9, seqLen: 8 })],
];

describe('GPU model vs the CPU reference model', () => {
  for (const [label, config] of tiny) {
    for (const headRows of [false, true]) {
      it(`forward logits and CE + RAFT gradients: ${label}${headRows ? ', logits only at the target rows' : ''}`, async () => {
        const gpu = await testGpu();
        const model = new DeviceModel(gpu, config, { training: true });
        const params = initParams(model.layout, 7, { std: 0.3 });
        model.upload(params);
        const B = 3, T = Math.min(7, config.seqLen);
        const ids = [1, 2, 3, 4, 5];
        const step = new TrainStep(model, B, T, { scoreTokens: { ids, values: [1, 2, 3, 4, 5] }, lambda: 0.8, headRows });
        const mb = randomBatch(config, B, T, 3, true);
        step.accumulateGradients([mb]);
        const ref = referenceGrads(params, model, mb, ids, 0.8);
        const V = config.vocabSize;
        // With head rows, acts.logits holds only the rows with a CE target or a score, in order.
        const rows = Array.from({ length: B * T }, (_, r) => r).filter((r) => !headRows || mb.ceMask[r] !== 0 || mb.scorePositions[Math.floor(r / T)] === r % T);
        expect(rows.length).toBeLessThan(headRows ? B * T : B * T + 1);
        const logits = await readF32(gpu, step.acts.logits, rows.length * V);
        const want = new Float64Array(rows.length * V);
        rows.forEach((r, i) => want.set(ref.logits.subarray(r * V, (r + 1) * V), i * V));
        expectClose(logits, want, { atol: 1e-4, rtol: 1e-3 }, 'logits');
        const grads = await model.downloadGrads();
        const scale = maxAbs(ref.grads);
        expectClose(grads, ref.grads, { atol: 1e-4 * scale, rtol: 1e-3 }, 'gradients');
        step.destroy();
        model.destroy();
      });
    }
  }

  // The fused (FlashAttention-style) training attention, as the tuner installs it where it wins:
  // forward with lse, backward recomputing the probabilities, against the same Float64 gradients.
  const fusedTiny: [string, ModelConfig][] = [
    ['dim 16, GQA 4/2 (hs 4)', tiny[0][1]],
    ['dim 32, 4 heads (hs 8), half RoPE, untied', makeConfig({ dim: 32, hiddenDim: 40, nLayers: 2, nHeads: 4, nKvHeads: 4, vocabSize: 11, seqLen: 16, tied: false, rope: 'half' })],
  ];
  const forceAttention = (gpu: Gpu, c: ModelConfig, B: number, variant: 'split' | 'fused') =>
    setAttentionChoices(gpu, Array.from({ length: c.seqLen }, (_, t) => [attentionShapeClass({ B, T: t + 1, H: c.nHeads, KH: c.nKvHeads, hs: c.dim / c.nHeads }), variant] as [string, 'fused' | 'split']));
  for (const [label, config] of fusedTiny) {
    it(`fused training attention: logits and CE + RAFT gradients match the reference (${label})`, async () => {
      const gpu = await testGpu();
      const model = new DeviceModel(gpu, config, { training: true });
      const params = initParams(model.layout, 11, { std: 0.3 });
      model.upload(params);
      const B = 3, T = 9;
      const ids = [1, 2, 3, 4, 5];
      forceAttention(gpu, config, B, 'fused');
      try {
        expect(trainingAttentionFor(gpu, { B, T, H: config.nHeads, KH: config.nKvHeads, hs: config.dim / config.nHeads })).toBe('fused');
        const step = new TrainStep(model, B, T, { scoreTokens: { ids, values: [1, 2, 3, 4, 5] }, lambda: 0.8, headRows: false });
        const mb = randomBatch(config, B, T, 5, true);
        step.accumulateGradients([mb]);
        expect(step.acts.trainingAttention).toBe('fused');
        const ref = referenceGrads(params, model, mb, ids, 0.8);
        const logits = await readF32(gpu, step.acts.logits, B * T * config.vocabSize);
        expectClose(logits, ref.logits, { atol: 1e-4, rtol: 1e-3 }, 'logits');
        const grads = await model.downloadGrads();
        expectClose(grads, ref.grads, { atol: 1e-4 * maxAbs(ref.grads), rtol: 1e-3 }, 'gradients');
        step.destroy();
      } finally {
        forceAttention(gpu, config, B, 'split');
        model.destroy();
      }
    });
  }

  it('a backward after an inference forward is refused (no training attention kept)', async () => {
    const gpu = await testGpu();
    const config = tiny[0][1];
    const model = new DeviceModel(gpu, config, { training: true });
    model.upload(initParams(model.layout, 2, { std: 0.3 }));
    const B = 2, T = 5;
    const step = new TrainStep(model, B, T, { scoreTokens: { ids: [1, 2, 3, 4, 5], values: [1, 2, 3, 4, 5] }, lambda: 0.5 });
    const rec = new Recorder(gpu, 'inference forward');
    recordForward(rec, model, step.acts, uploadBuffer(gpu, 'tokens', new Uint32Array(B * T)), undefined, undefined, { inference: true });
    rec.submit();
    expect(step.acts.trainingAttention).toBeUndefined();
    const { recordBackward } = await import('../../src/model/backward.ts');
    expect(() => recordBackward(new Recorder(gpu, 'bwd'), model, step.acts, { order: step.acts.xf, offsets: step.acts.xf })).toThrow(/inference forward/);
    step.destroy();
    model.destroy();
  });

  it('two micro-batches accumulate to the gradient of the whole batch (CE mean over both)', async () => {
    const gpu = await testGpu();
    const config = tiny[0][1];
    const model = new DeviceModel(gpu, config, { training: true });
    const params = initParams(model.layout, 9, { std: 0.3 });
    model.upload(params);
    const B = 2, T = 6;
    const a = randomBatch(config, B, T, 11, false);
    const b = randomBatch(config, B, T, 12, false);
    const step = new TrainStep(model, B, T);
    step.accumulateGradients([a, b]);
    const both = await model.downloadGrads();
    // Reference: one batch of 2B rows.
    const whole = trainBatch({
      batchSize: 2 * B,
      seqLen: T,
      inputIds: [...Array.from(a.inputIds), ...Array.from(b.inputIds)],
      targets: [...Array.from(a.targets), ...Array.from(b.targets)],
      ceMask: [...Array.from(a.ceMask), ...Array.from(b.ceMask)],
    });
    const ref = referenceGrads(params, model, whole, [], 0);
    expectClose(both, ref.grads, { atol: 1e-4 * maxAbs(ref.grads), rtol: 1e-3 }, 'accumulated gradients');
    step.destroy();
    model.destroy();
  });

  for (const inference of [false, true]) {
    it(`stories260K: the logits of a prompt match the reference model${inference ? ' (inference forward: fused attention)' : ''}`, async () => {
      const gpu = await testGpu();
      const { config, params } = readLlama2c(readFileSync(STORIES));
      const model = new DeviceModel(gpu, config);
      model.upload(params);
      const tokens = [1, 403, 407, 261, 378, 324, 266, 290, 261, 500, 270, 314, 285, 267, 282, 415];
      const T = tokens.length;
      const acts = createActivations(gpu, config, 1, T);
      const rec = new Recorder(gpu, 'stories forward');
      recordForward(rec, model, acts, uploadBuffer(gpu, 'tokens', new Uint32Array(tokens)), undefined, undefined, { inference });
      rec.submit();
      // The split kernels: three attention dispatches per layer; the fused one: one. Inference adds
      // the residual in the wo and w2 products' epilogue: two axpy dispatches fewer per layer.
      expect(rec.dispatches).toBe(inference ? 88 - 4 * config.nLayers : 88);
      const logits = await readF32(gpu, acts.logits, T * config.vocabSize);
      const ref = modelForwardRef(params, model.layout, tokens, 1, T, { ropeF32: true });
      expectClose(logits, ref.logits, { atol: 1e-3, rtol: 1e-3 }, 'stories260K logits');
      expect(maxAbs(ref.logits)).toBeGreaterThan(1);
      model.destroy();
    });
  }
});
