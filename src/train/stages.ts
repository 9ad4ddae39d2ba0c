// The training runs the pipeline is made of: stage-0 language-model pretraining (the seed model)
// and judge fine-tuning (CE over the target tokens + λ·RAFT at the score position; λ = 0 for the CE
// baselines). Each is a loop of TrainStep steps with a warmup + cosine schedule, reporting every
// step (both loss parts, learning rate, gradient norm, tokens/s) to a callback.
import { judgeBatches, lmBatches, scaleConflict, type BuiltExample, type ScoreLevel, type Tokenizer, type TrainBatch } from '../data/index.ts';
import { scoreScaleOf } from '../model/score_head.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { learningRate, validateSchedule, type LrSchedule } from './schedule.ts';
import { TrainStep, type AdamwOptions, type RaftReduction, type StepStats } from './step.ts';

export interface RunOptions {
  epochs: number;
  /** Sequences per step. */
  batchSize: number;
  lr: number;
  /** Fraction of the steps spent warming up (default 0.05). */
  warmupFraction?: number;
  /** Final LR as a fraction of the peak (default 0.1). */
  minLrFraction?: number;
  adamw?: Partial<AdamwOptions>;
  seed: number;
  /** Stop early after this many steps (tests, quick runs). */
  maxSteps?: number;
}

export interface JudgeRunOptions extends RunOptions {
  /** Weight of RAFT; 0 trains with CE alone (the CE baselines). */
  lambda: number;
  /** How RAFT is reduced over a step's examples (default 'mean'; 'reference': the reference code's λ/B). */
  raftReduction?: RaftReduction;
  renormalize?: boolean;
  /** Put the score token in the CE mask (the CE baselines need it; CoT-RAFT leaves it out). */
  includeScoreInCe?: boolean;
}

export interface StepReport {
  step: number;
  totalSteps: number;
  epoch: number;
  lr: number;
  stats: StepStats;
  tokens: number;
  /** Tokens per second of this step (wall clock, including the loss read-back). */
  tokensPerSec: number;
}

export interface RunLog {
  steps: number;
  tokens: number;
  seconds: number;
  ce: number[];
  raft: (number | null)[];
  lr: number[];
  gradNorm: number[];
}

type OnStep = (r: StepReport) => void | Promise<void>;

function schedule(o: RunOptions, totalSteps: number): LrSchedule {
  const s: LrSchedule = {
    peakLr: o.lr,
    warmupSteps: Math.min(totalSteps, Math.round((o.warmupFraction ?? 0.05) * totalSteps)),
    totalSteps,
    minLr: o.lr * (o.minLrFraction ?? 0.1),
  };
  validateSchedule(s);
  return s;
}

async function loop(step: TrainStep, o: RunOptions, stepsPerEpoch: number, batchesOf: (epoch: number) => Iterable<TrainBatch>, onStep?: OnStep): Promise<RunLog> {
  const total = Math.min(o.maxSteps ?? Infinity, o.epochs * stepsPerEpoch);
  if (total < 1) throw new Error('the training run has no steps: no data, or epochs/maxSteps is 0');
  const sched = schedule(o, total);
  const log: RunLog = { steps: 0, tokens: 0, seconds: 0, ce: [], raft: [], lr: [], gradNorm: [] };
  const t0 = performance.now();
  let n = 0;
  // One step in flight: step n+1 is submitted before step n's numbers are awaited, so the GPU never
  // waits for the readback, the report or the next batch's packing. A NaN loss still stops the run,
  // one step later.
  let inFlight: { stats: Promise<StepStats | null>; step: number; epoch: number; lr: number; tokens: number } | null = null;
  let last = performance.now();
  const settle = async (f: NonNullable<typeof inFlight>) => {
    const stats = (await f.stats)!;
    const now = performance.now();
    const tokens = f.tokens;
    log.steps = f.step;
    log.tokens += tokens;
    log.ce.push(stats.ce);
    log.raft.push(stats.raft);
    log.lr.push(f.lr);
    log.gradNorm.push(stats.gradNorm);
    await onStep?.({ step: f.step, totalSteps: total, epoch: f.epoch, lr: f.lr, stats, tokens, tokensPerSec: tokens / ((now - last) / 1000) });
    last = performance.now();
  };
  try {
    for (let epoch = 0; n < total; epoch++) {
      for (const b of batchesOf(epoch)) {
        if (n >= total) break;
        const lr = learningRate(sched, n);
        const stats = step.step([b], lr, n + 1);
        // Positions the step ran (B × its trimmed length, known once step() has been called).
        const next = { stats, step: n + 1, epoch, lr, tokens: step.B * step.lastLength };
        n++;
        const prev = inFlight;
        inFlight = next;
        if (prev) await settle(prev);
      }
    }
    if (inFlight) await settle(inFlight);
    inFlight = null;
  } finally {
    // A step left in flight by an error (or a cancel thrown from onStep): its rejection is not news.
    (inFlight as { stats: Promise<unknown> } | null)?.stats.catch(() => {});
  }
  log.seconds = (performance.now() - t0) / 1000;
  return log;
}

