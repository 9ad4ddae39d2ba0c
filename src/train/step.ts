// One optimizer step of training on the GPU: for each micro-batch, forward → cross-entropy over the
// CE mask (+ λ·RAFT at each example's score position, accumulated into the same dlogits) → backward
// accumulating into the gradients; after the last micro-batch, the global gradient norm, clipping
// and AdamW — all on the GPU. One submit per micro-batch (its inputs are written just before it);
// the only readback is the loss (and gradient norm) when asked for.
//
// Loss: L = CE + λ·L_RAFT, CE = mean over every CE-masked target of the step's micro-batches,
// L_RAFT = mean over the step's examples with a score of (ŷ − y)² (DESIGN.md §1). With raftReduction
// 'reference', L_RAFT is that mean divided again by the number of scored sequences in the step, as
// the reference TRACT code weights it (an effective λ/B).
import { createBuffer, readF32, Recorder, writeBuffer, type Gpu } from '../gpu/index.ts';
import { gradNorm, adamwUpdate, GRAD_NORM_PARTIALS } from '../kernels/adamw.ts';
import { buildTokenCsr, validateTokenIds } from '../kernels/embedding.ts';
import { crossEntropyBackward } from '../kernels/cross_entropy.ts';
import { axpy } from '../kernels/residual.ts';
import { raftLossBackward, uploadScoreTokens, type ScoreTokens } from '../kernels/score.ts';
import { createActivations, destroyActivations, type Activations } from '../model/activations.ts';
import { recordBackward } from '../model/backward.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { recordForward } from '../model/forward.ts';

/** One micro-batch of B rows of T tokens (row-major [B, T]); the score fields only for RAFT. */
export interface MicroBatch {
  inputIds: ArrayLike<number>;
  targets: ArrayLike<number>;
  /** 1 (or a weight) where the next-token target counts in CE, 0 elsewhere. */
  ceMask: ArrayLike<number>;
  /** Per row: index t whose logits predict the score token, or −1 (no score). */
  scorePositions?: ArrayLike<number>;
  /** Per row: gold score y (may be fractional). */
  labels?: ArrayLike<number>;
}

export interface AdamwOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global gradient-norm clip (≤ 0: off). */
  gradClip: number;
}

export const DEFAULT_ADAMW: AdamwOptions = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

/**
 * How the RAFT term is reduced over a step's examples: 'mean' (ours, DESIGN.md §1) is
 * λ · mean (ŷ − y)²; 'reference' is the reference code's λ · mean (ŷ − y)² / n, n the step's scored
 * sequences (the batch size B but in a last, partial batch), so its gradients are 1/n of 'mean''s.
 */
export type RaftReduction = 'mean' | 'reference';
export const RAFT_REDUCTIONS: readonly RaftReduction[] = ['mean', 'reference'];

export interface StepOptions {
  /** λ, the weight of RAFT (default 1). 0 or no score tokens: CE only. */
  lambda?: number;
  /** Default 'mean'. */
  raftReduction?: RaftReduction;
  /** RAFT over the score tokens renormalised (default false). */
  renormalize?: boolean;
  adamw?: Partial<AdamwOptions>;
  /**
   * Logits only at the rows with a target (CE-masked or a score position) when some have none
   * (default true): a judge prompt's positions then skip the head. false: logits at every row.
   */
  headRows?: boolean;
}

export interface StepStats {
  /** Mean CE over the step's target tokens. */
  ce: number;
  /** Mean (ŷ − y)² over the step's examples with a score (null when none); not weighted by λ or
   *  the reduction. */
  raft: number | null;
  /** Global gradient norm before clipping. */
  gradNorm: number;
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
  readonly tokens: ScoreTokens | null;
  readonly adamw: AdamwOptions;
  readonly lambda: number;
  readonly raftReduction: RaftReduction;
  readonly renormalize: boolean;
  readonly headRows: boolean;
  private readonly gpu: Gpu;
  private readonly buf: Record<
    | 'inputIds'
    | 'targets'
    | 'ceMask'
    | 'order'
    | 'offsets'
    | 'rows'
    | 'gold'
    | 'scoreMask'
    | 'ceLoss'
    | 'raftLoss'
    | 'yhat'
    | 'ceAcc'
    | 'raftAcc'
    | 'normClip'
    | 'partials'
    | 'headRows'
    | 'headOrder'
    | 'headOffsets',
    GPUBuffer
  >;

