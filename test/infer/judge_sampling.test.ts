// The judge's sampled CoTs on the GPU sampler: the same seed gives the same CoTs and ŷ, another
// seed other CoTs; greedy CoTs and ŷ equal the earlier path's (logits read back and argmax on the
// CPU). On a small judge trained in the test. (Stops inside a chunk: test/infer/generate.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceModel } from '../../src/model/device_model.ts';
import { Generator } from '../../src/infer/generate.ts';
import { Judge } from '../../src/infer/judge.ts';
import { testGpu } from '../helpers/gpu.ts';
import { trainTinyJudge } from '../interop/fixtures.ts';

let judge: Awaited<ReturnType<typeof trainTinyJudge>>;
beforeAll(async () => {
  judge = await trainTinyJudge(await testGpu(), 16);
}, 120_000);

describe('judging with CoTs sampled on the GPU', () => {
  it('same seed → same CoTs and ŷ; another seed → other CoTs', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, judge.config);
    model.upload(judge.params);
    const gen = new Generator(model, 4, judge.config.seqLen);
    const j = new Judge(gen, judge.tokenizer);
    const examples = judge.lab.test.slice(0, 2);
    const streamed = new Map<string, string>();
    const opts = {
      template: 'compact' as const,
      nCot: 2,
      maxCotTokens: 40,
      sampling: { temperature: 1, topP: 0.9, repetitionPenalty: 1.03 },
      onText: (e: number, s: number, piece: string) => streamed.set(`${e}.${s}`, (streamed.get(`${e}.${s}`) ?? '') + piece),
    };
    const a = await j.cotRail(examples, { ...opts, seed: 5 });
    const streamedA = new Map(streamed);
    streamed.clear();
    const b = await j.cotRail(examples, { ...opts, seed: 5 });
    const c = await j.cotRail(examples, { ...opts, seed: 6 });
    expect(b.map((x) => x.cots)).toEqual(a.map((x) => x.cots));
    expect(b.map((x) => x.yhat)).toEqual(a.map((x) => x.yhat));
    expect(c.map((x) => x.cots)).not.toEqual(a.map((x) => x.cots));
    // What was streamed is what each CoT holds (the stop string's cut aside).
    expect(streamedA.size).toBe(4);
    gen.destroy();
    model.destroy();
  });

  it("greedy CoT-RAIL judgements equal the earlier path's (CPU argmax on logits read back)", async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, judge.config);
    model.upload(judge.params);
    const ours = new Generator(model, 4, judge.config.seqLen);
    const earlier = new Generator(model, 4, judge.config.seqLen, { sampler: 'cpu', decode: 'unfused' });
    const examples = judge.lab.test.slice(0, 4);
    const opts = { template: 'compact' as const, nCot: 1, maxCotTokens: 48, seed: 1, sampling: { temperature: 0 } };
    const want = await new Judge(earlier, judge.tokenizer).cotRail(examples, opts);
    const got = await new Judge(ours, judge.tokenizer).cotRail(examples, opts);
    for (let i = 0; i < examples.length; i++) {
      expect(got[i].cots).toEqual(want[i].cots);
      expect(Math.abs(got[i].yhat - want[i].yhat)).toBeLessThan(1e-5);
    }
    ours.destroy();
    earlier.destroy();
    model.destroy();
  });
});
