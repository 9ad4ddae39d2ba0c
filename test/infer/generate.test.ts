// Generation on the GPU with the KV cache, the fused decode step and the GPU sampler: stories260K
// greedy from BOS reproduces llama2.c's output character for character; greedy from a prompt equals
// the CPU reference model and the earlier path (unfused forward, CPU argmax); sampling is
// reproducible by seed and matches the reference model sampled by the kernel's twin; several
// sequences at once equal one by one; greedy picked in the decode step equals the sampler's pick,
// ties included; dispatches per step and readbacks per token; stop tokens,
// stop predicates across chunks and bad inputs.
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { initParams } from '../../src/model/init.ts';
import { tensorSpec } from '../../src/model/layout.ts';
import { Generator, generateMany } from '../../src/infer/generate.ts';
import { Rng } from '../../src/model/rng.ts';
import { createKVCache, generateRef, prefillRef } from '../../src/reference/model.ts';
import { counterUniform, sampleTokenRef } from '../../src/reference/sample.ts';
import { testGpu } from '../helpers/gpu.ts';
import { llama2cOutput, loadStories, storiesTokenizer } from '../helpers/stories.ts';

const stories = loadStories();
const tokenizer = storiesTokenizer();
let shared: { model: DeviceModel; gen: Generator } | null = null;

async function setup() {
  if (!shared) {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, stories.config);
    model.upload(stories.params);
    shared = { model, gen: new Generator(model, 4, 160) };
  }
  return shared;
}

