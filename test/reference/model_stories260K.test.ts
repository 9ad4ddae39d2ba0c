// The reference model IS llama2.c's model: greedy generation from BOS with the real stories260K
// weights reproduces, token for token, what llama2.c's run.c prints at temperature 0
// (../shared/models/stories260K/README.md), decoded with the data layer's llama2.c tokenizer.
import { describe, expect, it } from 'vitest';
import { generateRef } from '../../src/reference/model.ts';
import { llama2cOutput, loadStories, storiesTokenizer } from '../helpers/stories.ts';

const model = loadStories();
const tokenizer = storiesTokenizer();
const LLAMA2C_OUTPUT = llama2cOutput();

describe('stories260K with the Float64 reference model', () => {
  it('the expected text is read from the README', () => {
    expect(LLAMA2C_OUTPUT.startsWith('Once upon a time, there was a little girl named Lily. She loved to play outside in the park.')).toBe(true);
    expect(LLAMA2C_OUTPUT).toContain('it was too high.\nLily\'s mom said, "Lily, let\'s go to the park." Lily was sad');
    expect(LLAMA2C_OUTPUT.endsWith('"I want to play with your ball, but')).toBe(true);
  });

  it('greedy from BOS, 100 new tokens: the text llama2.c prints', () => {
    const out = generateRef(model.params, model.layout, [1], { maxNewTokens: 100, temperature: 0 });
    expect(out.length).toBe(100);
    const text = tokenizer.decode([1, ...out]);
    expect(text.length).toBeGreaterThan(200);
    expect(LLAMA2C_OUTPUT.startsWith(text), `decoded:\n${text}`).toBe(true);
  });

  it("greedy until the README's text is covered: the exact token ids of llama2.c's output", () => {
    const want = tokenizer.encode(LLAMA2C_OUTPUT, { bos: true }).slice(1); // 120 tokens
    const out = generateRef(model.params, model.layout, [1], { maxNewTokens: want.length, temperature: 0, ropeF32: true });
    expect(out).toEqual(want);
    expect(tokenizer.decode([1, ...out])).toBe(LLAMA2C_OUTPUT);
  });
});
