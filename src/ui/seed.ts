// Which model a new run starts from, in words, for the Train view: the choice (the shipped base by
// default) resolved against what is there — a build without public/base falls back to stage 0 from
// scratch, and says so; a base or a model that cannot be a seed blocks Start with the reason.
// Also the seed of a stored run, as its view states it. Pure: no engine code.
import { formatCount } from './format.ts';
import type { BaseMeta, ExperimentConfig, ModelSummary, RunMeta, RunSeed, ShippedBase } from '../worker/protocol.ts';

/** What the worker said about the shipped base; undefined until it has. */
export type ShippedBaseState = { base: ShippedBase | null; reason?: string } | undefined;

export interface SeedPlan {
  /** What the run is started with (the choice, or scratch when the shipped base is missing). */
  seed: RunSeed;
  /** The seed, in words. */
  text: string;
  /** Its name, for the run's label (null: stage 0 from scratch). */
  name: string | null;
  /** The tokenizer and model shape the run will have, in words. */
  tokenizer: string;
  shape: string;
  /** Why a run cannot start with this choice (null: it can). */
  problem: string | null;
}

function shapeText(c: { dim: number; nLayers: number; nHeads: number; nKvHeads: number; seqLen: number }): string {
  return `dim ${c.dim}, ${c.nLayers} layer${c.nLayers === 1 ? '' : 's'}, ${c.nHeads}/${c.nKvHeads} heads, ctx ${c.seqLen}`;
}

/** What stage 0 does with a loaded seed under this config (stage0.adapt), in words. */
export function loadedSeedStage0(config: ExperimentConfig): string {
  return config.stage0.adapt ? `, then stage 0 continues its LM training on the run’s training texts (${config.stage0.epochs} epoch${config.stage0.epochs === 1 ? '' : 's'})` : ', no stage 0';
}

export function planSeed(choice: RunSeed, shipped: ShippedBaseState, bases: BaseMeta[], model: ModelSummary | null, config: ExperimentConfig): SeedPlan {
  const scratch = (why = ''): SeedPlan => ({
    seed: { kind: 'scratch' },
    text: `stage 0: a seed pretrained from scratch on the run’s training texts${why}`,
    name: null,
    tokenizer: `BPE ${config.data.vocabSize} tokens`,
    shape: `${shapeText(config.model)} (Model view)`,
    problem: null,
  });
  switch (choice.kind) {
    case 'scratch':
      return scratch();
    case 'shipped-base': {
      if (shipped && !shipped.base) return scratch(` (no shipped base: ${shipped.reason ?? 'not in this build'})`);
      const b = shipped?.base;
      return {
        seed: choice,
        text: b
          ? `the shipped base (public/base/${b.name}, ${formatCount(b.parameters)} parameters, pretrained on the procedural corpus${b.steps ? ` for ${b.steps} steps` : ''})${loadedSeedStage0(config)}`
          : `the shipped base (public/base/base.safetensors)${loadedSeedStage0(config)}`,
        name: b?.name ?? 'base.safetensors',
        tokenizer: b ? `the base’s tokenizer (${b.tokenizer})` : 'the base’s tokenizer',
        shape: b ? shapeText(b.config) : 'the base’s shape',
        problem: null,
      };
    }
    case 'base': {
      const b = bases.find((x) => x.id === choice.baseId);
      if (!b || b.status !== 'done') {
        return { ...scratch(), seed: choice, text: 'a base pretrained in this browser', name: null, problem: b ? `“${b.label}” has not finished pretraining` : 'the chosen base is no longer in this browser' };
      }
      return {
        seed: choice,
        text: `the base “${b.label}” pretrained in this browser (${formatCount(b.parameters)} parameters, ${b.options.steps} steps)${loadedSeedStage0(config)}`,
        name: b.label,
        tokenizer: `the base’s tokenizer (${b.tokenizer})`,
        shape: shapeText(b.config),
        problem: null,
      };
    }
    case 'current-model': {
      if (!model) return { ...scratch(), seed: choice, text: 'the current model', name: null, problem: 'no model is loaded' };
      return {
        seed: choice,
        text: `${model.name} (${formatCount(model.parameters)} parameters, the Model view’s model)${loadedSeedStage0(config)}`,
        name: model.name,
        tokenizer: `the model’s tokenizer (${model.tokenizer ?? 'none'})`,
        shape: shapeText(model.config),
        problem: model.judge.ok ? null : `${model.name} cannot be trained as a judge: ${model.judge.reason}`,
      };
    }
  }
}

/** A stored run's seed, in words. */
export function runSeedText(meta: RunMeta): string {
  const s = meta.seedModel;
  if (!s) return 'stage 0, pretrained from scratch on the run’s training texts';
  if (s.origin === 'shipped-base') return `the shipped base (${s.name})`;
  if (s.origin === 'base') return `the base “${s.name}” pretrained in this browser`;
  return `${s.name} (a loaded model)`;
}
