// The one training batch type (TrainBatch), from packing through the GPU step (src/train/step.ts)
// and its CPU reference (src/reference/score_head.ts, src/reference/model.ts); and packing judge
// examples into it for CoT-RAFT training (row-major [B, T], row b at b·T). Language-model batches
// (src/data/lmBatching.ts, the procedural corpus) are the same type with no score positions.
//
//   inputIds[b, t]      ids[t]                    (pad after the sequence)
//   targets[b, t]       ids[t + 1]                (pad after the sequence)
//   ceMask[b, t]        1 where targets[b, t] is a CoT / score-suffix token or the final EOS;
//                       the score token itself only with includeScoreInCe; 0 elsewhere and on padding
//   scorePositions[b]   t whose logits predict the score token (= scoreIndex − 1), −1 for an empty row
//   labels[b]           the gold label (mean annotator score), 0 for an empty row
// A sequence of n ids fills n − 1 positions, so it fits a row when n − 1 <= T.
import { buildExample, type BuiltExample } from './example.ts';
import { createRng } from './rng.ts';
import type { TemplateName } from './templates.ts';
import type { Tokenizer } from './tokenizers/types.ts';
import type { JudgeExample } from './types.ts';

export interface PrepareOptions {
  tokenizer: Tokenizer;
  template: TemplateName;
  /** T, the row length. */
  seqLen: number;
  /** The prompt-fit rule's CoT room (with seqLen): every method's prompt gets the same budget, and
   *  a longer CoT is cut to this many tokens (src/data/example.ts). */
  maxCotTokens: number;
  /** CoT per example id, replacing the reference CoT (stage 2's self-generated CoTs). */
  cots?: ReadonlyMap<string, string>;
  /** Train on the label alone: no CoT at all. */
  labelOnly?: boolean;
}

export interface PreparedSet {
  sequences: BuiltExample[];
  /** Examples whose prompt was shortened to fit. */
  truncated: number;
  /** Examples whose CoT was cut to maxCotTokens. */
  cotCut: number;
  /** Examples left out because even an emptied prompt cannot fit; with the reason. */
  dropped: { id: string; reason: string }[];
}

/** Training sequences under the prompt-fit rule (the same prompt ids for every method). */
export function prepareJudgeSequences(examples: readonly JudgeExample[], options: PrepareOptions): PreparedSet {
  const sequences: BuiltExample[] = [];
  const dropped: { id: string; reason: string }[] = [];
  let truncated = 0;
  let cotCut = 0;
  const fit = { seqLen: options.seqLen, maxCotTokens: options.maxCotTokens };
  for (const ex of examples) {
    const cot = options.labelOnly ? '' : options.cots?.get(ex.id);
    const r = buildExample(ex, { tokenizer: options.tokenizer, template: options.template, cot, fit });
    if (!r.ok) {
      dropped.push({ id: r.id, reason: r.reason });
      continue;
    }
    if (r.example.truncated) truncated++;
    if (r.example.cotCut) cotCut++;
    sequences.push(r.example);
  }
  return { sequences, truncated, cotCut, dropped };
}

/** B rows of T positions (row-major [B·T]) and, per row, at most one score position. */
export interface TrainBatch {
  /** B. */
  batchSize: number;
  /** T. */
  seqLen: number;
  /** [B·T] input ids (pad after a sequence). */
  inputIds: Int32Array;
  /** [B·T] next-token targets. */
  targets: Int32Array;
  /** [B·T] 1 (or a weight) where the target counts in CE, 0 elsewhere and on padding. */
  ceMask: Float32Array;
  /** [B] t whose logits predict the score token, −1 for none (an LM row, an empty row). */
  scorePositions: Int32Array;
  /** [B] the gold score y (may be fractional), 0 where there is no score position. */
  labels: Float32Array;
  /** [B] example id per row ('' for an LM row or an empty row). */
  ids: string[];
}

/** A TrainBatch from plain arrays (tests, benchmarks): no score positions unless given. */
export function trainBatch(b: {
  batchSize: number;
  seqLen: number;
  inputIds: ArrayLike<number>;
  targets: ArrayLike<number>;
  ceMask: ArrayLike<number>;
  scorePositions?: ArrayLike<number>;
  labels?: ArrayLike<number>;
  ids?: string[];
}): TrainBatch {
  const B = b.batchSize;
  return {
    batchSize: B,
    seqLen: b.seqLen,
    inputIds: Int32Array.from(b.inputIds),
    targets: Int32Array.from(b.targets),
    ceMask: Float32Array.from(b.ceMask),
    scorePositions: b.scorePositions ? Int32Array.from(b.scorePositions) : new Int32Array(B).fill(-1),
    labels: b.labels ? Float32Array.from(b.labels) : new Float32Array(B),
    ids: b.ids ?? new Array<string>(B).fill(''),
  };
}

/** Number of CE targets (the sum of ceMask). */
export function ceTargetCount(b: TrainBatch): number {
  let n = 0;
  for (let i = 0; i < b.ceMask.length; i++) n += b.ceMask[i];
  return n;
}

