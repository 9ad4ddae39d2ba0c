// Words for the procedural corpus: plain English nouns, verbs and adjectives for sentences and
// lists, and the typos the position checks compare against. General text, not judge data.
import type { Rng } from '../rng.ts';

export const NOUNS = [
  'cat', 'dog', 'bird', 'fish', 'fox', 'frog', 'duck', 'horse', 'cow', 'bee', 'girl', 'boy', 'man', 'woman',
  'child', 'king', 'queen', 'farmer', 'baker', 'sailor', 'apple', 'river', 'stone', 'bread', 'house', 'water',
  'light', 'chair', 'table', 'plant', 'cloud', 'music', 'paper', 'smile', 'train', 'beach', 'clock', 'dream',
  'honey', 'lemon', 'night', 'ocean', 'pilot', 'robot', 'sugar', 'tiger', 'voice', 'ball', 'book', 'boat',
  'car', 'cup', 'door', 'hat', 'key', 'lamp', 'moon', 'star', 'sun', 'tree', 'hill', 'road', 'bed', 'grass',
  'lake', 'park', 'box', 'wall', 'mat', 'garden', 'window', 'shoe', 'coat', 'bell', 'cake', 'milk', 'egg',
] as const;
export const VERBS = [
  'sat', 'ran', 'slept', 'played', 'jumped', 'sang', 'swam', 'walked', 'hid', 'ate', 'saw', 'found', 'made',
  'took', 'gave', 'liked', 'watched', 'waited', 'laughed', 'looked', 'danced', 'read', 'drew', 'cooked',
] as const;
export const ADJECTIVES = [
  'big', 'small', 'red', 'happy', 'old', 'little', 'brown', 'lazy', 'quick', 'warm', 'soft', 'green', 'blue',
  'tall', 'short', 'kind', 'cold', 'bright', 'dark', 'new', 'sweet', 'loud', 'quiet', 'funny', 'wet', 'dry',
] as const;
export const PREPOSITIONS = ['on', 'by', 'under', 'near', 'in', 'over', 'behind', 'with'] as const;
export const ADVERBS = ['today', 'again', 'slowly', 'alone', 'quickly', 'twice', 'later', 'there'] as const;
export const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');

/** A simple sentence of exactly n words (3 ≤ n ≤ 16), first letter capitalised, ending in ".". */
export function plainSentence(rng: Rng, n: number): string {
  if (!Number.isInteger(n) || n < 3 || n > 16) throw new RangeError(`sentence length ${n} is outside 3..16`);
  // the [adj…] noun verb [prep the [adj…] noun]… [adverb]
  const words: string[] = ['the'];
  let left = n - 1;
  const adjs = (k: number) => rng.shuffled(ADJECTIVES).slice(0, k);
  // Subject: up to 2 adjectives, leaving room for noun + verb.
  const a = Math.min(2, Math.max(0, left - 2), rng.int(0, 2));
  words.push(...adjs(a), rng.pick(NOUNS), rng.pick(VERBS));
  left -= a + 2;
  while (left >= 3) {
    const b = Math.min(2, left - 3, rng.int(0, 2));
    words.push(rng.pick(PREPOSITIONS), 'the', ...adjs(b), rng.pick(NOUNS));
    left -= 3 + b;
  }
  if (left === 2) {
    const first = rng.pick(ADVERBS);
    words.push(first, rng.pick(ADVERBS.filter((x) => x !== first)));
  }
  else if (left === 1) words.push(rng.pick(ADVERBS));
  const text = words.join(' ');
  return text[0]!.toUpperCase() + text.slice(1) + '.';
}

const VOWELS = 'aeiou';

/**
 * One typical typo of `word` (length ≥ 3): drop, swap, double or change a vowel, never at the first
 * letter. Never returns the word itself or a word in `avoid`.
 */
export function misspell(rng: Rng, word: string, avoid: readonly string[] = []): string {
  if (word.length < 3) throw new RangeError(`cannot misspell '${word}': fewer than 3 letters`);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const i = rng.int(1, word.length - 1);
    const kind = rng.int(0, 3);
    let w: string;
    if (kind === 0) w = word.slice(0, i) + word.slice(i + 1);
    else if (kind === 1) w = word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1);
    else if (kind === 2) w = word.slice(0, i) + word[i] + word.slice(i);
    else {
      const vowels = [...word].map((ch, j) => (j >= 1 && VOWELS.includes(ch) ? j : -1)).filter((j) => j >= 0);
      if (vowels.length === 0) continue;
      const v = rng.pick(vowels);
      w = word.slice(0, v) + rng.pick([...VOWELS].filter((x) => x !== word[v])) + word.slice(v + 1);
    }
    if (w !== word && !avoid.includes(w)) return w;
  }
  throw new Error(`no typo of '${word}' avoids the given words`);
}
