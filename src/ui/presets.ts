// Run and model-size presets of the app. Pure data (the experiment's configs and the model's
// config helper), no engine code.
import { DEFAULT_CONFIG, QUICK_CONFIG, type ExperimentConfig } from '../eval/config.ts';
import { llamaHiddenDim } from '../model/config.ts';
import type { BaseShape } from '../worker/protocol.ts';

export type RunPresetName = 'smoke' | 'quick' | 'default';

export interface RunPreset {
  name: RunPresetName;
  title: string;
  blurb: string;
  config: ExperimentConfig;
}

const SMOKE: ExperimentConfig = {
  ...QUICK_CONFIG,
  data: { ...QUICK_CONFIG.data, train: 24, dev: 4, test: 12, vocabSize: 320 },
  model: { dim: 16, hiddenDim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1, seqLen: 192 },
  stage0: { ...QUICK_CONFIG.stage0, batchSize: 4, maxSteps: 6 },
  finetune: { ...QUICK_CONFIG.finetune, batchSize: 4, maxSteps: 6 },
  selfCot: { ...QUICK_CONFIG.selfCot, maxTokens: 16 },
  eval: { ...QUICK_CONFIG.eval, maxCotTokens: 16, bootstrap: 100, batch: 16 },
  methods: ['stage1-cotrail', 'tract-decode', 'tract-cotrail'],
};

export const RUN_PRESETS: RunPreset[] = [
  {
    name: 'smoke',
    title: 'Smoke run',
    blurb: 'Every stage once on 24 examples with a 7.5K-parameter model: measured 10.7 s from scratch in Chromium on SwiftShader (a 2-core CPU; the e2e suite). Shows the pipeline; learns almost nothing.',
    config: SMOKE,
  },
  {
    name: 'quick',
    title: 'Quick run (tract run --quick)',
    blurb: 'All nine methods on 96 training examples from the shipped base: measured 3.7 and 5.6 minutes in Chromium on SwiftShader (WebGPU on a 2-core CPU), and 56 minutes with that CPU shared by other jobs; a real GPU should be far faster (not measured here).',
    config: QUICK_CONFIG,
  },
  {
    name: 'default',
    title: 'Full run (tract run)',
    blurb: `The README’s experiment: ${DEFAULT_CONFIG.data.train} training examples, the shipped 0.25M-parameter base, all nine methods. About 14 minutes per seed in Node on a 2-core CPU (lavapipe, measured); in a browser on a CPU driver, hours: it wants a real GPU.`,
    config: DEFAULT_CONFIG,
  },
];

export function runPreset(name: RunPresetName): ExperimentConfig {
  return structuredClone(RUN_PRESETS.find((p) => p.name === name)!.config);
}

export interface ModelSizePreset {
  name: string;
  note: string;
  model: ExperimentConfig['model'];
}

export const MODEL_PRESETS: ModelSizePreset[] = [
  { name: 'micro', note: 'the smoke run', model: SMOKE.model },
  { name: 'quick', note: 'tract run --quick', model: QUICK_CONFIG.model },
  { name: 'default', note: 'tract run (the ready judge’s shape)', model: DEFAULT_CONFIG.model },
  { name: 'tinyJudge', note: '~2.8M: a judge worth training on a real GPU', model: { dim: 192, hiddenDim: llamaHiddenDim(192), nLayers: 6, nHeads: 6, nKvHeads: 2, seqLen: 256 } },
  { name: 'bench5M', note: 'the ~5M benchmark shape', model: { dim: 256, hiddenDim: llamaHiddenDim(256), nLayers: 6, nHeads: 8, nKvHeads: 8, seqLen: 256 } },
];

export function sameModel(a: ExperimentConfig['model'], b: ExperimentConfig['model']): boolean {
  return (Object.keys(a) as (keyof ExperimentConfig['model'])[]).every((k) => a[k] === b[k]);
}

// ---- pretraining a base ----

export type BasePresetName = 'shipped' | 'smoke';

export interface BasePreset {
  name: BasePresetName;
  title: string;
  blurb: string;
  shape: BaseShape;
  steps: number;
  batchSize: number;
}

/**
 * Shapes for the Train view's "Pretrain a base". 'shipped' is `tract pretrain`'s default shape
 * and settings (src/train/pretrain.ts: DEFAULT_BASE_MODEL, DEFAULT_PRETRAIN; a test keeps them
 * equal), so with corpus seed 1 it pretrains what public/base ships.
 */
export const BASE_PRESETS: BasePreset[] = [
  {
    name: 'shipped',
    title: 'The shipped base’s shape',
    blurb: 'dim 64, 4 layers, 4 heads (2 KV), context 288, 1024 tokens: tract pretrain’s defaults. 1500 steps of 16 × 288 tokens (6.9M tokens) take hours on a CPU WebGPU driver; it wants a real GPU.',
    shape: { dim: 64, nLayers: 4, nHeads: 4, nKvHeads: 2, seqLen: 288, vocabSize: 1024 },
    steps: 1500,
    batchSize: 16,
  },
  {
    name: 'smoke',
    title: 'Smoke base',
    blurb: 'dim 64, 1 layer, 2 heads (1 KV), context 288, 1024 tokens (the shipped tokenizer, so Rubric Lab prompts fit), 30 steps of 2 rows: about 1.5 minutes in Chromium on SwiftShader (a 2-core CPU), to see the loop work. It learns little; a run can start from it.',
    shape: { dim: 64, nLayers: 1, nHeads: 2, nKvHeads: 1, seqLen: 288, vocabSize: 1024 },
    steps: 30,
    batchSize: 2,
  },
];

export function basePreset(name: BasePresetName): BasePreset {
  return BASE_PRESETS.find((p) => p.name === name)!;
}
