// Rubric Lab, the built-in dataset: short judge examples whose right score needs a small
// computation that the reference chain of thought spells out, with three noisy annotator scores.
//
// Deterministic from the seed. Each split has its own random stream, and splits are generated
// test, dev, train, each skipping any (instruction, response) already used, so the splits are
// disjoint and the test set does not change when the train size does. Within a split, examples
// cycle through every (family, score) pair in shuffled blocks, so families and scores 1..5 are
// balanced. Annotator j's score is round(latent + noise·N(0,1)) clamped to 1..5; the label is the
// mean of the three, so it is often fractional (an expected-value read-out can match it, an argmax
// cannot).
import { createRng, type Rng } from '../rng.ts';
import { SCORE_PROMPT_SUFFIX } from '../tokenizers/scoreTokens.ts';
import type { JudgeExample, Split } from '../types.ts';
import { arithmetic } from './arithmetic.ts';
import type { Family } from './family.ts';
import { order } from './order.ts';
import { spelling } from './spelling.ts';
import { wordLimit } from './wordLimit.ts';

export const RUBRIC_LAB_FAMILIES: readonly Family[] = [arithmetic, order, wordLimit, spelling];

export interface RubricLabOptions {
  seed?: number | string;
  train?: number;
  dev?: number;
  test?: number;
  /** Standard deviation of each annotator's noise around the latent quality (default 0.6). */
  noise?: number;
  /** Number of annotators per example (default 3). */
  annotators?: number;
  /** Restrict to some families by name (default all; with levels 10, those that have a 1–10 variant). */
  families?: string[];
  /** The rubric scale: 5 (the paper's 1..5, default) or 10 (the 1–10 variant, labels "1".."9","0";
   *  the arithmetic and word-limit families, whose defects span ten bands). */
  levels?: 5 | 10;
}

export interface RubricLab {
  train: JudgeExample[];
  dev: JudgeExample[];
  test: JudgeExample[];
}

export const RUBRIC_LAB_DEFAULTS = { seed: 1, train: 2000, dev: 200, test: 500, noise: 0.6, annotators: 3 } as const;

function annotate(rng: Rng, latent: number, noise: number, n: number, top: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < n; j++) out.push(Math.min(top, Math.max(1, Math.round(latent + noise * rng.normal()))));
  return out;
}

export function generateRubricLab(options: RubricLabOptions = {}): RubricLab {
  const o = { ...RUBRIC_LAB_DEFAULTS, ...options };
  for (const k of ['train', 'dev', 'test', 'annotators'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new RangeError(`${k} must be a non-negative integer, got ${o[k]}`);
  }
  if (o.annotators < 1) throw new RangeError('annotators must be at least 1');
  if (!(o.noise >= 0)) throw new RangeError(`noise must be >= 0, got ${o.noise}`);
  const top = options.levels ?? 5;
  if (top !== 5 && top !== 10) throw new RangeError(`levels must be 5 or 10, got ${String(options.levels)}`);
  const known = top === 10 ? RUBRIC_LAB_FAMILIES.filter((f) => f.tenLevels) : RUBRIC_LAB_FAMILIES;
  const families = options.families ? known.filter((f) => options.families!.includes(f.name)) : known;
  if (families.length === 0) throw new RangeError(`no family matches ${JSON.stringify(options.families)}; known${top === 10 ? ' with a 1–10 variant' : ''}: ${known.map((f) => f.name).join(', ')}`);
  const rubricOf = (f: Family) => (top === 10 ? f.tenLevels!.rubric : f.rubric);

  const used = new Set<string>();
  const make = (split: Split, count: number): JudgeExample[] => {
    const rng = createRng(o.seed, `rubric-lab/${split}`);
    const cells = families.flatMap((f) => Array.from({ length: top }, (_, k) => ({ f, score: k + 1 })));
    const out: JudgeExample[] = [];
    let block: typeof cells = [];
    while (out.length < count) {
      if (block.length === 0) block = rng.shuffled(cells);
      const { f, score } = block.pop()!;
      let ex;
      for (let attempt = 0; ; attempt++) {
        ex = top === 10 ? f.generate(rng, score, f.tenLevels!.bands) : f.generate(rng, score);
        const key = `${ex.instruction}\n${ex.response}`;
        if (!used.has(key)) {
          used.add(key);
          break;
        }
        if (attempt > 1000) throw new Error(`rubric lab: family ${f.name} cannot make another distinct example with score ${score}`);
      }
      const scores = annotate(rng, ex.latent, o.noise, o.annotators, top);
      const rubric = rubricOf(f);
      const label = rubric.levels.find((l) => l.value === ex.score)!.label;
      const i = out.length;
      out.push({
        id: `rubric-lab-${split}-${String(i).padStart(5, '0')}`,
        instruction: ex.instruction,
        response: ex.response,
        referenceAnswer: ex.referenceAnswer,
        rubric: { criteria: rubric.criteria, levels: rubric.levels.map((l) => ({ ...l })) },
        feedback: ex.cot + SCORE_PROMPT_SUFFIX + label,
        feedbackScore: ex.score,
        scores,
        label: scores.reduce((a, b) => a + b, 0) / scores.length,
        source: 'rubric-lab',
        split,
        extras: { family: f.name, latent: Math.round(ex.latent * 1000) / 1000, ...ex.facts },
      });
    }
    return out;
  };
  const test = make('test', o.test);
  const dev = make('dev', o.dev);
  const train = make('train', o.train);
  return { train, dev, test };
}

/** All examples of a Rubric Lab set, in train, dev, test order. */
export function allExamples(lab: RubricLab): JudgeExample[] {
  return [...lab.train, ...lab.dev, ...lab.test];
}
