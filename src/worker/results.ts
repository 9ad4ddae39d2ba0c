// A run's evaluation as the Evaluate view shows it: the test examples (regenerated from the run's
// Rubric Lab settings — the generator is deterministic — or, for a run on the user's own file, read
// from the split it stored as data.json), their gold labels, and each model's judgements read from
// the run's eval-<model>.json artifacts.
import { generateRubricLab, referenceCot, type JudgeExample } from '../data/index.ts';
import { METHODS, type ExperimentConfig } from '../eval/config.ts';
import { methodSpec, type ExperimentData, type ModelName } from '../eval/experiment.ts';
import type { Judgement } from '../infer/judge.ts';
import type { EvalData } from './protocol.ts';

const decoder = new TextDecoder();

/** The compact judgement form of public/judge/eval.json (one sample: the mean is the sample). */
interface CompactJudgement {
  cots: string[];
  yhat: number;
  probs: number[];
  mass: number;
  decoded: number;
  argmaxIsScore?: boolean;
  samples?: Judgement['samples'];
}

export function expandJudgement(j: CompactJudgement | Judgement): Judgement {
  if ('samples' in j && j.samples) return j as Judgement;
  const c = j as CompactJudgement;
  return {
    cots: c.cots,
    yhat: c.yhat,
    probs: c.probs,
    mass: c.mass,
    decoded: c.decoded,
    samples: [{ probs: c.probs, mass: c.mass, yhat: c.yhat, decoded: c.decoded, argmaxIsScore: c.argmaxIsScore ?? true }],
  };
}

/** Where a run on the user's own file keeps its split examples (so a resume and the Evaluate view read the same). */
export const RUN_DATA_ARTIFACT = 'data.json';

/** The run's own data (null: a Rubric Lab run). */
export async function readRunData(read: (name: string) => Promise<Uint8Array | null>): Promise<ExperimentData | null> {
  const bytes = await read(RUN_DATA_ARTIFACT);
  return bytes ? (JSON.parse(decoder.decode(bytes)) as ExperimentData) : null;
}

export function testExamples(config: ExperimentConfig, scored?: readonly JudgeExample[]): EvalData['examples'] {
  const d = config.data;
  // The split the run scored (eval.split: 'test', or 'dev' for a run that chose settings).
  const examples = scored ?? generateRubricLab({ seed: d.seed, train: d.train, dev: d.dev, test: d.test, noise: d.noise })[config.eval.split];
  return examples.map((ex) => ({
    id: ex.id,
    gold: ex.label,
    family: typeof ex.extras?.family === 'string' ? ex.extras.family : undefined,
    instruction: ex.instruction,
    response: ex.response,
    referenceCot: referenceCot(ex),
  }));
}

export function methodsOf(config: ExperimentConfig): EvalData['methods'] {
  const out: EvalData['methods'] = {};
  for (const m of METHODS) if (config.methods.includes(m)) out[m] = methodSpec(m);
  return out;
}

/** EvalData from a run's artifacts (read(name) → bytes or null). */
export async function evalFromArtifacts(config: ExperimentConfig, seed: number, read: (name: string) => Promise<Uint8Array | null>): Promise<EvalData> {
  const methods = methodsOf(config);
  const judgements: EvalData['judgements'] = {};
  const models = new Set(Object.values(methods).map((s) => s!.model));
  for (const m of models) {
    const bytes = await read(`seed-${seed}/eval-${m}.json`);
    if (!bytes) continue;
    const parsed = JSON.parse(decoder.decode(bytes)) as { judgements: (Judgement | CompactJudgement)[] };
    judgements[m] = parsed.judgements.map(expandJudgement);
  }
  const data = await readRunData(read);
  return { examples: testExamples(config, data ? data[config.eval.split] : undefined), judgements, methods };
}

/** EvalData from the shipped eval.json (all models of one seed, compact). */
export function evalFromShipped(config: ExperimentConfig, shipped: { judgements: Record<string, CompactJudgement[]> }): EvalData {
  const judgements: EvalData['judgements'] = {};
  for (const [m, js] of Object.entries(shipped.judgements)) judgements[m as ModelName] = js.map(expandJudgement);
  return { examples: testExamples(config), judgements, methods: methodsOf(config) };
}
