// Word limit: write about an animal in at most L words; the response may run over. The CoT states
// the limit, counts the response's words one by one, compares the count with the limit and, when
// over, subtracts (the corpus's counting and column procedures).
import { compareSteps, countableWords, countingSteps, distanceSteps } from '../procedural/steps.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';
import { digitLevels, fivePoint } from '../levels.ts';

/** Score -> allowed (words − limit). */
const BANDS: Record<number, [number, number]> = { 5: [-2, 0], 4: [1, 1], 3: [2, 2], 2: [3, 4], 1: [5, 6] };
/** The 1–10 variant: score -> allowed (words − limit). */
const BANDS_10: Record<number, [number, number]> = { 10: [-2, 0], 9: [1, 1], 8: [2, 2], 7: [3, 3], 6: [4, 4], 5: [5, 5], 4: [6, 6], 3: [7, 7], 2: [8, 8], 1: [9, 9] };

const ANIMALS = ['cat', 'dog', 'bird', 'fish', 'fox', 'frog', 'duck', 'horse', 'cow', 'bee'];
const VERBS = ['sat', 'ran', 'slept', 'played', 'jumped', 'sang', 'swam', 'walked', 'hid', 'ate'];
const ADJECTIVES = ['big', 'small', 'red', 'happy', 'old', 'little', 'brown', 'lazy', 'quick', 'warm', 'soft', 'green'];
const PLACES = ['mat', 'tree', 'hill', 'road', 'bed', 'grass', 'lake', 'park', 'box', 'wall'];
const PREPOSITIONS = ['on', 'by', 'under', 'near', 'in'];
const ENDINGS: Record<number, string[]> = {
  1: ['today', 'again', 'slowly', 'alone'],
  2: ['all day', 'at night', 'every day'],
  3: ['all day long', 'with a friend', 'in the sun'],
};

/** A sentence about `animal` with exactly n words, 3 <= n <= 13. */
export function sentence(rng: Rng, animal: string, n: number): string {
  if (n < 3 || n > 13) throw new RangeError(`sentence length ${n} is outside 3..13`);
  // the [adj…] animal verb [prep the [adj…] place] [ending]: 3 + a + (3 + b) + e words.
  let rest = n - 3;
  const hasPlace = rest >= 3 && (rest > 5 || rng.next() < 0.7);
  if (hasPlace) rest -= 3;
  const capA = 2;
  const capB = hasPlace ? 2 : 0;
  const endingChoices = [0, 1, 2, 3].filter((e) => e <= rest && rest - e <= capA + capB);
  const e = rng.pick(endingChoices);
  rest -= e;
  let a = 0;
  let b = 0;
  while (rest > 0) {
    if (a < capA && (b >= capB || rng.next() < 0.5)) a++;
    else b++;
    rest--;
  }
  const adjs = rng.shuffled(ADJECTIVES);
  const words = ['the', ...adjs.slice(0, a), animal, rng.pick(VERBS)];
  if (hasPlace) words.push(rng.pick(PREPOSITIONS), 'the', ...adjs.slice(a, a + b), rng.pick(PLACES));
  if (e > 0) words.push(rng.pick(ENDINGS[e]!));
  const text = words.join(' ');
  return text[0]!.toUpperCase() + text.slice(1) + '.';
}

export function countWords(text: string): number {
  return countableWords(text).length;
}

export const wordLimit: Family = {
  name: 'word-limit',
  rubric: {
    criteria: 'Does it keep to the word limit?',
    levels: fivePoint(['5 or more words over', '3 or 4 words over', '2 words over', '1 word over', 'within the limit']),
  },
  tenLevels: {
    rubric: {
      criteria: 'Does it keep to the word limit?',
      levels: digitLevels(['9 or more words over', '8 words over', '7 words over', '6 words over', '5 words over', '4 words over', '3 words over', '2 words over', '1 word over', 'within the limit']),
    },
    bands: BANDS_10,
  },
  generate(rng, score, bands = BANDS) {
    const [lo, hi] = bands[score]!;
    // A sentence has at most 13 words: a long overrun needs a short limit (7 for every five-level band).
    const limit = rng.int(4, Math.min(7, 13 - Math.max(hi, 0)));
    const animal = rng.pick(ANIMALS);
    const over = rng.int(Math.max(lo, 3 - limit), hi); // a sentence has at least 3 words
    const words = limit + over;
    const response = sentence(rng, animal, words);
    const reference = sentence(rng, animal, rng.int(Math.max(3, limit - 1), limit));
    const counted = countableWords(response);
    if (counted.length !== words) throw new Error(`word-limit: the sentence has ${counted.length} countable words, expected ${words}`);
    const work = over > 0 ? `${distanceSteps(words, limit).text} That is ${over} over.` : `${compareSteps(words, limit).text} That is within.`;
    const cot = `The limit is ${limit}. ${countingSteps(counted)} ${work}`;
    return {
      instruction: `Write about a ${animal} in at most ${limit} words.`,
      response,
      referenceAnswer: reference,
      cot,
      score,
      latent: score + (over <= 0 ? 0 : bandOffset(over, lo, hi, 0.25)),
      facts: { limit, words, over },
    };
  },
};
