// Pretraining the base model on the procedural corpus (src/data/procedural): next-token CE on
// rows of worked procedures, a warmup + cosine schedule, AdamW, a held-out dev loss every so often,
// and a checkpoint (weights, AdamW moments, step, logs) every so often, so an interrupted run
// resumes where it stopped and ends with exactly the weights an uninterrupted one would have.
// Each step's rows come from (corpus seed, step) alone (corpusBatch), so nothing about the data
// needs saving.
import { corpusBatch, type Tokenizer } from '../data/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { initParams } from '../model/init.ts';
import { learningRate, validateSchedule, type LrSchedule } from './schedule.ts';
import { TrainStep, DEFAULT_ADAMW } from './step.ts';

export interface PretrainOptions {
  /** Optimizer steps in all. */
  steps: number;
  batchSize: number;
  /** T, the row length (the fine-tuning sequences' length, so every position a judge uses is trained). */
  seqLen: number;
  lr: number;
  warmupFraction: number;
  /** Final LR as a fraction of the peak. */
  minLrFraction: number;
  weightDecay: number;
  gradClip: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /** Seed of the procedural corpus. */
  corpusSeed: number;
  /** Save a checkpoint every this many steps (and at the end). */
  checkpointEvery: number;
  /** Measure the dev loss every this many steps (and at the end). */
  devEvery: number;
  /** Dev batches (of batchSize rows) the dev loss is the mean over. */
  devBatches: number;
}

/** The shipped base's shape (public/base), `tract pretrain`'s default. */
export const DEFAULT_BASE_MODEL = { dim: 64, nLayers: 4, nHeads: 4, nKvHeads: 2, vocabSize: 1024, seqLen: 288 } as const;

export const DEFAULT_PRETRAIN: Omit<PretrainOptions, 'seqLen'> = {
  steps: 1500,
  batchSize: 16,
  lr: 3e-3,
  warmupFraction: 0.02,
  minLrFraction: 0.1,
  weightDecay: 0.1,
  gradClip: 1,
  seed: 1,
  corpusSeed: 1,
  checkpointEvery: 250,
  devEvery: 250,
  devBatches: 8,
};

export interface PretrainLog {
  /** Train CE per step (index i = step i + 1). */
  ce: number[];
  /** Dev CE at some steps. */
  dev: { step: number; ce: number }[];
  /** Wall seconds spent training, over every session of the run. */
  seconds: number;
}

export type PretrainEvent =
  | { type: 'step'; step: number; steps: number; ce: number; lr: number; tokensPerSec: number }
  | { type: 'dev'; step: number; ce: number }
  | { type: 'checkpoint'; step: number }
  /** lastDevCe: the resumed run's latest dev loss, when it measured one. */
  | { type: 'resumed'; step: number; lastDevCe?: number };

/** Where the run's checkpoint lives (a file in Node, IndexedDB in the app). */
export interface CheckpointStore {
  read(): Promise<Uint8Array | null>;
  write(bytes: Uint8Array): Promise<void>;
}

interface SavedState {
  stage: 'pretrain';
  step: number;
  options: PretrainOptions;
  tokenizer: string;
  log: PretrainLog;
}

function schedule(o: PretrainOptions): LrSchedule {
  const s: LrSchedule = { peakLr: o.lr, warmupSteps: Math.round(o.warmupFraction * o.steps), totalSteps: o.steps, minLr: o.lr * o.minLrFraction };
  validateSchedule(s);
  return s;
}

/** The options that must match for a checkpoint to be resumed (everything but the cadence). */
function sameRun(a: PretrainOptions, b: PretrainOptions): string | null {
  for (const k of ['steps', 'batchSize', 'seqLen', 'lr', 'warmupFraction', 'minLrFraction', 'weightDecay', 'gradClip', 'seed', 'corpusSeed'] as const) {
    if (a[k] !== b[k]) return `${k} is ${a[k]} in the checkpoint, ${b[k]} now`;
  }
  return null;
}

/**
 * Pretrains `model` (created with training: true) from its initialisation, or resumes the run in
 * `store`. Returns the log; the model holds the final weights.
 */
