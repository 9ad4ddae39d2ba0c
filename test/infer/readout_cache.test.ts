// Read-outs on the Generator's KV cache (GpuScoreReader.readoutsOnCache): after a CoT only the
// tokens the cache does not hold run (the suffix " So the overall score is ", and any tokens the
// re-encoded CoT does not share with what was sampled), against the forward over the whole read-out
// sequence (GpuScoreReader.readouts, the earlier path). Checked on stories260K and on a small random
// model: greedy CoT-RAIL judgements equal within 1e-5 on ŷ (both samplers, nCot 2, batches split);
// a stop in the middle of a chunk (the cache then holds tokens past the stop, which must not be read);
// a read-out that departs from the cache in the middle (positions after it are rewritten).
import { afterAll, describe, expect, it } from 'vitest';
import { generateRubricLab, readoutIds, SCORE_PROMPT_SUFFIX, trainRubricLabTokenizer, type Tokenizer } from '../../src/data/index.ts';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { initParams } from '../../src/model/init.ts';
import { scoreScaleOf } from '../../src/model/score_head.ts';
import { Generator } from '../../src/infer/generate.ts';
import { Judge } from '../../src/infer/judge.ts';
import { GpuScoreReader } from '../../src/infer/readout.ts';
import { expectClose } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories, storiesTokenizer } from '../helpers/stories.ts';

const lab = generateRubricLab({ seed: 5, train: 64, dev: 4, test: 8 });
const made: { destroy(): void }[] = [];
afterAll(() => made.reverse().forEach((m) => m.destroy()));

/** stories260K, or a small random model on the rubric lab's tokenizer (GQA, vocabulary 384). */
async function setup(which: 'stories' | 'random'): Promise<{ model: DeviceModel; tokenizer: Tokenizer }> {
  const gpu = await testGpu();
  if (which === 'stories') {
    const s = loadStories();
    const model = new DeviceModel(gpu, s.config);
    model.upload(s.params);
    made.push(model);
    return { model, tokenizer: storiesTokenizer() };
  }
  const tokenizer = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
  const config = makeConfig({ dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tokenizer.vocabSize, seqLen: 256 });
  const model = new DeviceModel(gpu, config);
  model.upload(initParams(model.layout, 7));
  made.push(model);
  return { model, tokenizer };
}

function expectSameRead(got: { probs: number[]; mass: number; yhat: number; decoded: number; argmaxIsScore: boolean }, want: typeof got, what: string) {
  expectClose([...got.probs, got.mass], [...want.probs, want.mass], { atol: 1e-6, rtol: 1e-5 }, what);
  expect(Math.abs(got.yhat - want.yhat), `${what}: ŷ ${got.yhat} vs ${want.yhat}`).toBeLessThan(1e-5);
  expect(got.decoded, what).toBe(want.decoded);
  expect(got.argmaxIsScore, what).toBe(want.argmaxIsScore);
}

