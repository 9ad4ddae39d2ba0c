// Training on the GPU: three AdamW steps match three steps of the CPU reference (parameters within
// tolerance); the engine overfits a tiny batch; a checkpoint saved and loaded gives identical logits
// and resuming continues the same loss curve; a NaN loss stops training with the step number.
import { describe, expect, it } from 'vitest';
import { readF32, Recorder, uploadBuffer, writeBuffer } from '../../src/gpu/index.ts';
import { createActivations } from '../../src/model/activations.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { recordForward } from '../../src/model/forward.ts';
import { initParams } from '../../src/model/init.ts';
import { adamwRef, gradNormRef } from '../../src/reference/adamw.ts';
import { lossAndGradsRef } from '../../src/reference/model.ts';
import { NonFiniteLossError, TrainStep } from '../../src/train/step.ts';
import { trainBatch, type TrainBatch } from '../../src/data/batching.ts';
import { expectClose, maxAbs } from '../helpers/compare.ts';
import { judgeTrainBatch } from '../helpers/judge_batch.ts';
import { testGpu } from '../helpers/gpu.ts';
import { rng } from '../helpers/random.ts';

const config = makeConfig({ dim: 16, hiddenDim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 24, seqLen: 16 });

function batch(B: number, T: number, seed: number): TrainBatch {
  const r = rng(seed);
  const inputIds = Array.from({ length: B * T }, () => Math.floor(r() * config.vocabSize));
  // Next-token targets of a fixed sequence: learnable.
  const targets = inputIds.map((_, i) => (i % T === T - 1 ? 0 : inputIds[i + 1]));
  return trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask: inputIds.map((_, i) => (i % T === T - 1 ? 0 : 1)) });
}

const adamw = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradClip: 0.5 };

describe('training steps on the GPU', () => {
  it('three steps match three CPU reference steps (AdamW, decay ranges, clipping)', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    const p0 = initParams(model.layout, 1, { std: 0.2 });
    model.upload(p0);
    const B = 2, T = 8;
    const step = new TrainStep(model, B, T, { adamw });
    const p = Float64Array.from(p0);
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    const L = model.layout;
    const lrs = [3e-3, 2e-3, 1e-3];
    for (let s = 0; s < 3; s++) {
      const mb = batch(B, T, 10 + s);
      const stats = await step.step([mb], lrs[s], s + 1);
      const g = new Float64Array(p.length);
      const loss = lossAndGradsRef(g, p, L, mb, { ropeF32: true });
      expect(stats!.ce).toBeCloseTo(loss, 4);
      const { norm, clip } = gradNormRef(g, 0, p.length, adamw.gradClip);
      expect(stats!.gradNorm).toBeCloseTo(norm, 4);
      const o = { lr: lrs[s], beta1: adamw.beta1, beta2: adamw.beta2, eps: adamw.eps, step: s + 1 };
      adamwRef(p, g, m, v, L.decayRange.offset, L.decayRange.size, { ...o, weightDecay: adamw.weightDecay }, clip);
      adamwRef(p, g, m, v, L.noDecayRange.offset, L.noDecayRange.size, { ...o, weightDecay: 0 }, clip);
    }
    expectClose(await model.downloadParams(), p, { atol: 2e-5, rtol: 1e-3 }, 'parameters after 3 steps');
    step.destroy();
    model.destroy();
  });

  it('overfits a tiny batch: loss below 0.05 within 150 steps', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    model.upload(initParams(model.layout, 2));
    const step = new TrainStep(model, 2, 12, { adamw: { ...adamw, weightDecay: 0, gradClip: 1 } });
    const mb = batch(2, 12, 5);
    let last = Infinity;
    let first = 0;
    for (let s = 1; s <= 150; s++) {
      const stats = await step.step([mb], 1e-2, s, s === 1 || s % 10 === 0);
      if (stats) {
        if (s === 1) first = stats.ce;
        last = stats.ce;
        if (last < 0.05) break;
      }
    }
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(0.05);
    step.destroy();
    model.destroy();
  });

  it('a saved and loaded checkpoint gives identical logits, and resuming continues the same loss curve', async () => {
    const gpu = await testGpu();
    const B = 2, T = 8;
    const batches = Array.from({ length: 6 }, (_, i) => batch(B, T, 40 + i));
    const run = async (model: DeviceModel, from: number, to: number) => {
      const step = new TrainStep(model, B, T, { adamw });
      const losses: number[] = [];
      for (let s = from; s < to; s++) losses.push((await step.step([batches[s]], 2e-3, s + 1))!.ce);
      step.destroy();
      return losses;
    };
    // Uninterrupted: 6 steps.
    const a = new DeviceModel(gpu, config, { training: true });
    const init = initParams(a.layout, 3);
    a.upload(init);
    const straight = await run(a, 0, 6);
    // Interrupted after 3: save (with optimizer state), load into a new model, continue.
    const b = new DeviceModel(gpu, config, { training: true });
    b.upload(init);
    const firstHalf = await run(b, 0, 3);
    const bytes = saveCheckpoint({ config, params: await b.downloadParams(), optimizer: await b.downloadOptimizer(), training: { step: 3 } });
    const loaded = loadCheckpoint(bytes);
    expect(loaded.training).toEqual({ step: 3 });
    const c = new DeviceModel(gpu, loaded.config, { training: true });
    c.upload(loaded.params);
    c.uploadOptimizer(loaded.optimizer!.m, loaded.optimizer!.v);
    // Identical logits from the saved model and the loaded one.
    const logitsOf = async (model: DeviceModel) => {
      const acts = createActivations(gpu, config, 1, T);
      const rec = new Recorder(gpu, 'logits');
      recordForward(rec, model, acts, uploadBuffer(gpu, 'tok', Uint32Array.from(batches[0].inputIds).subarray(0, T)));
      rec.submit();
      return readF32(gpu, acts.logits);
    };
    expect(Array.from(await logitsOf(c))).toEqual(Array.from(await logitsOf(b)));
    const secondHalf = await run(c, 3, 6);
    expectClose([...firstHalf, ...secondHalf], straight, { atol: 1e-6, rtol: 1e-5 }, 'loss curve');
    for (const mdl of [a, b, c]) mdl.destroy();
  });

  it('a NaN loss stops training, naming the step', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    const p = initParams(model.layout, 4);
    p[model.layout.byName.get('norm')!.offset] = NaN;
    writeBuffer(gpu, model.params, p);
    const step = new TrainStep(model, 1, 8, { adamw });
    await expect(step.step([batch(1, 8, 1)], 1e-3, 7)).rejects.toThrow(NonFiniteLossError);
    await expect(step.step([batch(1, 8, 1)], 1e-3, 7)).rejects.toThrow(/training stopped at step 7/);
    step.destroy();
    model.destroy();
  });

  it('rejects a micro-batch with token ids outside the vocabulary, naming it', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    const step = new TrainStep(model, 1, 4);
    const bad = trainBatch({ batchSize: 1, seqLen: 4, inputIds: [1, 2, 99, 3], targets: [2, 3, 4, 5], ceMask: [1, 1, 1, 0] });
    await expect(step.step([bad], 1e-3, 1)).rejects.toThrow(/micro-batch 0 input ids: token 2 is 99, outside the vocabulary 0\.\.23/);
    step.destroy();
    model.destroy();
  });
});

