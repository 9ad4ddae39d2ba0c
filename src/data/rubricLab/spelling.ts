// Spelling: copy five words exactly; the response misspells some. The CoT lists each misspelling
// with the right word and counts them.
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';

const WORDS = [
  'apple', 'river', 'stone', 'bread', 'green', 'house', 'water', 'light', 'chair', 'table',
  'plant', 'cloud', 'music', 'paper', 'horse', 'smile', 'train', 'beach', 'clock', 'dream',
  'honey', 'lemon', 'night', 'ocean', 'pilot', 'queen', 'robot', 'sugar', 'tiger', 'voice',
];
const COUNT = 5;
/** Score -> allowed number of misspelled words. */
const BANDS: Record<number, [number, number]> = { 5: [0, 0], 4: [1, 1], 3: [2, 2], 2: [3, 3], 1: [4, 5] };
const VOWELS = 'aeiou';

/** One typical typo: drop, swap, double or change a vowel. Never returns the word itself or another list word. */
export function misspell(rng: Rng, word: string): string {
  for (;;) {
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
    if (w !== word && !WORDS.includes(w)) return w;
  }
}

export const spelling: Family = {
  name: 'spelling',
  rubric: {
    criteria: 'Are the words copied exactly?',
    score1: '4 or more errors',
    score2: '3 errors',
    score3: '2 errors',
    score4: '1 error',
    score5: 'no errors',
  },
  generate(rng, score) {
    const words = rng.shuffled(WORDS).slice(0, COUNT);
    const [lo, hi] = BANDS[score]!;
    const errors = rng.int(lo, hi);
    const wrong = new Set(rng.shuffled([...Array(COUNT).keys()]).slice(0, errors));
    const typed = words.map((w, i) => (wrong.has(i) ? misspell(rng, w) : w));
    const pairs = [...wrong].sort((x, y) => x - y).map((i) => `${typed[i]} should be ${words[i]}`);
    const cot =
      errors === 0
        ? 'Every word matches, so there are 0 errors.'
        : `Wrong words: ${pairs.join(', ')}. That is ${errors} ${errors === 1 ? 'error' : 'errors'}.`;
    return {
      instruction: `Copy these words: ${words.join(' ')}`,
      response: typed.join(' '),
      referenceAnswer: words.join(' '),
      cot,
      score,
      latent: score + bandOffset(errors, lo, hi, 0.25),
      facts: { errors },
    };
  },
};