/** Number of rows with a score position. */
export function scoredRowCount(b: TrainBatch): number {
  let n = 0;
  for (let i = 0; i < b.scorePositions.length; i++) if (b.scorePositions[i] >= 0) n++;
  return n;
}

/**
 * The positions of a batch that matter to its loss: 1 + the last t (over all rows) whose target
 * counts in CE or that is a score position; 0 for a batch with no target. Attention is causal, so
 * positions after it change nothing the loss or its gradient sees (their gradients are exactly 0).
 */
export function usedLength(b: TrainBatch): number {
  const { batchSize: B, seqLen: T } = b;
  let used = 0;
  for (let r = 0; r < B; r++) {
    const row = r * T;
    let last = b.scorePositions[r];
    for (let t = T - 1; t > last; t--) {
      if (b.ceMask[row + t] !== 0) {
        last = t;
        break;
      }
    }
    used = Math.max(used, last + 1);
  }
  return used;
}

/**
 * The batch cut to its first T' positions per row (T' ≥ usedLength(b), ≤ b.seqLen): a training
 * step then runs [B, T'] instead of [B, T] — most judge sequences are far shorter than the
 * context (a label-only one is a prompt and a score) — with the same loss and gradients.
 */
export function trimTrainBatch(b: TrainBatch, T: number): TrainBatch {
  if (T === b.seqLen) return b;
  const used = usedLength(b);
  if (!Number.isInteger(T) || T < Math.max(1, used) || T > b.seqLen) throw new RangeError(`cannot cut a batch of ${b.seqLen} positions (${used} used) to ${T}`);
  const B = b.batchSize;
  const inputIds = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const ceMask = new Float32Array(B * T);
  for (let r = 0; r < B; r++) {
    const from = r * b.seqLen;
    inputIds.set(b.inputIds.subarray(from, from + T), r * T);
    targets.set(b.targets.subarray(from, from + T), r * T);
    ceMask.set(b.ceMask.subarray(from, from + T), r * T);
  }
  return { ...b, seqLen: T, inputIds, targets, ceMask };
}

export interface PackOptions {
  batchSize: number;
  seqLen: number;
  pad: number;
  /** Put the score token in the CE mask too (default false, as in the reference code). */
  includeScoreInCe?: boolean;
}

/** One batch from up to batchSize sequences; missing rows are empty (all pad, mask 0, score position −1). */
export function packJudgeBatch(seqs: readonly BuiltExample[], o: PackOptions): TrainBatch {
  const { batchSize: B, seqLen: T, pad } = o;
  if (seqs.length > B) throw new RangeError(`${seqs.length} sequences for a batch of ${B}`);
  const inputIds = new Int32Array(B * T).fill(pad);
  const targets = new Int32Array(B * T).fill(pad);
  const ceMask = new Float32Array(B * T);
  const scorePositions = new Int32Array(B).fill(-1);
  const labels = new Float32Array(B);
  const ids: string[] = new Array<string>(B).fill('');
  seqs.forEach((s, b) => {
    const n = s.ids.length;
    if (n - 1 > T) throw new RangeError(`sequence ${s.id} has ${n} ids, more than T + 1 = ${T + 1}`);
    const row = b * T;
    for (let t = 0; t < n - 1; t++) {
      inputIds[row + t] = s.ids[t]!;
      const next = t + 1;
      targets[row + t] = s.ids[next]!;
      const inCot = next >= s.targetStart && next < s.scoreIndex;
      const isEos = next === s.scoreIndex + 1;
      const isScore = next === s.scoreIndex;
      if (inCot || isEos || (isScore && o.includeScoreInCe)) {
        ceMask[row + t] = 1;
      }
    }
    scorePositions[b] = s.scoreIndex - 1;
    labels[b] = s.label;
    ids[b] = s.id;
  });
  return { batchSize: B, seqLen: T, inputIds, targets, ceMask, scorePositions, labels, ids };
}

/** A permutation of 0..n−1 from (seed, epoch): the same on every machine. */
export function shuffledOrder(n: number, seed: number | string, epoch = 0): Int32Array {
  const rng = createRng(seed, `shuffle/${epoch}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export interface BatchesOptions extends PackOptions {
  seed: number | string;
  epoch?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Leave out a last, partial batch (default false: it is filled with empty rows). */
  dropLast?: boolean;
}

/** The batches of one epoch, in a seeded order. */
export function* judgeBatches(seqs: readonly BuiltExample[], o: BatchesOptions): Generator<TrainBatch> {
  const order = o.shuffle === false ? Int32Array.from({ length: seqs.length }, (_, i) => i) : shuffledOrder(seqs.length, o.seed, o.epoch ?? 0);
  for (let i = 0; i < order.length; i += o.batchSize) {
    const rows = Array.from(order.subarray(i, i + o.batchSize), (k) => seqs[k]!);
    if (rows.length < o.batchSize && o.dropLast) return;
    yield packJudgeBatch(rows, o);
  }
}
