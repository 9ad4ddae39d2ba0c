// Training rows from the procedural corpus: each row is BOS doc EOS BOS doc EOS … cut at T + 1
// tokens (T inputs and their next tokens), drawn from its own RNG stream named by (seed, split,
// key). So the rows of any step can be made again on resume without replaying the ones before,
// and a row always starts at a document boundary, as a judge prompt starts at BOS.
import type { TrainBatch } from '../batching.ts';
import { createRng } from '../rng.ts';
import type { Tokenizer } from '../tokenizers/types.ts';
import { corpusDocument, type CorpusSplit } from './corpus.ts';

/** T + 1 token ids for the row named `key` of the corpus of `seed`. */
export function corpusRow(tokenizer: Tokenizer, seed: number | string, split: CorpusSplit, key: string, T: number): Int32Array {
  const rng = createRng(seed, `procedural-row/${split}/${key}`);
  const out = new Int32Array(T + 1);
  let n = 0;
  while (n < T + 1) {
    const ids = tokenizer.encode(corpusDocument(rng).text, { bos: true, eos: true });
    const take = Math.min(ids.length, T + 1 - n);
    out.set(ids.slice(0, take), n);
    n += take;
  }
  return out;
}

/** The B rows of training step `step` (or of dev batch `step` with split 'dev'). */
export function corpusBatch(tokenizer: Tokenizer, seed: number | string, split: CorpusSplit, step: number, B: number, T: number): TrainBatch {
  const inputIds = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const row = corpusRow(tokenizer, seed, split, `${step}/${b}`, T);
    inputIds.set(row.subarray(0, T), b * T);
    targets.set(row.subarray(1, T + 1), b * T);
  }
  // Every position is a target; no score positions.
  return { batchSize: B, seqLen: T, inputIds, targets, ceMask: new Float32Array(B * T).fill(1), scorePositions: new Int32Array(B).fill(-1), labels: new Float32Array(B), ids: new Array<string>(B).fill('') };
}
