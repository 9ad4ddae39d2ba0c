// The score-token invariant every tokenizer must satisfy (DESIGN.md §1): after the score prompt
// suffix, each digit "1".."5" is exactly one more token and the tokens before it do not change.
// Then the logits at the last position of the read-out prompt are the ones for the score token.
import { hash32 } from '../rng.ts';
import type { Tokenizer } from './types.ts';

/** The text the score digit follows, in training targets and at CoT-RAIL read-out. */
export const SCORE_PROMPT_SUFFIX = ' So the overall score is ';
export const SCORE_DIGITS = ['1', '2', '3', '4', '5'] as const;

/**
 * For each label d (the digits "1".."5" unless other score labels are given), compare
 * encode(context) with encode(context + d): the latter must be the former plus exactly one token.
 * Returns those tokens in label order or throws naming the first failure.
 */
export function findScoreTokenIds(encode: (text: string) => number[], context = SCORE_PROMPT_SUFFIX.trimStart(), labels: readonly string[] = SCORE_DIGITS): number[] {
  const base = encode(context);
  return labels.map((d) => {
    const withDigit = encode(context + d);
    const samePrefix = withDigit.length === base.length + 1 && base.every((t, i) => withDigit[i] === t);
    if (!samePrefix) {
      throw new Error(
        `score label "${d}" is not a single token after ${JSON.stringify(context)}: ` +
          `encode(context) = [${base.join(', ')}], encode(context + "${d}") = [${withDigit.join(', ')}]`,
      );
    }
    return withDigit[withDigit.length - 1]!;
  });
}

/** A short hex fingerprint of a list of strings (vocabularies, merges). */
export function fingerprint(parts: Iterable<string>): string {
  let h1 = 0x811c9dc5;
  let h2 = 0;
  let n = 0;
  for (const p of parts) {
    h1 = hash32(p, h1);
    h2 = hash32(p, h2 ^ ++n);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

const levelIds = new WeakMap<object, Map<string, number[]>>();

/**
 * The token ids of a scale's labels after the score prompt (findScoreTokenIds), cached per tokenizer
 * and scale; the default labels "1".."5" are the tokenizer's own scoreTokenIds(). Throws naming the
 * label that is not a single token.
 */
export function levelTokenIds(tokenizer: Pick<Tokenizer, 'scoreTokenIds' | 'encode'>, levels: readonly { label: string }[]): number[] {
  const labels = levels.map((l) => l.label);
  if (labels.join() === SCORE_DIGITS.join()) return tokenizer.scoreTokenIds();
  let byScale = levelIds.get(tokenizer);
  if (!byScale) levelIds.set(tokenizer, (byScale = new Map()));
  const key = labels.join('\u0000');
  let ids = byScale.get(key);
  if (!ids) {
    ids = findScoreTokenIds((t) => tokenizer.encode(t), undefined, labels);
    if (new Set(ids).size !== ids.length) throw new Error(`score labels ${labels.map((l) => JSON.stringify(l)).join(', ')} do not map to distinct tokens`);
    byScale.set(key, ids);
  }
  return ids;
}
