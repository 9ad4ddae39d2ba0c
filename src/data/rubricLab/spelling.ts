// Spelling: copy five words exactly; the response misspells some. The CoT checks the response
// against the reference word by word with a running count of the misspelt ones.
import { positionSteps } from '../procedural/steps.ts';
import { misspell as typo } from '../procedural/vocabulary.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';
import { fivePoint } from '../levels.ts';

const WORDS = [
  'apple', 'river', 'stone', 'bread', 'green', 'house', 'water', 'light', 'chair', 'table',
  'plant', 'cloud', 'music', 'paper', 'horse', 'smile', 'train', 'beach', 'clock', 'dream',
  'honey', 'lemon', 'night', 'ocean', 'pilot', 'queen', 'robot', 'sugar', 'tiger', 'voice',
];
const COUNT = 5;
/** Score -> allowed number of misspelled words. */
const BANDS: Record<number, [number, number]> = { 5: [0, 0], 4: [1, 1], 3: [2, 2], 2: [3, 3], 1: [4, 5] };
/** One typical typo (drop, swap, double or change a vowel) that is not itself a list word. */
export function misspell(rng: Rng, word: string): string {
  return typo(rng, word, WORDS);
}

export const spelling: Family = {
  name: 'spelling',
  rubric: {
    criteria: 'Are the words copied exactly?',
    levels: fivePoint(['4 or more errors', '3 errors', '2 errors', '1 error', 'no errors']),
  },
  generate(rng, score) {
    const words = rng.shuffled(WORDS).slice(0, COUNT);
    const [lo, hi] = BANDS[score]!;
    const errors = rng.int(lo, hi);
    const wrong = new Set(rng.shuffled([...Array(COUNT).keys()]).slice(0, errors));
    const typed = words.map((w, i) => (wrong.has(i) ? misspell(rng, w) : w));
    const cot = `Compare the response with the reference: ${positionSteps(typed, words).text}`;
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