  /** `scoreTokens`: the ids of "1".."5" (values 1..5) for RAFT; omit for CE-only training. */
  constructor(model: DeviceModel, B: number, T: number, options: StepOptions & { scoreTokens?: { ids: number[]; values: number[] } } = {}) {
    if (!model.grads) throw new Error('TrainStep needs a model created with training: true');
    this.model = model;
    this.gpu = model.gpu;
    this.B = B;
    this.T = T;
    this.acts = createActivations(model.gpu, model.config, B, T);
    this.tokens = options.scoreTokens ? uploadScoreTokens(model.gpu, options.scoreTokens.ids, options.scoreTokens.values, model.config.vocabSize) : null;
    this.adamw = { ...DEFAULT_ADAMW, ...options.adamw };
    this.lambda = options.lambda ?? 1;
    this.raftReduction = options.raftReduction ?? 'mean';
    if (!RAFT_REDUCTIONS.includes(this.raftReduction)) throw new Error(`raftReduction must be ${RAFT_REDUCTIONS.map((r) => `'${r}'`).join(' or ')}, got ${JSON.stringify(options.raftReduction)}`);
    this.renormalize = options.renormalize ?? false;
    this.headRows = options.headRows ?? true;
    const R = B * T;
    const V = model.config.vocabSize;
    const mk = (name: string, floats: number) => createBuffer(this.gpu, `train.${name}`, floats * 4);
    this.buf = {
      inputIds: mk('input_ids', R),
      targets: mk('targets', R),
      ceMask: mk('ce_mask', R),
      order: mk('csr_order', R),
      offsets: mk('csr_offsets', V + 1),
      rows: mk('score_rows', B),
      gold: mk('gold', B),
      scoreMask: mk('score_mask', B),
      ceLoss: mk('ce_loss', R),
      raftLoss: mk('raft_loss', B),
      yhat: mk('yhat', B),
      ceAcc: mk('ce_loss_sum', R),
      raftAcc: mk('raft_loss_sum', B),
      normClip: mk('norm_clip', 2),
      partials: mk('grad_norm_partials', GRAD_NORM_PARTIALS),
      headRows: mk('head_rows', R),
      headOrder: mk('head_rows_order', R),
      headOffsets: mk('head_rows_offsets', R + 1),
    };
  }

  private checkBatch(mb: MicroBatch, i: number): void {
    const R = this.B * this.T;
    for (const k of ['inputIds', 'targets', 'ceMask'] as const) {
      if (mb[k].length !== R) throw new Error(`micro-batch ${i}: ${k} has ${mb[k].length} entries, expected B·T = ${R}`);
    }
    const V = this.model.config.vocabSize;
    validateTokenIds(mb.inputIds, V, `micro-batch ${i} input ids`);
    validateTokenIds(mb.targets, V, `micro-batch ${i} targets`);
    if (mb.scorePositions) {
      if (mb.scorePositions.length !== this.B || !mb.labels || mb.labels.length !== this.B) {
        throw new Error(`micro-batch ${i}: scorePositions and labels need one entry per row (B = ${this.B})`);
      }
      for (let b = 0; b < this.B; b++) {
        const t = mb.scorePositions[b];
        if (!Number.isInteger(t) || t < -1 || t >= this.T) throw new Error(`micro-batch ${i}: score position ${t} of row ${b} is outside −1..${this.T - 1}`);
        if (t >= 0 && !Number.isFinite(mb.labels[b])) throw new Error(`micro-batch ${i}: label of row ${b} is ${mb.labels[b]}`);
      }
    }
  }

  private static count(x: ArrayLike<number>, pred: (v: number) => boolean): number {
    let n = 0;
    for (let i = 0; i < x.length; i++) if (pred(x[i])) n++;
    return n;
  }

  /**
   * The rows that get logits: those with a CE target or a score position, ascending (null: all R
   * rows, when every row has one or head rows are off). A batch with no target at all keeps row 0.
   */
  private headRowsOf(mb: MicroBatch, raft: boolean): number[] | null {
    const R = this.B * this.T;
    if (!this.headRows) return null;
    const keep = new Uint8Array(R);
    for (let r = 0; r < R; r++) if (mb.ceMask[r] !== 0) keep[r] = 1;
    if (raft && mb.scorePositions) for (let b = 0; b < this.B; b++) if (mb.scorePositions[b] >= 0) keep[b * this.T + mb.scorePositions[b]] = 1;
    const rows: number[] = [];
    for (let r = 0; r < R; r++) if (keep[r]) rows.push(r);
    if (rows.length === R) return null;
    return rows.length > 0 ? rows : [0];
  }