describe('GPU generation with a KV cache (stories260K)', () => {
  it('greedy from BOS for 100 new tokens prints what llama2.c prints', async () => {
    const { gen } = await setup();
    const streamed: number[] = [];
    const r = await gen.generate([[1]], { maxNewTokens: 100, temperature: 0, onToken: (_, t) => streamed.push(t) });
    expect(r.tokens[0].length).toBe(100);
    expect(streamed).toEqual(r.tokens[0]);
    const text = tokenizer.decode([1, ...r.tokens[0]]);
    const want = llama2cOutput();
    expect(text.length).toBeGreaterThan(200);
    expect(want.startsWith(text), `decoded:\n${text}`).toBe(true);
    // And past the 100 tokens, the README's whole text (120 tokens), token for token.
    const ids = tokenizer.encode(want, { bos: true }).slice(1);
    const full = await gen.generate([[1]], { maxNewTokens: ids.length, temperature: 0 });
    expect(full.tokens[0]).toEqual(ids);
    expect(tokenizer.decode([1, ...full.tokens[0]])).toBe(want);
  });

  it('greedy from a prompt equals the CPU reference model', async () => {
    const { gen } = await setup();
    const prompt = tokenizer.encode('The dog ran to the big tree and', { bos: true });
    const r = await gen.generate([prompt], { maxNewTokens: 40, temperature: 0 });
    const ref = generateRef(stories.params, stories.layout, prompt, { maxNewTokens: 40, temperature: 0, ropeF32: true });
    expect(r.tokens[0]).toEqual(ref);
  });

  it('sampling (T = 1, top-p 0.9, penalty 1.03) on the GPU is reproducible and matches the CPU reference model with the GPU sampler\'s twin', async () => {
    const { gen } = await setup();
    const opts = { maxNewTokens: 30, temperature: 1, topP: 0.9, repetitionPenalty: 1.03 };
    const a = await gen.generate([[1]], { ...opts, seed: 5 });
    const b = await gen.generate([[1]], { ...opts, seed: 5 });
    const c = await gen.generate([[1]], { ...opts, seed: 6 });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
    // The reference model's logits (Float64), sampled by the kernel's twin with the same counter.
    const cache = createKVCache(stories.layout, 1, 31);
    const V = stories.config.vocabSize;
    const seen = [1];
    const ref: number[] = [];
    let logits = prefillRef(stories.params, stories.layout, cache, [1], { ropeF32: true });
    for (let t = 0; t < opts.maxNewTokens; t++) {
      const tok = sampleTokenRef(logits.subarray(logits.length - V), seen, opts, counterUniform(5, t, 0));
      ref.push(tok);
      seen.push(tok);
      logits = prefillRef(stories.params, stories.layout, cache, [tok], { ropeF32: true });
    }
    expect(a.tokens[0]).toEqual(ref);
  });

  it('the same seed gives the same CoTs through generateMany (a seeded Rng draws the GPU seed)', async () => {
    const { gen } = await setup();
    const p1 = tokenizer.encode('Tom had a red car', { bos: true });
    const p2 = tokenizer.encode('Sue saw a cat', { bos: true });
    const opts = { maxNewTokens: 20, temperature: 1, topP: 0.9 };
    const a = await generateMany(gen, [p1, p2, p1], { ...opts, rng: new Rng(3) });
    const b = await generateMany(gen, [p1, p2, p1], { ...opts, rng: new Rng(3) });
    const c = await generateMany(gen, [p1, p2, p1], { ...opts, rng: new Rng(4) });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
    expect(a.tokens[0]).not.toEqual(a.tokens[2]); // two samples of one prompt differ (the sequence is in the counter)
  });

  it("greedy generations equal the earlier path's (training's forward per token, logits read back, CPU argmax)", async () => {
    const { model, gen } = await setup();
    const old = new Generator(model, 4, 160, { sampler: 'cpu', decode: 'unfused' });
    const prompts = ['Once upon a time', 'The dog ran to the big tree and', 'Lily and Ben'].map((t) => tokenizer.encode(t, { bos: true }));
    for (const repetitionPenalty of [1, 1.03]) {
      const o = { maxNewTokens: 64, temperature: 0, repetitionPenalty };
      const want = await generateMany(old, prompts, o);
      const got = await generateMany(gen, prompts, o);
      expect(got.tokens).toEqual(want.tokens);
    }
    old.destroy();
  });

  it('greedy in the decode step (no sampler dispatch) picks what the sampler picks, ties included: the first index of the maximum', async () => {
    const gpu = await testGpu();
    // Vocabulary 37 (the head's last row is outside its groups of four). Head rows r < 5 are −u and
    // the others +u: logits −z then +z, each a tie, so the first index of the maximum is 0 or 5;
    // then every row u: all 37 tied, 0.
    const config = makeConfig({ dim: 16, hiddenDim: 32, nLayers: 2, nHeads: 2, vocabSize: 37, seqLen: 48, tied: false });
    for (const pattern of ['two groups', 'all equal'] as const) {
      const model = new DeviceModel(gpu, config);
      const params = initParams(model.layout, 11);
      const head = tensorSpec(model.layout, model.head);
      const u = params.slice(head.offset, head.offset + config.dim);
      for (let r = 0; r < config.vocabSize; r++) params.set(u.map((x) => (pattern === 'two groups' && r < 5 ? -x : x)), head.offset + r * config.dim);
      model.upload(params);
      const inStep = new Generator(model, 2, 48);
      const sampler = new Generator(model, 2, 48, { greedyInStep: false });
      const prompts = [[1, 7, 9, 3], [1, 2, 30, 4]];
      const o = { maxNewTokens: 20, temperature: 0 };
      const got = await inStep.generate(prompts, o);
      const want = await sampler.generate(prompts, o);
      expect(got.tokens).toEqual(want.tokens);
      for (const t of got.tokens.flat()) expect(pattern === 'two groups' ? [0, 5] : [0]).toContain(t);
      // One dispatch per decode step with the greedy pick in it; the sampler's path two.
      expect(inStep.stats.decodeDispatches / inStep.stats.decodeSteps).toBe(1);
      expect(sampler.stats.decodeDispatches / sampler.stats.decodeSteps).toBe(2);
      inStep.destroy();
      sampler.destroy();
      model.destroy();
    }
  });

  it('a decode step is ≤ 30 dispatches and a 64-token generation reads back ≤ 1 time per 8 tokens', async () => {
    const { model } = await setup();
    const g = new Generator(model, 1, 160);
    await g.generate([[1]], { maxNewTokens: 64, temperature: 0 });
    const perStep = g.stats.decodeDispatches / g.stats.decodeSteps;
    console.log(`stories260K: ${perStep} dispatches per decode step (sampler included), ${g.stats.readbacks} readbacks for 64 tokens, ${g.stats.submits} submits`);
    expect(g.stats.decodeSteps).toBe(63);
    expect(perStep).toBeLessThanOrEqual(30);
    expect(g.stats.readbacks).toBeLessThanOrEqual(64 / 8);
    const old = new Generator(model, 1, 160, { sampler: 'cpu', decode: 'unfused' });
    await old.generate([[1]], { maxNewTokens: 64, temperature: 0 });
    console.log(`earlier path: ${old.stats.decodeDispatches / old.stats.decodeSteps} dispatches per decode step, ${old.stats.readbacks} readbacks`);
    expect(old.stats.readbacks).toBe(64);
    g.destroy();
    old.destroy();
  });

  it('a prompt repeated in one batch (n CoTs) is prefilled once and copied: the same tokens as prefilling each', async () => {
    const { model, gen } = await setup();
    const p = tokenizer.encode('Tom had a red car', { bos: true });
    const q = tokenizer.encode('Sue saw a big cat', { bos: true });
    const batch = [p, q, p, p];
    const o = { maxNewTokens: 24, temperature: 1, topP: 0.9, seed: 9 };
    const shared = await gen.generate(batch, o);
    const each = new Generator(model, 4, 160, { sharePrefill: false });
    const want = await each.generate(batch, o);
    each.destroy();
    expect(shared.tokens).toEqual(want.tokens);
    expect(shared.tokens[0]).not.toEqual(shared.tokens[2]); // same prompt, other draws
  });

  it('several sequences at once give what each gives alone; mixed prompt lengths are grouped', async () => {
    const { gen } = await setup();
    const p1 = tokenizer.encode('Tom had a red car', { bos: true });
    const p2 = tokenizer.encode('Sue saw a cat', { bos: true });
    const p3 = tokenizer.encode('Tom had a big car', { bos: true });
    const alone = [];
    for (const p of [p1, p2, p3]) alone.push((await gen.generate([p], { maxNewTokens: 12, temperature: 0 })).tokens[0]);
    const together = await generateMany(gen, [p1, p2, p3], { maxNewTokens: 12, temperature: 0 });
    expect(together.tokens).toEqual(alone);
  });

  it('stops at a stop token or a stop predicate, and says why', async () => {
    const { gen } = await setup();
    const dot = tokenizer.encode('.', {}).at(-1)!;
    const r = await gen.generate([[1], [1]], { maxNewTokens: 60, temperature: 0, stopTokens: [dot] });
    expect(r.finish).toEqual(['stop', 'stop']);
    expect(r.tokens[0].at(-1)).toBe(dot);
    // A stop string checked on each chunk read back: the stop lands inside a chunk (chunks of 4, 8, 16…),
    // the output ends at it, nothing past it is streamed, and it is the prefix of the unstopped run.
    const streamed: number[] = [];
    const s = await gen.generate([[1]], { maxNewTokens: 60, temperature: 0, stop: (_, g) => tokenizer.decode([1, ...g]).includes('Lily'), onToken: (_, t) => streamed.push(t) });
    expect(tokenizer.decode([1, ...s.tokens[0]]).endsWith('Lily')).toBe(true);
    expect(s.tokens[0].length).toBeGreaterThan(4);
    expect(streamed).toEqual(s.tokens[0]);
    const full = await gen.generate([[1]], { maxNewTokens: 60, temperature: 0 });
    expect(full.tokens[0].slice(0, s.tokens[0].length)).toEqual(s.tokens[0]);
    const l = await gen.generate([[1]], { maxNewTokens: 3, temperature: 0 });
    expect(l.finish).toEqual(['length']);
  });

  it('rejects prompts that do not fit, with the numbers', async () => {
    const { gen } = await setup();
    await expect(gen.generate([[1]], { maxNewTokens: 200, temperature: 0 })).rejects.toThrow(/prompt \(1\) \+ 200 new tokens exceeds the 160 positions/);
    await expect(gen.generate([[1, 2], [1]], { maxNewTokens: 2 })).rejects.toThrow(/same length/);
    await expect(gen.generate([[1, 999]], { maxNewTokens: 2 })).rejects.toThrow(/prompt 0: token 1 is 999/);
  });
});
