// What a Rubric Lab task family provides. A family is given the rubric score it must produce and
// returns an example whose defects give exactly that score, with a reference chain of thought that
// states the check (the numbers it compares) and a latent quality near the score.
import type { Rng } from '../rng.ts';
import type { Rubric } from '../types.ts';

export interface FamilyExample {
  instruction: string;
  response: string;
  referenceAnswer: string;
  /** The check spelled out, without the final "So the overall score is N". */
  cot: string;
  /** The rubric score the check gives, 1..5 (1..10 in the 1–10 variant). */
  score: number;
  /**
   * Quality on a continuous scale: the score plus a small offset for where the defect sits inside
   * the score's band (off by 2 is a bit better than off by 3, both score 3). Annotators see this.
   */
  latent: number;
  /** The numbers behind the check (for tests and the docs), e.g. {correct: 85, given: 88, off: 3}. */
  facts: Record<string, number | string>;
}

export interface Family {
  name: string;
  rubric: Rubric;
  /** The 1–10 variant (Rubric Lab's levels: 10), for the families whose defects span ten bands:
   *  its rubric (labels "1".."9","0", valued 1..10) and score → defect band. */
  tenLevels?: { rubric: Rubric; bands: Record<number, [number, number]> };
  /** An example with the given score; `bands` replaces the family's five (the 1–10 variant). */
  generate(rng: Rng, score: number, bands?: Record<number, [number, number]>): FamilyExample;
}

/**
 * A band: the defect sizes that give one score. `offset(x)` spreads them evenly over
 * [+spread, −spread] (the smallest defect in the band is the best), 0 for a one-value band.
 */
export function bandOffset(value: number, lo: number, hi: number, spread = 0.3): number {
  if (hi === lo) return 0;
  return spread - (2 * spread * (value - lo)) / (hi - lo);
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly (string | number)[]): string {
  if (items.length <= 1) return items.map(String).join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
