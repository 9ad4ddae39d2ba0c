// Paths to the real files in ../shared (never copied into the repo), and fixtures several test
// files use.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateRubricLab, llama2cTokenizerFromBytes, trainRubricLabTokenizer, type RubricLab } from '../../src/data/index.ts';

export const MT_BENCH = fileURLToPath(new URL('../../../shared/data/prometheus/mt_bench_eval.json', import.meta.url));
export const TOK512 = fileURLToPath(new URL('../../../shared/models/stories260K/tok512.bin', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** llama2.c's greedy output for stories260K (shared/models/stories260K/README.md). */
export const STORIES_KNOWN_OUTPUT =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, ' +
  'red ball. She wanted to play with it, but it was too high.\nLily\'s mom said, "Lily, let\'s go to the park." Lily was ' +
  'sad and didn\'t know what to do. She said, "I want to play with your ball, but';

export function tok512() {
  return llama2cTokenizerFromBytes(new Uint8Array(readFileSync(TOK512)), { name: 'tok512.bin' });
}

let lab: RubricLab | undefined;
/** The default Rubric Lab (seed 1, 2000/200/500). */
export function defaultLab(): RubricLab {
  return (lab ??= generateRubricLab());
}

let bpe: ReturnType<typeof trainRubricLabTokenizer> | undefined;
/** Our BPE (1024 tokens) trained on the default Rubric Lab train split. */
export function labTokenizer() {
  return (bpe ??= trainRubricLabTokenizer(defaultLab().train, { vocabSize: 1024 }));
}