export async function pretrainBase(
  model: DeviceModel,
  tokenizer: Tokenizer,
  o: PretrainOptions,
  store: CheckpointStore,
  onEvent: (e: PretrainEvent) => void | Promise<void> = () => {},
): Promise<PretrainLog> {
  if (o.seqLen > model.config.seqLen) throw new Error(`pretraining rows of ${o.seqLen} tokens need a model with seqLen ≥ ${o.seqLen}; it has ${model.config.seqLen}`);
  if (tokenizer.vocabSize !== model.config.vocabSize) throw new Error(`tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} tokens, the model ${model.config.vocabSize}`);
  const sched = schedule(o);
  const tokDesc = tokenizer.describe();
  let log: PretrainLog = { ce: [], dev: [], seconds: 0 };
  let done = 0;
  const saved = await store.read();
  if (saved) {
    const c = loadCheckpoint(saved);
    const st = c.training as SavedState | undefined;
    if (st?.stage !== 'pretrain') throw new Error('the checkpoint to resume is not a pretraining checkpoint');
    const diff = sameRun(st.options, o);
    if (diff) throw new Error(`the checkpoint to resume was made with other settings: ${diff}; use another output or the same settings`);
    if (st.tokenizer !== tokDesc.fingerprint) throw new Error('the checkpoint to resume was made with another tokenizer');
    if (!c.optimizer) throw new Error('the checkpoint to resume has no optimizer state');
    model.upload(c.params);
    model.uploadOptimizer(c.optimizer.m, c.optimizer.v);
    log = st.log;
    done = st.step;
    await onEvent({ type: 'resumed', step: done, lastDevCe: log.dev[log.dev.length - 1]?.ce });
  } else {
    model.upload(initParams(model.layout, o.seed));
  }
  const B = o.batchSize;
  const T = o.seqLen;
  const step = new TrainStep(model, B, T, { adamw: { ...DEFAULT_ADAMW, weightDecay: o.weightDecay, gradClip: o.gradClip } });
  const micro = (split: 'train' | 'dev', i: number) => corpusBatch(tokenizer, o.corpusSeed, split, i, B, T);
  const save = async (n: number) => {
    const { m, v } = await model.downloadOptimizer();
    const params = await model.downloadParams();
    const state: SavedState = { stage: 'pretrain', step: n, options: o, tokenizer: tokDesc.fingerprint, log };
    await store.write(saveCheckpoint({ config: model.config, params, optimizer: { m, v }, tokenizer: tokDesc, training: state }));
    await onEvent({ type: 'checkpoint', step: n });
  };
  const devLoss = async (n: number) => {
    let sum = 0;
    for (let i = 0; i < o.devBatches; i++) sum += (await step.evaluate([micro('dev', i)])).ce;
    const ce = sum / o.devBatches;
    log.dev.push({ step: n, ce });
    await onEvent({ type: 'dev', step: n, ce });
  };
  try {
    if (done === 0 && o.devEvery > 0) await devLoss(0);
    let last = performance.now();
    for (let n = done + 1; n <= o.steps; n++) {
      const lr = learningRate(sched, n - 1);
      const stats = (await step.step([micro('train', n)], lr, n))!;
      const now = performance.now();
      log.seconds += (now - last) / 1000;
      log.ce.push(stats.ce);
      await onEvent({ type: 'step', step: n, steps: o.steps, ce: stats.ce, lr, tokensPerSec: (B * T) / ((now - last) / 1000) });
      if ((o.devEvery > 0 && n % o.devEvery === 0) || n === o.steps) await devLoss(n);
      if (n % o.checkpointEvery === 0 || n === o.steps) await save(n);
      last = performance.now();
    }
  } finally {
    step.destroy();
  }
  return log;
}

/** The held-out loss of a model on the dev rows of a corpus (what the shipped base's README records). */
export async function corpusDevLoss(model: DeviceModel, tokenizer: Tokenizer, o: Pick<PretrainOptions, 'batchSize' | 'seqLen' | 'corpusSeed' | 'devBatches'>): Promise<number> {
  const step = new TrainStep(model, o.batchSize, o.seqLen);
  try {
    let sum = 0;
    for (let i = 0; i < o.devBatches; i++) {
      sum += (await step.evaluate([corpusBatch(tokenizer, o.corpusSeed, 'dev', i, o.batchSize, o.seqLen)])).ce;
    }
    return sum / o.devBatches;
  } finally {
    step.destroy();
  }
}
