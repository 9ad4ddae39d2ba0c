// Arithmetic: the response's answer is off by some amount. The reference answer holds the right
// result; the CoT compares the two numbers and subtracts the smaller from the larger column by
// column (the procedure the base model learned from the procedural corpus), and the rubric maps the
// difference to a score.
import { distanceSteps } from '../procedural/steps.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';

/** Score -> allowed |answer − correct|. */
const BANDS: Record<number, [number, number]> = { 5: [0, 0], 4: [1, 1], 3: [2, 3], 2: [4, 6], 1: [7, 12] };

function problem(rng: Rng): { a: number; op: string; b: number; correct: number } {
  const op = rng.pick(['+', '-', '*']);
  if (op === '+') {
    const a = rng.int(10, 99);
    const b = rng.int(10, 99);
    return { a, op, b, correct: a + b };
  }
  if (op === '-') {
    const a = rng.int(30, 99);
    const b = rng.int(10, a - 10);
    return { a, op, b, correct: a - b };
  }
  const a = rng.int(3, 9);
  const b = rng.int(3, 19);
  return { a, op, b, correct: a * b };
}

export const arithmetic: Family = {
  name: 'arithmetic',
  rubric: {
    criteria: 'Is the answer correct?',
    score1: 'off by 7 or more',
    score2: 'off by 4 to 6',
    score3: 'off by 2 or 3',
    score4: 'off by 1',
    score5: 'exactly right',
  },
  generate(rng, score) {
    const { a, op, b, correct } = problem(rng);
    const [lo, hi] = BANDS[score]!;
    const off = rng.int(lo, hi);
    const given = off === 0 ? correct : correct - off < 0 || rng.next() < 0.5 ? correct + off : correct - off;
    const expr = `${a} ${op} ${b}`;
    const response = rng.next() < 0.5 ? `${expr} = ${given}` : `The answer is ${given}.`;
    const d = distanceSteps(given, correct);
    const cot = `The response gives ${given} and the reference gives ${correct}. ${d.text} The difference is ${d.distance}.`;
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
