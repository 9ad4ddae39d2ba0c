// Word limit: write about an animal in at most L words; the response may run over. The CoT states
// the limit, counts the response's words one by one, compares the count with the limit and, when
// over, subtracts (the corpus's counting and column procedures).
import { compareSteps, countableWords, countingSteps, distanceSteps } from '../procedural/steps.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';

/** Score -> allowed (words − limit). */
const BANDS: Record<number, [number, number]> = { 5: [-2, 0], 4: [1, 1], 3: [2, 2], 2: [3, 4], 1: [5, 6] };

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
    score1: '5 or more words over',
    score2: '3 or 4 words over',
    score3: '2 words over',
    score4: '1 word over',
    score5: 'within the limit',
  },
  generate(rng, score) {
    const limit = rng.int(4, 7);
    const animal = rng.pick(ANIMALS);
    const [lo, hi] = BANDS[score]!;
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
