// Arithmetic: the response's answer is off by some amount. The reference answer holds the right
// result; the CoT compares the two numbers and subtracts the smaller from the larger column by
// column (the procedure the base model learned from the procedural corpus), and the rubric maps the
// difference to a score.
//
// The reference answer is the bare result ("147", not "88 + 59 = 147"), and the CoT copies it under
// the prompt's own marker: "The response gives 112. Reference: 147." With the expression repeated,
// "= " came before both numbers, and on the dev split (docs/dev-table.md, runs W–Y) the small model
// wrote the response's number again ("gives 42 and the reference gives 42") on most seeds; with the
// bare number after "the reference gives" it copied the reference on some training seeds and not on
// others (runs Z, AA). Writing "Reference:" again makes the copy the plainest one there is — the
// token after the same marker earlier in the text (the compact template's, the default) — and it
// was copied on every seed tried (AB, AC).
// The response's number had the same weakness in responses of the form "a op b = N": on some
// training and data seeds the stage-1 model wrote the expression's or the reference's digits for N
// ("59 - 45 = 37" → "The response gives 17"), while "The answer is N." was always read right. So the
// CoT first restates the response's line under the prompt's own marker ("Response: 59 - 45 = 37." —
// a token-by-token copy, which the base learned), and N is then the last number just written
// (docs/dev-table.md, runs AM–AP).
// Score 1 spans offsets 7–40 (the rubric says "off by 7 or more"), so a second number written near
// the first is not a safe guess either.
import { distanceSteps } from '../procedural/steps.ts';
import type { Rng } from '../rng.ts';
import { bandOffset, type Family } from './family.ts';
import { digitLevels, fivePoint } from '../levels.ts';

/** Score -> allowed |answer − correct|. */
const BANDS: Record<number, [number, number]> = { 5: [0, 0], 4: [1, 1], 3: [2, 3], 2: [4, 6], 1: [7, 40] };
/** The 1–10 variant: score -> allowed |answer − correct|. */
const BANDS_10: Record<number, [number, number]> = { 10: [0, 0], 9: [1, 1], 8: [2, 2], 7: [3, 3], 6: [4, 4], 5: [5, 6], 4: [7, 8], 3: [9, 10], 2: [11, 13], 1: [14, 18] };

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
    const { a, op, b, correct } = problem(rng);
    const [lo, hi] = bands[score]!;
    const off = rng.int(lo, hi);
    const given = off === 0 ? correct : correct - off < 0 || rng.next() < 0.5 ? correct + off : correct - off;
    const expr = `${a} ${op} ${b}`;
    const response = rng.next() < 0.5 ? `${expr} = ${given}` : `The answer is ${given}.`;
    const d = distanceSteps(given, correct);
    const cot = `Response: ${response.replace(/\.$/, '')}. The response gives ${given}. Reference: ${correct}. ${d.text} The difference is ${d.distance}.`;
    return {
      instruction: `What is ${expr}?`,
      response,
      referenceAnswer: String(correct),
      cot,
      score,
      latent: score + bandOffset(off, lo, hi),
      facts: { correct, given, off },
    };
  },
};