  /** Records one micro-batch (inputs written first); `first` clears gradients and loss sums. */
  private recordMicro(mb: MicroBatch, first: boolean, ceScale: number, raftLambda: number): Recorder {
    const { B, T, gpu, buf, model, acts } = this;
    const R = B * T;
    const V = model.config.vocabSize;
    const raft = !!(this.tokens && mb.scorePositions && raftLambda > 0);
    const rows = this.headRowsOf(mb, raft);
    // Logit row of each batch row r (identity without head rows).
    const N = rows ? rows.length : R;
    const slot = rows ? new Int32Array(R).fill(-1) : null;
    if (rows && slot) rows.forEach((r, i) => (slot[r] = i));
    writeBuffer(gpu, buf.inputIds, Uint32Array.from(mb.inputIds));
    if (rows) {
      writeBuffer(gpu, buf.targets, Uint32Array.from(rows, (r) => mb.targets[r]));
      writeBuffer(gpu, buf.ceMask, Float32Array.from(rows, (r) => mb.ceMask[r]));
      const hc = buildTokenCsr(rows, R);
      writeBuffer(gpu, buf.headRows, Uint32Array.from(rows));
      writeBuffer(gpu, buf.headOrder, hc.order);
      writeBuffer(gpu, buf.headOffsets, hc.offsets);
    } else {
      writeBuffer(gpu, buf.targets, Uint32Array.from(mb.targets));
      writeBuffer(gpu, buf.ceMask, Float32Array.from(mb.ceMask));
    }
    const csr = buildTokenCsr(mb.inputIds, V);
    writeBuffer(gpu, buf.order, csr.order);
    writeBuffer(gpu, buf.offsets, csr.offsets);
    const head = rows ? { rows: buf.headRows, count: N, order: buf.headOrder, offsets: buf.headOffsets } : undefined;
    const rec = new Recorder(gpu, 'train step');
    if (first) {
      rec.clear(model.grads!);
      rec.clear(buf.ceAcc);
      rec.clear(buf.raftAcc);
    }
    recordForward(rec, model, acts, buf.inputIds, undefined, head);
    crossEntropyBackward(rec, { dlogits: acts.dlogits, loss: buf.ceLoss }, acts.logits, buf.targets, buf.ceMask, { N, V, scale: ceScale });
    axpy(rec, buf.ceAcc, buf.ceLoss, N);
    if (raft) {
      const scoreRows = new Uint32Array(B);
      const smask = new Uint32Array(B);
      for (let b = 0; b < B; b++) {
        const t = mb.scorePositions![b];
        const r = b * T + t;
        scoreRows[b] = t >= 0 ? (slot ? slot[r] : r) : 0;
        smask[b] = t >= 0 ? 1 : 0;
      }
      writeBuffer(gpu, buf.rows, scoreRows);
      writeBuffer(gpu, buf.scoreMask, smask);
      writeBuffer(gpu, buf.gold, Float32Array.from(mb.labels!));
      raftLossBackward(rec, { dlogits: acts.dlogits, loss: buf.raftLoss, yhat: buf.yhat }, acts.logits, buf.gold, buf.scoreMask, this.tokens!, {
        N: B,
        V,
        lambda: raftLambda,
        renormalize: this.renormalize,
        accumulate: true,
        rows: { buffer: buf.rows, R: N },
      });
      axpy(rec, buf.raftAcc, buf.raftLoss, B);
    }
    recordBackward(rec, model, acts, { order: buf.order, offsets: buf.offsets }, head);
    return rec;
  }

  /** Loss scales for a step's micro-batches: CE mean over all targets, RAFT mean over all scored rows. */
  private scales(micro: MicroBatch[]) {
    micro.forEach((mb, i) => this.checkBatch(mb, i));
    const ceCount = micro.reduce((a, mb) => a + Array.from(mb.ceMask).reduce((s, v) => s + v, 0), 0);
    const raftCounts = micro.map((mb) => (mb.scorePositions ? TrainStep.count(mb.scorePositions, (t) => t >= 0) : 0));
    const raftCount = raftCounts.reduce((a, b) => a + b, 0);
    // The kernel averages over a micro-batch's scored rows; weighting micro-batch i by n_i / n makes
    // the step's term the mean over all n scored rows ('reference': divided by n once more).
    const perExample = this.raftReduction === 'reference' && raftCount > 0 ? 1 / raftCount : 1;
    const raftLambdas = raftCounts.map((n) => (raftCount > 0 ? (this.lambda * perExample * n) / raftCount : 0));
    return { ceCount, raftCount, raftLambdas, ceScale: ceCount > 0 ? 1 / ceCount : 0 };
  }

