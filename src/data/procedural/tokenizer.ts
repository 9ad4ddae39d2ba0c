// The base model's tokenizer: our byte-level BPE trained on procedural corpus documents plus the
// fixed words of the two judge prompt templates (their section names, never any example's text), so
// a fine-tuning prompt does not spell "Reference:" or "Feedback:" out letter by letter. Digits always
// stay single tokens (the pre-tokenizer splits them), which the column procedures rely on.
import { renderPrompt, SCORE_PROMPT_SUFFIX, TEMPLATE_NAMES } from '../templates.ts';
import { trainBpe } from '../tokenizers/bpeTrainer.ts';
import type { BpeTokenizer } from '../tokenizers/bpe.ts';
import { corpusDocuments } from './corpus.ts';
import { fivePoint } from '../levels.ts';

export interface ProceduralTokenizerOptions {
  /** Corpus seed (the documents the merges are learned from). */
  seed?: number | string;
  /** Vocabulary size including the 3 specials and 256 bytes (default 1024). */
  vocabSize?: number;
  /** How many corpus documents to learn from (default 20000). */
  documents?: number;
}

/** The templates with empty fields, as often as a typical stretch of fine-tuning data would show them. */
function templateTexts(copies: number): string[] {
  const empty = { instruction: '', response: '', referenceAnswer: '', rubric: { criteria: '', levels: fivePoint(['', '', '', '', '']) } };
  const one = [...TEMPLATE_NAMES.map((t) => renderPrompt(empty, t)), SCORE_PROMPT_SUFFIX];
  return Array.from({ length: copies }, () => one).flat();
}

export function trainProceduralTokenizer(options: ProceduralTokenizerOptions = {}): BpeTokenizer {
  const vocabSize = options.vocabSize ?? 1024;
  const n = options.documents ?? 20000;
  const docs = corpusDocuments(options.seed ?? 1, 'train', 0, n).map((d) => d.text);
  return trainBpe([...docs, ...templateTexts(Math.ceil(n / 10))], { vocabSize, name: `procedural-bpe-${vocabSize}` });
}
