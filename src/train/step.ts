// One optimizer step of training on the GPU: for each micro-batch (a TrainBatch), forward → the
// score head's loss gradient (CE over the CE mask + λ·RAFT at each example's score position, into
// one dlogits) → backward accumulating into the gradients; after the last micro-batch, the global
// gradient norm, clipping and AdamW — all on the GPU. One submit per micro-batch (its inputs are
// written just before it); the only readback is the loss (and gradient norm) when asked for.
//
// The objective itself — score tokens, which rows get logits, how CE and RAFT are normalised over
// the step — is the score head's (src/model/score_head.ts); this file drives the model around it.
import { createBuffer, readF32, Recorder, writeBuffer, type Gpu } from '../gpu/index.ts';
import { gradNorm, adamwUpdate, GRAD_NORM_PARTIALS, lossScaleUpdate } from '../kernels/adamw.ts';
import { buildTokenCsr } from '../kernels/embedding.ts';
import { trimTrainBatch, usedLength, type TrainBatch } from '../data/batching.ts';
import { createActivations, destroyActivations, type Activations } from '../model/activations.ts';
import { recordBackward } from '../model/backward.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { recordForward } from '../model/forward.ts';
import { MixedPrecision, type MixedPrecisionOptions } from '../model/mixed_precision.ts';
import { precisionFor, PRECISIONS, type Precision } from './precision.ts';
import { checkTrainBatch, planHeadRows, ScoreHead, type ObjectiveOptions, type ScoreScale, type StepWeights } from '../model/score_head.ts';

export { RAFT_REDUCTIONS, type RaftReduction } from '../model/score_head.ts';

export interface AdamwOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global gradient-norm clip (≤ 0: off). */
  gradClip: number;
}

export const DEFAULT_ADAMW: AdamwOptions = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

export interface StepOptions extends ObjectiveOptions {
  /** The score tokens for RAFT (scoreScaleOf(tokenizer)); omit for CE-only training. */
  scoreTokens?: ScoreScale;
  adamw?: Partial<AdamwOptions>;
  /**
   * Logits only at the rows with a target (CE-masked or a score position) when some have none
   * (default true): a judge prompt's positions then skip the head. false: logits at every row.
   */
  headRows?: boolean;
  /**
   * Run each step at the length its batches use (the last position with a target, rounded up to a
   * multiple of TRIM_QUANTUM) instead of the full T (default true). Attention is causal, so the
   * positions cut off change neither the loss nor any gradient; a label-only judge batch (a prompt
   * and a score) then costs half a full-length one, and attention a quarter. false: always T.
   */
  trim?: boolean;
  /**
   * 'f32' (default): everything in f32. 'mixed': the matmuls read f16 copies of weights,
   * activations and gradients and accumulate in f32, the master weights and AdamW's moments stay
   * f32, and a dynamic loss scale keeps small gradients representable (a step whose f16 values
   * overflow is skipped and the scale halved). Needs shader-f16 (model/mixed_precision.ts).
   */
  precision?: Precision;  // default: precisionFor(device, model, B) — measured, else f32
  /** Mixed precision's loss-scale settings (tests start high to force an overflow). */
  mixedOptions?: MixedPrecisionOptions;
}

export { PRECISIONS, type Precision } from './precision.ts';

/** Trimmed lengths are multiples of this: few distinct shapes, so the dispatch caches stay small. */
export const TRIM_QUANTUM = 16;

export interface StepStats {
  /** Mean CE over the step's target tokens. */
  ce: number;
  /** Mean (ŷ − y)² over the step's examples with a score (null when none); not weighted by λ or
   *  the reduction. */
  raft: number | null;
  /** Global gradient norm before clipping (NaN on a skipped step: it overflowed). */
  gradNorm: number;
  /** Mixed precision only: the loss scale after this step, and whether this step was skipped
   *  (f16 overflow: the weights and moments did not change). */
  lossScale?: number;
  skipped?: boolean;
  /** Target tokens and scored examples in the step. */
  ceCount: number;
  raftCount: number;
}

/** Training diverged: a loss that is not a finite number. */
export class NonFiniteLossError extends Error {
  readonly step: number;
  constructor(step: number, what: string) {
    super(`training stopped at step ${step}: the ${what} is not a finite number`);
    this.name = 'NonFiniteLossError';
    this.step = step;
  }
}

export class TrainStep {
  readonly model: DeviceModel;
  readonly B: number;
  readonly T: number;
  readonly acts: Activations;
  /** The objective: CE + λ·RAFT, its normalisation, its kernels. */
  readonly head: ScoreHead;
  readonly adamw: AdamwOptions;
  readonly headRows: boolean;
  readonly trim: boolean;
  readonly precision: Precision;
  /** The f16 copies and the loss scale ('mixed' only). */
  readonly mixed: MixedPrecision | null;
  /** The length the last step ran at (T' ≤ T), for benchmarks and tests. */
  lastLength = 0;
  private readonly gpu: Gpu;
  private readonly buf: Record<'inputIds' | 'order' | 'offsets' | 'normClip' | 'partials' | 'headRows' | 'headOrder' | 'headOffsets', GPUBuffer>;

