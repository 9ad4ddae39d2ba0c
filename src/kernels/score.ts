// Launchers for the fused score kernels: the RAIL read-out (score_expectation.wgsl) and the RAFT
// loss gradient (raft_loss_backward.wgsl). What they mean for a model (which tokens, which rows,
// how the loss is weighted) is the score head's business: src/model/score_head.ts. Score tokens are validated once, when uploaded, and
// checked against the vocabulary size at every launch, before anything is dispatched.
import { f32, KernelArgumentError, uploadBuffer, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, rowGrid, rowKernels, rowWorkgroupSize } from './common.ts';
import rowStatsWgsl from '../../shaders/common/row_softmax_stats.wgsl?raw';
import scoreExpectationWgsl from '../../shaders/score_expectation.wgsl?raw';
import raftLossBackwardWgsl from '../../shaders/raft_loss_backward.wgsl?raw';

/** At most this many score tokens (MAX_K in the shaders). */
export const MAX_SCORE_TOKENS = 32;

const scoreExpectationKernels = rowKernels(
  'score_expectation.wgsl',
  scoreExpectationWgsl,
  ['logits', 'score_table', 'rows', 'readout'],
  rowStatsWgsl,
);
const raftLossBackwardKernels = rowKernels(
  'raft_loss_backward.wgsl',
  raftLossBackwardWgsl,
  ['logits', 'gold', 'mask', 'score_table', 'rows', 'dlogits', 'loss', 'yhat'],
  rowStatsWgsl,
);

/** The score tokens t_k and their values s_k, on the GPU. */
export interface ScoreTokens {
  /** [2K] u32: the ids, then the bits of the f32 values (what the fused kernels read). */
  readonly table: GPUBuffer;
  /** [K] u32 and [K] f32 (the unfused chain's gather and weighted sum read these). */
  readonly ids: GPUBuffer;
  readonly values: GPUBuffer;
  readonly K: number;
  /** Largest id: every launch checks it against V. */
  readonly maxId: number;
  readonly hostIds: readonly number[];
  readonly hostValues: readonly number[];
}

/** Throws a KernelArgumentError naming the first bad score token (repeat, out of vocabulary, not
 *  an integer, or a non-finite value). `V` is optional: ids are then only checked to be ≥ 0. */
export function validateScoreTokens(ids: ArrayLike<number>, values: ArrayLike<number>, V?: number): void {
  const name = 'score tokens';
  if (ids.length === 0) throw new KernelArgumentError(name, 'no score token ids given');
  if (ids.length !== values.length) {
    throw new KernelArgumentError(name, `${ids.length} ids but ${values.length} values`);
  }
  if (ids.length > MAX_SCORE_TOKENS) {
    throw new KernelArgumentError(name, `${ids.length} score tokens; at most ${MAX_SCORE_TOKENS} are supported`);
  }
  const seen = new Map<number, number>();
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    if (!Number.isInteger(id) || id < 0) throw new KernelArgumentError(name, `id ${k} is ${id}; ids must be integers ≥ 0`);
    if (V !== undefined && id >= V) {
      throw new KernelArgumentError(name, `id ${k} is ${id}, outside the vocabulary 0..${V - 1}`);
    }
    const prev = seen.get(id);
    if (prev !== undefined) throw new KernelArgumentError(name, `id ${id} appears twice (positions ${prev} and ${k}); score tokens must be distinct`);
    seen.set(id, k);
    if (!Number.isFinite(values[k])) throw new KernelArgumentError(name, `value ${k} is ${values[k]}; values must be finite`);
  }
}

export function uploadScoreTokens(gpu: Gpu, ids: ArrayLike<number>, values: ArrayLike<number>, V?: number): ScoreTokens {
  validateScoreTokens(ids, values, V);
  const hostIds = Array.from(ids);
  const hostValues = Array.from(values);
  const table = new Uint32Array(2 * hostIds.length);
  table.set(hostIds);
  new Float32Array(table.buffer, 4 * hostIds.length).set(hostValues);
  return {
    table: uploadBuffer(gpu, 'score_table', table),
    ids: uploadBuffer(gpu, 'score_ids', new Uint32Array(hostIds)),
    values: uploadBuffer(gpu, 'score_values', new Float32Array(hostValues)),
    K: hostIds.length,
    maxId: Math.max(...hostIds),
    hostIds,
    hostValues,
  };
}

function checkTokens(kernel: string, tokens: ScoreTokens, V: number): void {
  if (tokens.maxId >= V) {
    throw new KernelArgumentError(kernel, `score token id ${tokens.maxId} is outside the vocabulary 0..${V - 1}`);
  }
}

export interface ScoreShape {
  /** Output rows (examples). */
  N: number;
  V: number;
  renormalize?: boolean;
  /** Read (and for RAFT write) logits row rows[n] of a larger [R, V] buffer instead of row n:
   *  `rows` is a u32 [N] buffer, `R` the number of rows in the logits buffer. */
  rows?: { buffer: GPUBuffer; R: number };
}

