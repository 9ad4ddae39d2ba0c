// The judge's read-outs on the GPU (GpuScoreReader: the fused read-out, K + 4 floats back per
// sequence) against the logits-row path the judge used before (the generator's last logits read
// back, read out on the host): the same numbers for sequences of mixed lengths in groups smaller
// than the batch, and the same greedy CoT-RAIL judgements within 1e-5 on ŷ, on a judge trained here.
import { beforeAll, describe, expect, it } from 'vitest';
import { readoutIds } from '../../src/data/index.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { scoreScaleOf } from '../../src/model/score_head.ts';
import { Generator } from '../../src/infer/generate.ts';
import { Judge } from '../../src/infer/judge.ts';
import { GpuScoreReader, HostScoreReader } from '../../src/infer/readout.ts';
import { expectClose } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { trainTinyJudge } from '../interop/fixtures.ts';

let judge: Awaited<ReturnType<typeof trainTinyJudge>>;
beforeAll(async () => {
  judge = await trainTinyJudge(await testGpu(), 16);
}, 120_000);

describe('GPU read-out vs the logits-row path', () => {
  it('mixed lengths, 3 per forward, both renormalisations: same probabilities, mass, ŷ, decoded score, argmax flag', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, judge.config);
    model.upload(judge.params);
    const scale = scoreScaleOf(judge.tokenizer);
    const gen = new Generator(model, 4, judge.config.seqLen);
    const gpuReader = new GpuScoreReader(model, scale, 3, judge.config.seqLen);
    const host = new HostScoreReader(gen, scale);
    const cots = ['', 'The answer is off by 2.', 'ok', 'The sum is right and the steps are shown.', 'x', 'The answer is off by 2.'];
    const seqs = judge.lab.test.slice(0, cots.length).map((ex, i) => {
      const prompt = judge.tokenizer.encode(ex.instruction.slice(0, 40 + 9 * i), { bos: true });
      return Array.from(readoutIds(prompt, cots[i], judge.tokenizer).ids);
    });
    expect(new Set(seqs.map((s) => s.length)).size).toBeGreaterThan(3);
    for (const renormalize of [false, true]) {
      const got = await gpuReader.readouts(seqs, renormalize);
      const want = await host.readouts(seqs, renormalize);
      for (let i = 0; i < seqs.length; i++) {
        expectClose([...got[i].probs, got[i].mass, got[i].yhat], [...want[i].probs, want[i].mass, want[i].yhat], { atol: 1e-6, rtol: 1e-5 }, `sequence ${i}`);
        expect(Math.abs(got[i].yhat - want[i].yhat)).toBeLessThan(1e-5);
        expect(got[i].decoded).toBe(want[i].decoded);
        expect(got[i].argmaxIsScore).toBe(want[i].argmaxIsScore);
      }
    }
    await expect(gpuReader.readouts([[]], false)).rejects.toThrow(/sequence 0 is empty/);
    await expect(gpuReader.readouts([[1, 99999]], false)).rejects.toThrow(/sequence 0: token 1 is 99999, outside the vocabulary/);
    gpuReader.destroy();
    gen.destroy();
    model.destroy();
  });

  it('greedy CoT-RAIL and label-only judgements: the GPU read-out gives the logits-row path’s within 1e-5 on ŷ', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, judge.config);
    model.upload(judge.params);
    const gen = new Generator(model, 4, judge.config.seqLen);
    const examples = judge.lab.test.slice(0, 4);
    const opts = { template: 'compact' as const, nCot: 2, maxCotTokens: 24, seed: 3, sampling: { temperature: 0 } };
    const onGpu = new Judge(gen, judge.tokenizer);
    expect(onGpu.reader).toBeInstanceOf(GpuScoreReader);
    const before = new Judge(gen, judge.tokenizer, new HostScoreReader(gen, scoreScaleOf(judge.tokenizer)));
    let worst = 0;
    for (const [got, want] of [
      [await onGpu.cotRail(examples, opts), await before.cotRail(examples, opts)],
      [await onGpu.labelOnly(examples, opts), await before.labelOnly(examples, opts)],
    ]) {
      for (let i = 0; i < examples.length; i++) {
        expect(got[i].cots).toEqual(want[i].cots);
        expect(Math.abs(got[i].yhat - want[i].yhat), `example ${i}: ŷ ${got[i].yhat} vs ${want[i].yhat}`).toBeLessThan(1e-5);
        worst = Math.max(worst, Math.abs(got[i].yhat - want[i].yhat));
        expectClose(got[i].probs, want[i].probs, { atol: 1e-6, rtol: 1e-5 }, `example ${i} probabilities`);
        expect(got[i].decoded).toBe(want[i].decoded);
        got[i].samples.forEach((s, j) => expect(s.argmaxIsScore).toBe(want[i].samples[j].argmaxIsScore));
      }
    }
    console.log(`greedy judgements, GPU read-out vs logits-row path: max |Δŷ| = ${worst.toExponential(2)}`);
    gen.destroy();
    model.destroy();
  });
});