  constructor(model: DeviceModel, B: number, T: number, options: StepOptions = {}) {
    if (!model.grads) throw new Error('TrainStep needs a model created with training: true');
    this.model = model;
    this.gpu = model.gpu;
    this.B = B;
    this.T = T;
    const V = model.config.vocabSize;
    this.acts = createActivations(model.gpu, model.config, B, T);
    this.head = new ScoreHead(model.gpu, V, options.scoreTokens ?? null, options, { B, T });
    this.adamw = { ...DEFAULT_ADAMW, ...options.adamw };
    this.headRows = options.headRows ?? true;
    this.trim = options.trim ?? true;
    this.precision = options.precision ?? precisionFor(model.gpu, model.config, B);
    if (!PRECISIONS.includes(this.precision)) throw new Error(`precision must be one of ${PRECISIONS.join(', ')}, got '${String(this.precision)}'`);
    this.mixed = this.precision === 'mixed' ? new MixedPrecision(model, B, T, options.mixedOptions) : null;
    const R = B * T;
    const mk = (name: string, floats: number) => createBuffer(this.gpu, `train.${name}`, floats * 4);
    this.buf = {
      inputIds: mk('input_ids', R),
      order: mk('csr_order', R),
      offsets: mk('csr_offsets', V + 1),
      // [norm, clip] and, mixed, AdamW's bias corrections (lossScaleUpdate writes them).
      normClip: mk('norm_clip', 4),
      partials: mk('grad_norm_partials', GRAD_NORM_PARTIALS),
      headRows: mk('head_rows', R),
      headOrder: mk('head_rows_order', R),
      headOffsets: mk('head_rows_offsets', R + 1),
    };
  }

  /** Records one micro-batch (inputs written first); `first` clears gradients and loss sums. */
  private recordMicro(mb: TrainBatch, first: boolean, ceScale: number, raftLambda: number): Recorder {
    const { B, gpu, buf, model, head } = this;
    // The batch's own length (≤ this.T): the activations are used as [B, T'] at their starts.
    const T = mb.seqLen;
    const acts: Activations = T === this.T ? this.acts : { ...this.acts, T };
    const R = B * T;
    const V = model.config.vocabSize;
    const plan = planHeadRows(mb, head.raft && raftLambda > 0, this.headRows);
    writeBuffer(gpu, buf.inputIds, Uint32Array.from(mb.inputIds));
    head.writePlan(plan);
    if (plan.rows) {
      const hc = buildTokenCsr(plan.rows, R);
      writeBuffer(gpu, buf.headRows, Uint32Array.from(plan.rows));
      writeBuffer(gpu, buf.headOrder, hc.order);
      writeBuffer(gpu, buf.headOffsets, hc.offsets);
    }
    const csr = buildTokenCsr(mb.inputIds, V);
    writeBuffer(gpu, buf.order, csr.order);
    writeBuffer(gpu, buf.offsets, csr.offsets);
    const rows = plan.rows ? { rows: buf.headRows, count: plan.N, order: buf.headOrder, offsets: buf.headOffsets } : undefined;
    const rec = new Recorder(gpu, 'train step');
    const mixed = this.mixed ?? undefined;
    if (first) {
      rec.clear(model.grads!);
      head.clearSums(rec);
      mixed?.beginStep(rec);
    }
    recordForward(rec, model, acts, buf.inputIds, undefined, rows, { mixed });
    head.recordLoss(rec, acts.dlogits, acts.logits, plan, ceScale, raftLambda);
    recordBackward(rec, model, acts, { order: buf.order, offsets: buf.offsets }, rows, mixed);
    return rec;
  }

  /** The micro-batches checked and cut to the step's length (see StepOptions.trim). */
  private prepare(micro: TrainBatch[]): TrainBatch[] {
    micro.forEach((mb, i) => checkTrainBatch(mb, this.B, this.T, this.model.config.vocabSize, `micro-batch ${i}`));
    let T = this.T;
    if (this.trim) {
      const used = Math.max(1, ...micro.map(usedLength));
      T = Math.min(this.T, Math.ceil(used / TRIM_QUANTUM) * TRIM_QUANTUM);
    }
    this.lastLength = T;
    return micro.map((mb) => trimTrainBatch(mb, T));
  }

