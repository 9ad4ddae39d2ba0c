// Arithmetic: the response's answer to a sum or a difference of two numbers is off by some amount.
// The CoT works the task out itself, column by column (as the procedural corpus's "Add 47 and 38.
// 47+38: 7+8=15 carry 1, …"), then compares the response's number with that result and subtracts the
// smaller from the larger (the corpus's distance), and the rubric maps the difference to a score.
// The reference answer holds the same result, so a method without a CoT sees it too.
// Why the CoT computes rather than copies the reference's number: fine-tuned from the shipped base,
// stage-1 models copied the response's number (246 of 250 self-CoTs on the train split) but wrote a
// number near it instead of the reference's (16 of 250 right): the digits after the second "=" are a
// lookup no corpus procedure teaches, while copying two operands and adding or subtracting them is
// what the base does 20 of 20 times (public/base/README.md). Products are left out for the same
// reason: the corpus has no multiplication.
import { additionSteps, distanceSteps, subtractionSteps } from '../procedural/steps.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';
import { digitLevels, fivePoint } from '../levels.ts';

/** Score -> allowed |answer − correct|. */
const BANDS: Record<number, [number, number]> = { 5: [0, 0], 4: [1, 1], 3: [2, 3], 2: [4, 6], 1: [7, 12] };
/** The 1–10 variant: score -> allowed |answer − correct|. */
const BANDS_10: Record<number, [number, number]> = { 10: [0, 0], 9: [1, 1], 8: [2, 2], 7: [3, 3], 6: [4, 4], 5: [5, 6], 4: [7, 8], 3: [9, 10], 2: [11, 13], 1: [14, 18] };

function problem(rng: Rng): { a: number; op: string; b: number; correct: number; work: string } {
  if (rng.next() < 0.5) {
    const a = rng.int(10, 99);
    const b = rng.int(10, 99);
    return { a, op: '+', b, correct: a + b, work: additionSteps(a, b) };
  }
  const a = rng.int(30, 99);
  const b = rng.int(10, a - 10);
  return { a, op: '-', b, correct: a - b, work: subtractionSteps(a, b) };
}

export const arithmetic: Family = {
  name: 'arithmetic',
  rubric: {
    criteria: 'Is the answer correct?',
    levels: fivePoint(['off by 7 or more', 'off by 4 to 6', 'off by 2 or 3', 'off by 1', 'exactly right']),
  },
  tenLevels: {
    rubric: {
      criteria: 'Is the answer correct?',
      levels: digitLevels(['off by 14 or more', 'off by 11 to 13', 'off by 9 or 10', 'off by 7 or 8', 'off by 5 or 6', 'off by 4', 'off by 3', 'off by 2', 'off by 1', 'exactly right']),
    },
    bands: BANDS_10,
  },
  generate(rng, score, bands = BANDS) {
    const { a, op, b, correct, work } = problem(rng);
    const [lo, hi] = bands[score]!;
    const off = rng.int(lo, hi);
    const given = off === 0 ? correct : correct - off < 0 || rng.next() < 0.5 ? correct + off : correct - off;
    const expr = `${a} ${op} ${b}`;
    const response = rng.next() < 0.5 ? `${expr} = ${given}` : `The answer is ${given}.`;
    const d = distanceSteps(given, correct);
    const cot = `${work} The response gives ${given}. ${d.text} The difference is ${d.distance}.`;
    return {
      instruction: `What is ${expr}?`,
      response,
      referenceAnswer: `${expr} = ${correct}`,
      cot,
      score,
      latent: score + bandOffset(off, lo, hi),
      facts: { correct, given, off },
    };
  },
};
