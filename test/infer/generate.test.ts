// Generation on the GPU with the KV cache: stories260K greedy from BOS reproduces llama2.c's output
// character for character; greedy from a prompt equals the CPU reference model; sampling is
// reproducible and matches the reference seed for seed; several sequences at once equal one by one;
// stop tokens and bad inputs.
import { describe, expect, it } from 'vitest';
import { DeviceModel } from '../../src/model/device_model.ts';
import { Generator, generateMany } from '../../src/infer/generate.ts';
import { Rng } from '../../src/model/rng.ts';
import { generateRef } from '../../src/reference/model.ts';
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

  it('sampling (T = 1, top-p 0.9) is reproducible and matches the reference seed for seed', async () => {
    const { gen } = await setup();
    const opts = { maxNewTokens: 30, temperature: 1, topP: 0.9 };
    const a = await gen.generate([[1]], { ...opts, rng: new Rng(5) });
    const b = await gen.generate([[1]], { ...opts, rng: new Rng(5) });
    expect(a.tokens).toEqual(b.tokens);
    const ref = generateRef(stories.params, stories.layout, [1], { ...opts, seed: 5, ropeF32: true });
    expect(a.tokens[0]).toEqual(ref);
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
    const s = await gen.generate([[1]], { maxNewTokens: 60, temperature: 0, stop: (_, g) => tokenizer.decode([1, ...g]).includes('Lily') });
    expect(tokenizer.decode([1, ...s.tokens[0]]).endsWith('Lily')).toBe(true);
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