  /** Forward + loss + backward over the micro-batches, leaving the summed gradients in model.grads
   *  (no optimizer step). Tests compare these with the CPU reference. */
  accumulateGradients(batches: TrainBatch[]): { ceCount: number; raftCount: number } {
    const micro = this.prepare(batches);
    const w = this.head.weights(micro);
    micro.forEach((mb, i) => this.recordMicro(mb, i === 0, w.ceScale, w.raftLambdas[i]).submit());
    return { ceCount: w.ceCount, raftCount: w.raftCount };
  }

  /**
   * A whole optimizer step (optimizer step number `step` ≥ 1 for AdamW's bias corrections) at
   * learning rate `lr`. With `read` (default true) waits for the GPU and returns the losses and the
   * gradient norm, throwing NonFiniteLossError if one is NaN or infinite. Everything is submitted
   * (the step and the copies of its numbers) before the first await, so a caller may start the next
   * step before awaiting this one's promise and keep the GPU busy meanwhile.
   */
  async step(batches: TrainBatch[], lr: number, step: number, read = true): Promise<StepStats | null> {
    if (batches.length === 0) throw new Error('a training step needs at least one micro-batch');
    const micro = this.prepare(batches);
    const w = this.head.weights(micro);
    const { model, buf } = this;
    micro.forEach((mb, i) => {
      const rec = this.recordMicro(mb, i === 0, w.ceScale, w.raftLambdas[i]);
      if (i === micro.length - 1) {
        const all = { offset: 0, count: model.layout.size };
        gradNorm(rec, { normClip: buf.normClip, partials: buf.partials }, model.grads!, all, this.adamw.gradClip);
        // Mixed: the gradients carry the loss scale; unscale the norm and the clip, or skip.
        // A skipped step is no optimizer step: AdamW's bias corrections then come from the GPU,
        // for the step count less the steps skipped so far.
        if (this.mixed) lossScaleUpdate(rec, buf.normClip, this.mixed.lossScale, this.mixed.overflow, { maxNorm: this.adamw.gradClip, growthInterval: this.mixed.growthInterval, step, beta1: this.adamw.beta1, beta2: this.adamw.beta2 });
        const state = { weights: model.params, grads: model.grads!, m: model.m!, v: model.v! };
        const o = { lr, beta1: this.adamw.beta1, beta2: this.adamw.beta2, eps: this.adamw.eps, step, biasFromNormClip: this.mixed !== null };
        adamwUpdate(rec, state, { offset: model.layout.decayRange.offset, count: model.layout.decayRange.size }, { ...o, weightDecay: this.adamw.weightDecay }, buf.normClip);
        adamwUpdate(rec, state, { offset: model.layout.noDecayRange.offset, count: model.layout.noDecayRange.size }, { ...o, weightDecay: 0 }, buf.normClip);
      }
      rec.submit();
    });
    if (!read) return null;
    return this.readStats(w, step);
  }

  private async readStats(w: StepWeights, step: number): Promise<StepStats> {
    // Both copies are queued now, before anything else is submitted: a caller may record the next
    // step (which clears these sums) before awaiting this one's numbers.
    const [losses, nc, scale] = await Promise.all([
      this.head.readLosses(w),
      readF32(this.gpu, this.buf.normClip, 2),
      this.mixed && step > 0 ? readF32(this.gpu, this.mixed.lossScale, 4) : Promise.resolve(null),
    ]);
    const stats: StepStats = { ce: losses.ce, raft: losses.raft, gradNorm: nc[0], ceCount: w.ceCount, raftCount: w.raftCount };
    if (scale) {
      stats.lossScale = scale[0];
      stats.skipped = scale[3] === 1;
      if (stats.skipped) stats.gradNorm = NaN;
    }
    if (!Number.isFinite(stats.ce)) throw new NonFiniteLossError(step, 'cross-entropy loss');
    if (stats.raft !== null && !Number.isFinite(stats.raft)) throw new NonFiniteLossError(step, 'RAFT loss');
    // A skipped mixed-precision step overflowed by design (the scale was too high): not an error.
    if (!stats.skipped && !Number.isFinite(stats.gradNorm)) throw new NonFiniteLossError(step, 'gradient norm');
    return stats;
  }

  /** The losses of the micro-batches without changing the weights (a held-out loss): forward, loss
   *  and backward run as for a step (the gradients are overwritten), the optimizer does not. */
  async evaluate(batches: TrainBatch[]): Promise<StepStats> {
    const micro = this.prepare(batches);
    const w = this.head.weights(micro);
    micro.forEach((mb, i) => this.recordMicro(mb, i === 0, w.ceScale, w.raftLambdas[i]).submit());
    return this.readStats(w, 0);
  }

  destroy(): void {
    destroyActivations(this.acts);
    this.mixed?.destroy();
    for (const b of Object.values(this.buf)) b.destroy();
    this.head.destroy();
  }
}