  /** Forward + loss + backward over the micro-batches, leaving the summed gradients in model.grads
   *  (no optimizer step). Tests compare these with the CPU reference. */
  accumulateGradients(micro: MicroBatch[]): { ceCount: number; raftCount: number } {
    const s = this.scales(micro);
    micro.forEach((mb, i) => this.recordMicro(mb, i === 0, s.ceScale, s.raftLambdas[i]).submit());
    return { ceCount: s.ceCount, raftCount: s.raftCount };
  }

  /**
   * A whole optimizer step (optimizer step number `step` ≥ 1 for AdamW's bias corrections) at
   * learning rate `lr`. With `read` (default true) waits for the GPU and returns the losses and the
   * gradient norm, throwing NonFiniteLossError if one is NaN or infinite. Everything is submitted
   * (the step and the copies of its numbers) before the first await, so a caller may start the next
   * step before awaiting this one's promise and keep the GPU busy meanwhile.
   */
  async step(micro: MicroBatch[], lr: number, step: number, read = true): Promise<StepStats | null> {
    if (micro.length === 0) throw new Error('a training step needs at least one micro-batch');
    const s = this.scales(micro);
    const { model, buf } = this;
    micro.forEach((mb, i) => {
      const rec = this.recordMicro(mb, i === 0, s.ceScale, s.raftLambdas[i]);
      if (i === micro.length - 1) {
        const all = { offset: 0, count: model.layout.size };
        gradNorm(rec, { normClip: buf.normClip, partials: buf.partials }, model.grads!, all, this.adamw.gradClip);
        const state = { weights: model.params, grads: model.grads!, m: model.m!, v: model.v! };
        const o = { lr, beta1: this.adamw.beta1, beta2: this.adamw.beta2, eps: this.adamw.eps, step };
        adamwUpdate(rec, state, { offset: model.layout.decayRange.offset, count: model.layout.decayRange.size }, { ...o, weightDecay: this.adamw.weightDecay }, buf.normClip);
        adamwUpdate(rec, state, { offset: model.layout.noDecayRange.offset, count: model.layout.noDecayRange.size }, { ...o, weightDecay: 0 }, buf.normClip);
      }
      rec.submit();
    });
    if (!read) return null;
    return this.readStats(s.ceCount, s.raftCount, step);
  }

  private async readStats(ceCount: number, raftCount: number, step: number): Promise<StepStats> {
    const R = this.B * this.T;
    // All three copies are queued now, before anything else is submitted: a caller may record the
    // next step (which clears these sums) before awaiting this one's numbers.
    const [ceRows, raftRows, nc] = await Promise.all([readF32(this.gpu, this.buf.ceAcc, R), readF32(this.gpu, this.buf.raftAcc, this.B), readF32(this.gpu, this.buf.normClip, 2)]);
    let ce = 0;
    for (const v of ceRows) ce += v;
    ce = ceCount > 0 ? ce / ceCount : 0;
    let raft = 0;
    for (const v of raftRows) raft += v;
    const stats: StepStats = { ce, raft: raftCount > 0 ? raft / raftCount : null, gradNorm: nc[0], ceCount, raftCount };
    if (!Number.isFinite(stats.ce)) throw new NonFiniteLossError(step, 'cross-entropy loss');
    if (stats.raft !== null && !Number.isFinite(stats.raft)) throw new NonFiniteLossError(step, 'RAFT loss');
    if (!Number.isFinite(stats.gradNorm)) throw new NonFiniteLossError(step, 'gradient norm');
    return stats;
  }

  /** The losses of the micro-batches without changing the weights (a held-out loss): forward, loss
   *  and backward run as for a step (the gradients are overwritten), the optimizer does not. */
  async evaluate(micro: MicroBatch[]): Promise<StepStats> {
    const s = this.accumulateGradients(micro);
    return this.readStats(s.ceCount, s.raftCount, 0);
  }

  destroy(): void {
    destroyActivations(this.acts);
    for (const b of Object.values(this.buf)) b.destroy();
    if (this.tokens) for (const b of [this.tokens.table, this.tokens.ids, this.tokens.values]) b.destroy();
  }
}