describe('RAFT reduction (finetune.raftReduction)', () => {
  const scoreTokens = { ids: [1, 2, 3, 4, 5], values: [1, 2, 3, 4, 5] };
  /** The gradients one TrainStep accumulates for `mb` with `o`, and the step's unweighted RAFT loss. */
  async function gradients(model: DeviceModel, B: number, T: number, mb: TrainBatch, o: ConstructorParameters<typeof TrainStep>[3]) {
    const step = new TrainStep(model, B, T, { scoreTokens, ...o });
    const counts = step.accumulateGradients([mb]);
    const grads = await model.downloadGrads();
    step.destroy();
    return { grads, counts };
  }

  it("'reference' gives exactly 1/n of 'mean''s RAFT gradient, n the scored sequences (B, or fewer in a partial batch)", async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    model.upload(initParams(model.layout, 5, { std: 0.2 }));
    const B = 4, T = 8;
    for (const scorePositions of [[3, 7, 5, 6], [3, -1, 5, 6]]) {
      const n = scorePositions.filter((t) => t >= 0).length;
      const b = batch(B, T, 21);
      // RAFT alone (no CE target): the gradient is the RAFT term's.
      const raftOnly = trainBatch({ ...b, ceMask: Array.from(b.ceMask, () => 0), scorePositions, labels: [1.5, 4, 2.7, 5] });
      const mean = await gradients(model, B, T, raftOnly, { lambda: 1 });
      const reference = await gradients(model, B, T, raftOnly, { lambda: 1, raftReduction: 'reference' });
      expect(mean.counts.raftCount).toBe(n);
      expect(maxAbs(mean.grads)).toBeGreaterThan(1e-4);
      // 1/4 is a power of two: every rounding in the backward pass scales with it exactly.
      if (n === 4) expect(Array.from(reference.grads)).toEqual(Array.from(mean.grads, (g) => g / n));
      expectClose(reference.grads, Float64Array.from(mean.grads, (g) => g / n), { atol: 1e-7 * maxAbs(mean.grads), rtol: 1e-5 }, `RAFT gradient, ${n} scored rows`);

      // With CE: the CE part is unchanged and only the RAFT part is divided by n.
      const full: TrainBatch = { ...raftOnly, ceMask: b.ceMask };
      const ce = await gradients(model, B, T, full, { lambda: 0 });
      const meanFull = await gradients(model, B, T, full, { lambda: 1 });
      const refFull = await gradients(model, B, T, full, { lambda: 1, raftReduction: 'reference' });
      const want = Float64Array.from(meanFull.grads, (g, i) => ce.grads[i] + (g - ce.grads[i]) / n);
      expectClose(refFull.grads, want, { atol: 1e-5 * maxAbs(meanFull.grads), rtol: 1e-3 }, `CE + RAFT gradient, ${n} scored rows`);
    }
    model.destroy();
  });

  it('names a bad raftReduction', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    expect(() => new TrainStep(model, 1, 4, { raftReduction: 'sum' as never })).toThrow(/raftReduction must be 'mean' or 'reference', got "sum"/);
    model.destroy();
  });
});

