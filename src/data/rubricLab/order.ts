// Letter order: sort letters alphabetically or reverse a list; the response has some positions
// wrong. The CoT checks the response against the reference answer (the right order) position by
// position with a running count of the wrong ones.
import { positionSteps } from '../procedural/steps.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';
import { fivePoint } from '../levels.ts';

const LENGTH = 6;
/** Score -> allowed number of wrong positions (exactly one wrong position is impossible). */
const BANDS: Record<number, [number, number]> = { 5: [0, 0], 4: [2, 2], 3: [3, 3], 2: [4, 4], 1: [5, 6] };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');

/** A derangement of `items` (no item stays in place); items are distinct. */
function derange<T>(rng: Rng, items: T[]): T[] {
  for (;;) {
    const p = rng.shuffled(items);
    if (p.every((x, i) => x !== items[i])) return p;
  }
}

export const order: Family = {
  name: 'order',
  rubric: {
    criteria: 'Are the letters in the right order?',
    levels: fivePoint(['5 or 6 wrong', '4 wrong', '3 wrong', '2 wrong', 'all in place']),
  },
  generate(rng, score) {
    const letters = rng.shuffled(LETTERS).slice(0, LENGTH);
    const reverse = rng.next() < 0.5;
    const right = reverse ? letters.slice().reverse() : letters.slice().sort();
    const [lo, hi] = BANDS[score]!;
    const wrongCount = rng.int(lo, hi);
    const positions = rng.shuffled([...Array(LENGTH).keys()]).slice(0, wrongCount).sort((x, y) => x - y);
    const moved = derange(rng, positions.map((p) => right[p]!));
    const response = right.slice();
    positions.forEach((p, i) => (response[p] = moved[i]!));
    const cot = `Compare the response with the reference: ${positionSteps(response, right).text}`;
    return {
      instruction: `${reverse ? 'Reverse' : 'Sort'} these letters: ${letters.join(' ')}`,
      response: response.join(' '),
      referenceAnswer: right.join(' '),
      cot,
      score,
      latent: score + bandOffset(wrongCount, lo, hi),
      facts: { task: reverse ? 'reverse' : 'sort', wrong: wrongCount },
    };
  },
};
