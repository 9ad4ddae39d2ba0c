// A run on the user's own file (the one loaded in the Data view): its examples split as the user
// chose, the run's config sized to that split, and the rule for the CoT methods — every method but
// the two label-only ones trains on reference CoTs (stage 1, CoT-CE) or on what a stage-1 model
// wrote, so a file whose training examples carry no feedback can only train those two.
import { splitExamples, withReferenceCot, type JudgeExample, type SplitChoice } from '../data/index.ts';
import type { ExperimentConfig } from '../eval/config.ts';
import type { ExperimentData } from '../eval/experiment.ts';
import { LABEL_ONLY_METHODS, referenceCotProblem } from './method_needs.ts';
import type { RunMeta } from './protocol.ts';

export interface UserRun {
  data: ExperimentData;
  config: ExperimentConfig;
  meta: NonNullable<RunMeta['data']>;
}

/** The split data and config of a run on `examples` (from file `name`); throws, saying why, when it cannot run. */
export function userRun(name: string, examples: readonly JudgeExample[], choice: SplitChoice, config: ExperimentConfig): UserRun {
  if (examples.length === 0) throw new Error(`${name} has no accepted examples to train on`);
  const s = splitExamples(examples, choice);
  const withCot = withReferenceCot(s.train);
  const blocked = config.methods.filter((m) => referenceCotProblem(m, withCot));
  if (blocked.length > 0) throw new Error(`${name}: no training example has feedback to use as a reference CoT, so ${blocked.join(', ')} cannot train; choose label-only methods (${LABEL_ONLY_METHODS.join(', ')})`);
  if (config.eval.split === 'dev' && s.dev.length === 0) throw new Error(`${name}: the split has no dev examples to score on`);
  const data: ExperimentData = { name, how: s.how, train: s.train, dev: s.dev, test: s.test };
  return {
    data,
    config: { ...config, data: { ...config.data, train: s.train.length, dev: s.dev.length, test: s.test.length } },
    meta: { name, how: s.how, train: s.train.length, dev: s.dev.length, test: s.test.length, withReferenceCot: withCot },
  };
}