describe.each(['stories', 'random'] as const)('read-out on the KV cache (%s)', (which) => {
  it('stopped sequences are not decoded further (skipStopped): the same tokens, the same read-outs on the cache, fewer rows decoded', async () => {
    const { model, tokenizer } = await setup(which);
    const Tmax = Math.min(model.config.seqLen, 256);
    const texts = ['Once upon a time there was a', 'The little dog ran to the', 'One day a girl saw a big', 'Tom and his mom went to a'];
    const enc = texts.map((t) => tokenizer.encode(t, { bos: true }));
    const P = Math.min(...enc.map((p) => p.length));
    const prompts = enc.map((p) => p.slice(0, P));
    // Stops at different chunks (chunks of 2, then 4): sequence 0 in the first, 3 runs to the end.
    const keep = [2, 5, 11, 20];
    const suffix = tokenizer.encode(SCORE_PROMPT_SUFFIX);
    const run = async (skipStopped: boolean) => {
      const gen = new Generator(model, 4, Tmax, { skipStopped, firstChunk: 2, maxChunk: 4 });
      const reader = new GpuScoreReader(model, scoreScaleOf(tokenizer), 4, Tmax);
      const r = await gen.generate(prompts, { maxNewTokens: 20, temperature: 0, stop: (b, g) => g.length === keep[b] });
      const cached = gen.cachedTokens();
      const reads = await reader.readoutsOnCache(gen, prompts.map((p, b) => [...p, ...r.tokens[b], ...suffix]), false);
      const rows = gen.stats.decodeRows;
      reader.destroy();
      gen.destroy();
      return { r, cached, reads, rows };
    };
    const skip = await run(true);
    const all = await run(false);
    expect(skip.r).toEqual(all.r);
    expect(skip.r.tokens.map((t) => t.length)).toEqual(keep);
    // Steps 1..19 (step 0 is the prefill's sample). Skipping: sequence 0 is decoded in its first
    // chunk only (step 1), 1 up to step 5, 2 up to 13 (chunks end at 1, 5, 9, 13, 17, 19).
    expect(all.rows).toBe(4 * 19);
    expect(skip.rows).toBe(1 + 5 + 13 + 19);
    expect(skip.cached.map((c) => c.length - P)).toEqual([1, 5, 13, 19]);
    skip.cached.forEach((c, b) => expect(c).toEqual(all.cached[b].slice(0, c.length)));
    skip.reads.forEach((g, b) => expectSameRead(g, all.reads[b], `sequence ${b}`));
  }, 300_000);

  it.each(['gpu', 'cpu'] as const)('greedy CoT-RAIL (%s sampler): the cache read-out gives the whole-sequence read-out within 1e-5 on ŷ', async (sampler) => {
    const { model, tokenizer } = await setup(which);
    const Tmax = Math.min(model.config.seqLen, 256);
    // maxBatch 3 with 4 examples × 2 CoTs: batches are split and a later batch overwrites the cache.
    const gen = new Generator(model, 3, Tmax, sampler === 'cpu' ? { sampler: 'cpu', decode: 'unfused' } : {});
    const reader = new GpuScoreReader(model, scoreScaleOf(tokenizer), 3, Tmax);
    const judge = new Judge(gen, tokenizer, reader);
    const examples = lab.test.slice(0, 4);
    const opts = { template: 'compact' as const, nCot: 2, maxCotTokens: 24, seed: 3, sampling: { temperature: 0 } };
    let submits = gen.stats.submits;
    const onCache = await judge.cotRail(examples, opts);
    const cacheSubmits = gen.stats.submits - submits;
    submits = gen.stats.submits;
    const whole = await judge.cotRail(examples, { ...opts, readout: 'sequence' });
    // On the cache, each generated batch's read-out is one more submit of the generator (the whole
    // sequence read-out submits on the reader's own): as many as there are batches.
    const byLength = new Map<number, number>();
    for (const ex of examples) {
      const P = judge.promptIds(ex, opts).length;
      byLength.set(P, (byLength.get(P) ?? 0) + opts.nCot);
    }
    const batches = [...byLength.values()].reduce((a, n) => a + Math.ceil(n / 3), 0);
    expect(cacheSubmits - (gen.stats.submits - submits)).toBe(batches);
    for (let renormalize = 0; renormalize < 2; renormalize++) {
      const [a, b] = renormalize ? [await judge.cotRail(examples, { ...opts, renormalize: true }), await judge.cotRail(examples, { ...opts, renormalize: true, readout: 'sequence' })] : [onCache, whole];
      let worst = 0;
      for (let i = 0; i < examples.length; i++) {
        expect(a[i].cots).toEqual(b[i].cots);
        expect(Math.abs(a[i].yhat - b[i].yhat), `example ${i}`).toBeLessThan(1e-5);
        worst = Math.max(worst, Math.abs(a[i].yhat - b[i].yhat));
        a[i].samples.forEach((s, j) => expectSameRead(s, b[i].samples[j], `example ${i} sample ${j}`));
      }
      console.log(`${which}, ${sampler} sampler, renormalize ${!!renormalize}: max |Δŷ| cache vs whole sequence = ${worst.toExponential(2)}`);
    }
    reader.destroy();
    gen.destroy();
  }, 300_000);

  it("a prefill and a read-out run the last layer on each sequence's last row only: the same logits, bit for bit, as the whole last layer", async () => {
    const { model, tokenizer } = await setup(which);
    const Tmax = Math.min(model.config.seqLen, 256);
    const texts = ['Once upon a time there was a', 'The little dog ran to the', 'One day a girl saw a big'];
    const enc = texts.map((t) => tokenizer.encode(t, { bos: true }));
    const P = Math.min(...enc.map((p) => p.length));
    const prompts = enc.map((p) => p.slice(0, P));
    const suffix = tokenizer.encode(SCORE_PROMPT_SUFFIX);
    const run = async (trimLastLayer: boolean) => {
      const gen = new Generator(model, 3, Tmax, { trimLastLayer });
      const reader = new GpuScoreReader(model, scoreScaleOf(tokenizer), 3, Tmax);
      const logits = (await gen.lastLogits(prompts)).map((r) => Array.from(r));
      const r = await gen.generate(prompts, { maxNewTokens: 6, temperature: 0 });
      // Equal tails (one row index for every sequence: trimmed), then unequal ones (not trimmed).
      const equal = await reader.readoutsOnCache(gen, prompts.map((p, b) => [...p, ...r.tokens[b], ...suffix]), false);
      const unequal = await reader.readoutsOnCache(gen, prompts.map((p, b) => [...p, ...r.tokens[b].slice(0, 6 - b), ...suffix]), true);
      reader.destroy();
      gen.destroy();
      return { logits, tokens: r.tokens, equal, unequal };
    };
    const trimmed = await run(true);
    const whole = await run(false);
    expect(trimmed.logits).toEqual(whole.logits);
    expect(trimmed.tokens).toEqual(whole.tokens);
    expect(trimmed.equal).toEqual(whole.equal);
    expect(trimmed.unequal).toEqual(whole.unequal);
  }, 300_000);

  it('a stop in the middle of a chunk: the tokens sampled past it stay in the cache but are not read; a read-out departing from the cache mid-way', async () => {
    const { model, tokenizer } = await setup(which);
    const Tmax = Math.min(model.config.seqLen, 256);
    const gen = new Generator(model, 2, Tmax, { firstChunk: 8, maxChunk: 8 });
    const reader = new GpuScoreReader(model, scoreScaleOf(tokenizer), 2, Tmax);
    const prompts = [tokenizer.encode('Once upon a time there was a', { bos: true }), tokenizer.encode('The little dog ran to the', { bos: true })];
    const P = Math.min(prompts[0].length, prompts[1].length);
    const same = prompts.map((p) => p.slice(0, P));
    // Sequence 0 stops after 5 tokens (inside the first chunk of 8); sequence 1 runs to the end (its
    // last token was sampled but never fed: the cache lacks it).
    const keep = [5, 16];
    const r = await gen.generate(same, { maxNewTokens: 16, temperature: 0, stop: (b, g) => g.length === keep[b] });
    expect(r.tokens.map((t) => t.length)).toEqual(keep);
    const cached = gen.cachedTokens();
    // Sequence 0's slot holds tokens sampled after its stop (its whole first chunk was decoded: steps
    // 1..7 fed 7 tokens), and no more: the second chunk decoded sequence 1 alone.
    expect(cached[0].length).toBe(P + 7);
    expect(gen.stats.decodeRows).toBe(2 * 7 + 8);
    expect(cached[1]).toEqual([...same[1], ...r.tokens[1]].slice(0, P + keep[1] - 1));
    const suffix = tokenizer.encode(SCORE_PROMPT_SUFFIX);
    const seqs = same.map((p, b) => [...p, ...r.tokens[b], ...suffix]);
    const want = await reader.readouts(seqs, false);
    const got = await reader.readoutsOnCache(gen, seqs, false);
    got.forEach((g, b) => expectSameRead(g, want[b], `sequence ${b}`));
    // A read-out that departs from what the cache holds in the middle (as a re-encoded CoT may):
    // rows after the first difference are rewritten, the same numbers as the whole forward.
    const seqs2 = seqs.map((q, b) => [...q.slice(0, P + 2), 5 + b, ...q.slice(P + 3)]);
    const want2 = await reader.readouts(seqs2, true);
    const got2 = await reader.readoutsOnCache(gen, seqs2, true);
    got2.forEach((g, b) => expectSameRead(g, want2[b], `departing sequence ${b}`));
    expect(gen.cachedTokens().map((c, b) => c.slice(0, seqs2[b].length))).toEqual(seqs2);
    // And a shorter read-out (prompt + suffix: label-only) on the same cache.
    const seqs3 = same.map((p) => Array.from(readoutIds(p, '', tokenizer).ids));
    const got3 = await reader.readoutsOnCache(gen, seqs3, false);
    (await reader.readouts(seqs3, false)).forEach((w, b) => expectSameRead(got3[b], w, `label-only sequence ${b}`));
    await expect(reader.readoutsOnCache(gen, [[]], false)).rejects.toThrow(/sequence 0 is empty/);
    await expect(reader.readoutsOnCache(gen, [seqs[0], seqs[1], seqs[0]], false)).rejects.toThrow(/more than the 2/);
    reader.destroy();
    gen.destroy();
  }, 300_000);
});