describe('steps at the length a batch uses (StepOptions.trim)', () => {
  const long = makeConfig({ ...config, seqLen: 64 });
  const scoreTokens = { ids: [1, 2, 3, 4, 5], values: [1, 2, 3, 4, 5] };

  /** Judge-style rows of different lengths in a B × 64 batch: the longest ends at position 25. */
  const judgeBatch = (seed: number) => judgeTrainBatch({ T: 64, vocabSize: long.vocabSize, seed, ceFrom: 3 });

  it('gives the losses and gradients of the full-length step, running 32 positions instead of 64', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, long, { training: true });
    model.upload(initParams(model.layout, 9, { std: 0.2 }));
    const mb = [judgeBatch(31), judgeBatch(32)];
    const run = async (trim: boolean) => {
      const step = new TrainStep(model, 3, 64, { scoreTokens, lambda: 1, trim });
      const stats = await step.evaluate(mb);
      const grads = await model.downloadGrads();
      const length = step.lastLength;
      step.destroy();
      return { stats, grads, length };
    };
    const full = await run(false);
    const cut = await run(true);
    expect(full.length).toBe(64);
    expect(cut.length).toBe(32); // used 26 → the next multiple of 16
    expect(maxAbs(full.grads)).toBeGreaterThan(1e-4);
    expect(cut.stats.ce).toBeCloseTo(full.stats.ce, 6);
    expect(cut.stats.raft!).toBeCloseTo(full.stats.raft!, 6);
    expect(cut.stats.ceCount).toBe(full.stats.ceCount);
    expectClose(cut.grads, full.grads, { atol: 1e-6 * maxAbs(full.grads), rtol: 1e-4 }, 'gradients, trimmed vs full length');
    // And both are the CPU reference's (CE part; the reference sees the whole 64-position batch).
    const ceOnly = mb.map((b) => ({ ...b, scorePositions: new Int32Array(3).fill(-1) }));
    const step = new TrainStep(model, 3, 64, { trim: true });
    const stats = await step.evaluate([ceOnly[0]]);
    step.destroy();
    const p = Float64Array.from(await model.downloadParams());
    expect(stats.ce).toBeCloseTo(lossAndGradsRef(null, p, model.layout, ceOnly[0], { ropeF32: true }), 4);
    model.destroy();
  });

  it('keeps the full length when a batch uses all of it, and a batch without targets runs one quantum', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, long, { training: true });
    model.upload(initParams(model.layout, 9, { std: 0.2 }));
    const step = new TrainStep(model, 2, 64);
    const b = batch(2, 64, 3);
    await step.evaluate([b]);
    expect(step.lastLength).toBe(64);
    await step.evaluate([trainBatch({ ...b, ceMask: Array.from(b.ceMask, () => 0) })]);
    expect(step.lastLength).toBe(16);
    step.destroy();
    model.destroy();
  });
});

describe('limits', () => {
  it('refuses a batch whose activations exceed the adapter, naming the limit, before allocating', async () => {
    const gpu = await testGpu();
    const big = makeConfig({ dim: 64, hiddenDim: 128, nLayers: 1, nHeads: 4, nKvHeads: 4, vocabSize: 50000, seqLen: 4096 });
    const { createActivations } = await import('../../src/model/activations.ts');
    expect(() => createActivations(gpu, big, 8, 4096)).toThrow(/activation needs \d+ bytes, more than this adapter's maxStorageBufferBindingSize/);
  });
  it('refuses sequences longer than the model', async () => {
    const gpu = await testGpu();
    const { createActivations } = await import('../../src/model/activations.ts');
    expect(() => createActivations(gpu, config, 1, 32)).toThrow(/sequence length 32 is longer than the model's seqLen 16/);
  });
});
