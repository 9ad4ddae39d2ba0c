// The reference model IS llama2.c's model: greedy generation from BOS with the real stories260K
// weights reproduces, token for token, what llama2.c's run.c prints at temperature 0
// (../shared/models/stories260K/README.md), decoded with the data layer's llama2.c tokenizer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { llama2cTokenizerFromBytes } from '../../src/data/tokenizers/index.ts';
import { readLlama2c } from '../../src/model/llama2c.ts';
import { generateRef } from '../../src/reference/model.ts';

const DIR = new URL('../../../shared/models/stories260K/', import.meta.url);
const model = readLlama2c(readFileSync(new URL('stories260K.bin', DIR)));
const tokenizer = llama2cTokenizerFromBytes(new Uint8Array(readFileSync(new URL('tok512.bin', DIR))));

/**
 * llama2.c's output as the README quotes it (temperature 0, empty prompt): the quoted text, its line
 * wraps turned back into spaces and its \n and \" escapes undone.
 */
function llama2cOutput(): string {
  const readme = readFileSync(new URL('README.md', DIR), 'utf8');
  const m = /temperature 0, empty prompt \(BOS only\):\s*"([\s\S]*?)"\s*\n\s*\n/.exec(readme);
  if (!m) throw new Error('the README no longer quotes the llama2.c output where this test looks for it');
  return m[1].replace(/\s*\n\s*/g, ' ').replace(/\\n/g, '\n').replace(/\\"/g, '"');
}
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
