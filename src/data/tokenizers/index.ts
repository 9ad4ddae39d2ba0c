// The three tokenizer constructors behind one interface, and the way back from a checkpoint's
// tokenizer description.
import { BpeTokenizer, bpeFromTokenizerJson, isOurBpeJson } from './bpe.ts';
import { HuggingfaceTokenizer, type HuggingfaceTokenizerOptions } from './huggingface.ts';
import type { Tokenizer, TokenizerDescription } from './types.ts';

export type { Tokenizer, TokenizerDescription, TokenizerKind, EncodeOptions, DecodeOptions, StreamDecoder, StreamDecoderOptions } from './types.ts';
export { BpeTokenizer, bpeFromTokenizerJson, isOurBpeJson, BPE_PRE_TOKEN_PATTERN, BPE_SPECIALS, type BpeMerge, type HfTokenizerJson } from './bpe.ts';
export { trainBpe, type BpeTrainOptions } from './bpeTrainer.ts';
export { Llama2cTokenizer, llama2cTokenizerFromBytes, type Llama2cStreamOptions } from './llama2c.ts';
export { HuggingfaceTokenizer, huggingfaceTokenizer, type HuggingfaceTokenizerOptions } from './huggingface.ts';
export { byteEscape, byteNoiseShare, looksUntrained, readableUtf8, ReadableUtf8Stream, BYTE_ESCAPE } from './readable.ts';
export { SCORE_PROMPT_SUFFIX, SCORE_DIGITS, findScoreTokenIds, levelTokenIds } from './scoreTokens.ts';

/** A tokenizer.json: ours (written by BpeTokenizer) comes back as a BpeTokenizer, any other through @huggingface/tokenizers. */
export function tokenizerFromJson(json: unknown, config?: unknown, options: HuggingfaceTokenizerOptions = {}): Tokenizer {
  if (isOurBpeJson(json)) return bpeFromTokenizerJson(json, options.name);
  return new HuggingfaceTokenizer(json, config, options);
}

/** Rebuilds a tokenizer from checkpoint metadata when the description carries it (the trained BPE). */
/**
 * Whether a checkpoint's tokenizer description holds the tokenizer itself (our trained BPE carries its
 * tokenizer.json), so tokenizerFromDescription can rebuild it; otherwise (llama2.c, Hugging Face) only
 * its name and fingerprint are recorded and its file must be opened with the model.
 */
export function descriptionHoldsTokenizer(d: TokenizerDescription): boolean {
  return d.kind === 'bpe' && d.tokenizerJson !== undefined;
}

/** Throws unless `tok` is the tokenizer the model `modelName` was trained with (`d`: same fingerprint). */
export function checkTokenizerMatches(tok: Tokenizer, d: TokenizerDescription, what: string, modelName: string): void {
  if (tok.describe().fingerprint !== d.fingerprint) {
    throw new Error(`${what} is not the tokenizer ${modelName} was trained with (${d.name}, fingerprint ${d.fingerprint})`);
  }
}

export function tokenizerFromDescription(d: TokenizerDescription): Tokenizer {
  if (descriptionHoldsTokenizer(d)) {
    const tok: BpeTokenizer = bpeFromTokenizerJson(d.tokenizerJson, d.name);
    if (tok.describe().fingerprint !== d.fingerprint) throw new Error(`tokenizer ${d.name}: fingerprint does not match the description`);
    return tok;
  }
  throw new Error(`a ${d.kind} tokenizer (${d.name}) is not stored in its description; load its file and compare fingerprints (${d.fingerprint})`);
}