function rowSource(name: string, shape: ScoreShape, logits: GPUBuffer): { flag: number; R: number; rows?: GPUBuffer } {
  if (!shape.rows) return { flag: 0, R: shape.N };
  const { buffer, R } = shape.rows;
  checkDim(name, 'R', R);
  checkBuffer(name, 'rows', buffer, shape.N);
  checkBuffer(name, 'logits', logits, R * shape.V);
  return { flag: 4, R, rows: buffer };
}

/** Floats per row of the RAIL read-out: K probabilities, then these four. */
export const READOUT_EXTRA = 4;

/** The fields of one read-out row [K + READOUT_EXTRA] (score_expectation.wgsl's output layout). */
export interface ReadoutRow {
  /** p_k over the whole vocabulary (or q_k when renormalising). */
  probs: number[];
  /** Σ_k p_k (never renormalised). */
  mass: number;
  /** RAIL ŷ = Σ_k s_k p_k (or Σ_k s_k q_k). */
  yhat: number;
  /** s_{k*}: the value of the score token with the largest logit (the first, on ties). */
  decoded: number;
  /** Whether a score token reaches the whole-vocabulary max logit. */
  argmaxIsScore: boolean;
}

/** Row n of a read-out buffer's contents [N, K + 4]. */
export function readoutRow(data: ArrayLike<number>, n: number, K: number): ReadoutRow {
  const o = n * (K + READOUT_EXTRA);
  const probs: number[] = [];
  for (let k = 0; k < K; k++) probs.push(data[o + k]);
  return { probs, mass: data[o + K], yhat: data[o + K + 1], decoded: data[o + K + 2], argmaxIsScore: data[o + K + 3] !== 0 };
}

/** RAIL: readout [N, K + 4] (per row p_0 … p_{K−1}, mass, ŷ, decoded, argmax flag) from logits [N, V]. */
export function scoreExpectation(rec: Recorder, readout: GPUBuffer, logits: GPUBuffer, tokens: ScoreTokens, shape: ScoreShape): void {
  const name = 'score_expectation.wgsl';
  const { N, V } = shape;
  checkDim(name, 'N', N);
  checkDim(name, 'V', V);
  checkTokens(name, tokens, V);
  const src = rowSource(name, shape, logits);
  checkBuffer(name, 'logits', logits, src.R * V);
  checkBuffer(name, 'readout', readout, N * (tokens.K + READOUT_EXTRA));
  const grid = rowGrid(rec.gpu, N);
  rec.run(scoreExpectationKernels.pick(V), {
    params: [N, V, tokens.K, (shape.renormalize ? 1 : 0) | src.flag, grid.rowsPerX, src.R],
    // Without a row list the binding is unused; the table stands in for it (read-only, tiny).
    buffers: { logits, score_table: tokens.table, rows: src.rows ?? tokens.table, readout },
    workgroups: grid.workgroups,
    overrides: { WG: rowWorkgroupSize(rec.gpu, V) },
  });
}

export interface RaftOptions extends ScoreShape {
  /** λ, the weight of the RAFT term (default 1). */
  lambda?: number;
  /** Add onto dlogits (where the CE gradient of the other positions lives) instead of overwriting. */
  accumulate?: boolean;
}

/** RAFT: dlogits [N, V] (= or +=), loss [N], yhat [N] from logits [N, V], gold [N], mask [N] (u32). */
export function raftLossBackward(
  rec: Recorder,
  out: { dlogits: GPUBuffer; loss: GPUBuffer; yhat: GPUBuffer },
  logits: GPUBuffer,
  gold: GPUBuffer,
  mask: GPUBuffer,
  tokens: ScoreTokens,
  opts: RaftOptions,
): void {
  const name = 'raft_loss_backward.wgsl';
  const { N, V } = opts;
  checkDim(name, 'N', N);
  checkDim(name, 'V', V);
  checkTokens(name, tokens, V);
  const lambda = opts.lambda ?? 1;
  if (!Number.isFinite(lambda)) throw new KernelArgumentError(name, `lambda must be finite, got ${lambda}`);
  const src = rowSource(name, opts, logits);
  checkBuffer(name, 'logits', logits, src.R * V);
  checkBuffer(name, 'gold', gold, N);
  checkBuffer(name, 'mask', mask, N);
  checkBuffer(name, 'dlogits', out.dlogits, src.R * V);
  checkBuffer(name, 'loss', out.loss, N);
  checkBuffer(name, 'yhat', out.yhat, N);
  const grid = rowGrid(rec.gpu, N);
  const flags = (opts.renormalize ? 1 : 0) | (opts.accumulate ? 2 : 0) | src.flag;
  rec.run(raftLossBackwardKernels.pick(V), {
    params: [N, V, tokens.K, flags, grid.rowsPerX, f32(lambda), src.R],
    buffers: { logits, gold, mask, score_table: tokens.table, rows: src.rows ?? tokens.table, ...out },
    workgroups: grid.workgroups,
    overrides: { WG: rowWorkgroupSize(rec.gpu, V) },
  });
}
