// A loaded file's examples split into train / dev / test for a run: by the file's own split field
// (Prometheus and tract files may carry one), or at random with the fractions the user sets (seeded,
// so a resume or a rerun gets the same split). Also what the file offers for the CoT methods: how
// many training examples carry a reference CoT (their feedback).
import { referenceCot } from './example.ts';
import { createRng, hash32 } from './rng.ts';
import type { JudgeExample } from './types.ts';

export type SplitChoice = { kind: 'file' } | { kind: 'random'; dev: number; test: number; seed: number };

export interface SplitData {
  train: JudgeExample[];
  dev: JudgeExample[];
  test: JudgeExample[];
  /** How the split was made, in words (for the report and the UI). */
  how: string;
}

/** Whether every example names its split and there are training and test examples among them. */
export function fileSplitUsable(examples: readonly JudgeExample[]): string | null {
  const missing = examples.filter((ex) => !ex.split).length;
  if (missing > 0) return `${missing} of ${examples.length} rows have no split field`;
  if (!examples.some((ex) => ex.split === 'train')) return 'no row has split "train"';
  if (!examples.some((ex) => ex.split === 'test')) return 'no row has split "test"';
  return null;
}

/** The default: the file's own split when it is usable, else a seeded random 70/10/20. */
export function defaultSplit(examples: readonly JudgeExample[], seed = 1): SplitChoice {
  return fileSplitUsable(examples) === null ? { kind: 'file' } : { kind: 'random', dev: 0.1, test: 0.2, seed };
}

export function splitExamples(examples: readonly JudgeExample[], choice: SplitChoice): SplitData {
  if (choice.kind === 'file') {
    const bad = fileSplitUsable(examples);
    if (bad) throw new Error(`cannot split by the file's split field: ${bad}; choose a random split instead`);
    const of = (s: string) => examples.filter((ex) => ex.split === s);
    return { train: of('train'), dev: of('dev'), test: of('test'), how: "the file's own split field" };
  }
  const { dev, test, seed } = choice;
  for (const [k, v] of [['dev', dev], ['test', test]] as const) {
    if (!Number.isFinite(v) || v < 0 || v >= 1) throw new Error(`the ${k} fraction must be in [0, 1), got ${v}`);
  }
  if (dev + test >= 1) throw new Error(`dev (${dev}) and test (${test}) fractions leave nothing to train on`);
  const n = examples.length;
  const nTest = Math.max(1, Math.round(n * test));
  const nDev = Math.round(n * dev);
  if (n - nTest - nDev < 1) throw new Error(`${n} examples are too few for a split with ${nTest} test and ${nDev} dev examples and at least one to train on`);
  // Seeded by the seed and the ids, so the same file and seed always give the same split.
  const order = createRng(hash32(examples.map((ex) => ex.id).join('\n'), seed), 'split').shuffled(examples.map((_, i) => i));
  const pick = (from: number, to: number) =>
    order
      .slice(from, to)
      .sort((a, b) => a - b)
      .map((i) => ({ ...examples[i] }));
  const testEx = pick(0, nTest).map((ex) => ({ ...ex, split: 'test' as const }));
  const devEx = pick(nTest, nTest + nDev).map((ex) => ({ ...ex, split: 'dev' as const }));
  const trainEx = pick(nTest + nDev, n).map((ex) => ({ ...ex, split: 'train' as const }));
  return { train: trainEx, dev: devEx, test: testEx, how: `a random split (seed ${seed}): ${Math.round(test * 100)}% test, ${Math.round(dev * 100)}% dev, the rest train` };
}

/** How many examples carry a reference CoT (feedback with text before its score). */
export function withReferenceCot(examples: readonly JudgeExample[]): number {
  return examples.filter((ex) => referenceCot(ex).trim() !== '').length;
}