/** Row length for a set of sequences: the longest (n ids fill n − 1 positions). */
export function rowLength(seqs: readonly BuiltExample[]): number {
  return Math.max(...seqs.map((s) => s.ids.length - 1));
}

/** The score scale every sequence shares (RAFT reads one scale per step); names two that differ. */
export function sharedLevels(seqs: readonly BuiltExample[]): readonly ScoreLevel[] {
  const conflict = scaleConflict(seqs);
  if (conflict) throw new Error(`${conflict}: train on one scale at a time`);
  return seqs[0].levels;
}

/** Fine-tunes `model` in place on judge sequences. */
export async function trainJudge(model: DeviceModel, seqs: readonly BuiltExample[], tokenizer: Tokenizer, o: JudgeRunOptions, onStep?: OnStep): Promise<RunLog> {
  if (seqs.length === 0) throw new Error('no training sequences');
  const T = rowLength(seqs);
  if (T > model.config.seqLen) throw new Error(`the longest sequence needs ${T} positions; the model has ${model.config.seqLen}`);
  const B = Math.min(o.batchSize, seqs.length);
  const step = new TrainStep(model, B, T, {
    scoreTokens: o.lambda > 0 ? scoreScaleOf(tokenizer, sharedLevels(seqs)) : undefined,
    lambda: o.lambda,
    raftReduction: o.raftReduction,
    renormalize: o.renormalize,
    adamw: o.adamw,
  });
  try {
    const pack = { batchSize: B, seqLen: T, pad: tokenizer.pad, includeScoreInCe: o.includeScoreInCe ?? false, seed: o.seed };
    return await loop(
      step,
      o,
      Math.ceil(seqs.length / B),
      (epoch) => judgeBatches(seqs, { ...pack, epoch }),
      onStep,
    );
  } finally {
    step.destroy();
  }
}

/** Stage 0: next-token pretraining on a token stream (the seed model speaks the domain). */
export async function pretrainLm(model: DeviceModel, stream: Int32Array, tokenizer: Tokenizer, o: RunOptions & { seqLen: number }, onStep?: OnStep): Promise<RunLog> {
  const T = Math.min(o.seqLen, model.config.seqLen);
  const windows = Math.floor((stream.length - 1) / T);
  if (windows < 1) throw new Error(`the pretraining text has ${stream.length} tokens, fewer than one window of ${T + 1}`);
  const B = Math.min(o.batchSize, windows);
  const step = new TrainStep(model, B, T, { adamw: o.adamw });
  try {
    return await loop(
      step,
      o,
      Math.ceil(windows / B),
      (epoch) => lmBatches(stream, { batchSize: B, seqLen: T, pad: tokenizer.pad, seed: o.seed, epoch }),
      onStep,
    );
  } finally {
    step.destroy();
  }
}
