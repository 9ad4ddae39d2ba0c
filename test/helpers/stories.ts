// The real stories260K model and tokenizer from ../shared (read, never copied), and llama2.c's
// known temperature-0 output as its README quotes it.
import { readFileSync } from 'node:fs';
import { llama2cTokenizerFromBytes } from '../../src/data/tokenizers/index.ts';
import { readLlama2c } from '../../src/model/llama2c.ts';

export const STORIES_DIR = new URL('../../../shared/models/stories260K/', import.meta.url);

export function loadStories() {
  return readLlama2c(readFileSync(new URL('stories260K.bin', STORIES_DIR)));
}

export function storiesTokenizer() {
  return llama2cTokenizerFromBytes(new Uint8Array(readFileSync(new URL('tok512.bin', STORIES_DIR))));
}

/**
 * llama2.c's output as the README quotes it (temperature 0, empty prompt): the quoted text, its line
 * wraps turned back into spaces and its \n and \" escapes undone.
 */
export function llama2cOutput(): string {
  const readme = readFileSync(new URL('README.md', STORIES_DIR), 'utf8');
  const m = /temperature 0, empty prompt \(BOS only\):\s*"([\s\S]*?)"\s*\n\s*\n/.exec(readme);
  if (!m) throw new Error('the README no longer quotes the llama2.c output where this test looks for it');
  return m[1].replace(/\s*\n\s*/g, ' ').replace(/\\n/g, '\n').replace(/\\"/g, '"');
}
