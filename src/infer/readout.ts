// Where the judge gets its RAIL read-outs (DESIGN.md §1): one ReadoutRow per sequence, at the
// sequence's last position — the K score probabilities, the captured mass, ŷ, the decoded score and
// whether a score token is the whole-vocabulary argmax.
//   GpuScoreReader: the model's forward and the score head's fused read-out (score_expectation.wgsl)
//     on the GPU; what comes back is K + 4 floats per sequence, never a logits row. `readouts` runs
//     a forward over each whole sequence; `readoutsOnCache` runs only what a Generator's KV cache
//     does not already hold (after a CoT: the suffix " So the overall score is "), one submit and
//     one readback per batch.
//   HostScoreReader: for generators without WebGPU (onnxruntime-web): their logits rows, read out
//     on the host by the same definitions (readoutOnHost).
import { readBuffer, Recorder, writeBuffer, createBuffer } from '../gpu/index.ts';
import { validateTokenIds } from '../kernels/embedding.ts';
import { createActivations, destroyActivations, type Activations } from '../model/activations.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { recordForward } from '../model/forward.ts';
import { readoutOnHost, readoutRow, ScoreHead, type ReadoutRow, type ScoreScale } from '../model/score_head.ts';
import type { Generator, SequenceGenerator } from './generate.ts';

export interface ScoreReader {
  /** The score tokens and values it reads out. */
  readonly scale: ScoreScale;
  /** One read-out per sequence (any lengths ≥ 1), at its last position. */
  readouts(seqs: readonly number[][], renormalize: boolean): Promise<ReadoutRow[]>;
}

/** The logits at the last position of every sequence (any lengths), grouped by length. */
export async function lastLogitsMany(gen: SequenceGenerator, seqs: number[][]): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(seqs.length);
  const byLength = new Map<number, number[]>();
  seqs.forEach((s, i) => byLength.set(s.length, [...(byLength.get(s.length) ?? []), i]));
  for (const idx of byLength.values()) {
    for (let s = 0; s < idx.length; s += gen.maxBatch) {
      const group = idx.slice(s, s + gen.maxBatch);
      const rows = await gen.lastLogits(group.map((i) => seqs[i]));
      group.forEach((i, b) => (out[i] = rows[b]));
    }
  }
  return out;
}

/** Read-outs on the host from a generator's logits rows (runtimes without WebGPU). */
export class HostScoreReader implements ScoreReader {
  readonly gen: SequenceGenerator;
  readonly scale: ScoreScale;
  constructor(gen: SequenceGenerator, scale: ScoreScale) {
    this.gen = gen;
    this.scale = scale;
  }

  async readouts(seqs: readonly number[][], renormalize: boolean): Promise<ReadoutRow[]> {
    const rows = await lastLogitsMany(this.gen, [...seqs]);
    return rows.map((r) => readoutOnHost(r, this.scale, renormalize));
  }
}

/**
 * Read-outs on the GPU. Sequences are sorted by length and run maxBatch at a time in one forward
 * each, right-padded to the longest of the group: attention is causal, so a sequence's last
 * position never sees the padding after it. The head runs only at the B last positions, then the
 * fused read-out writes [B, K + 4], the one buffer read back.
 */
export class GpuScoreReader implements ScoreReader {
  readonly model: DeviceModel;
  readonly head: ScoreHead;
  readonly maxBatch: number;
  readonly Tmax: number;
  private readonly tokenBuf: GPUBuffer;
  private readonly lastRows: GPUBuffer;
  private readonly out: GPUBuffer;
  private acts: Activations | null = null;

  get scale(): ScoreScale {
    return this.head.scale!;
  }

  constructor(model: DeviceModel, scale: ScoreScale, maxBatch: number, Tmax = model.config.seqLen) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`score reader: maxBatch must be a positive integer, got ${maxBatch}`);
    if (Tmax > model.config.seqLen) throw new Error(`score reader: ${Tmax} positions exceed the model's seqLen ${model.config.seqLen}`);
    this.model = model;
    this.head = new ScoreHead(model.gpu, model.config.vocabSize, scale);
    this.maxBatch = maxBatch;
    this.Tmax = Tmax;
    this.tokenBuf = createBuffer(model.gpu, 'readout.tokens', maxBatch * Tmax * 4);
    this.lastRows = createBuffer(model.gpu, 'readout.last_rows', maxBatch * 4);
    this.out = createBuffer(model.gpu, 'readout.rows', maxBatch * this.head.readoutWidth * 4);
  }

  /** Activations for B × T (one shape kept: a judgement's groups mostly share it). */
  private activations(B: number, T: number): Activations {
    if (this.acts && this.acts.B === B && this.acts.T === T) return this.acts;
    if (this.acts) destroyActivations(this.acts);
    this.acts = createActivations(this.model.gpu, this.model.config, B, T);
    return this.acts;
  }

  async readouts(seqs: readonly number[][], renormalize: boolean): Promise<ReadoutRow[]> {
    const V = this.model.config.vocabSize;
    seqs.forEach((s, i) => {
      if (s.length === 0) throw new Error(`score reader: sequence ${i} is empty (it needs at least BOS)`);
      if (s.length > this.Tmax) throw new Error(`score reader: sequence ${i} has ${s.length} tokens, more than the ${this.Tmax} positions`);
      validateTokenIds(s, V, `sequence ${i}`);
    });
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].length - seqs[b].length || a - b);
    const out: ReadoutRow[] = new Array(seqs.length);
    const W = this.head.readoutWidth;
    for (let g = 0; g < order.length; g += this.maxBatch) {
      const group = order.slice(g, g + this.maxBatch);
      const B = group.length;
      const T = seqs[group[B - 1]].length;
      const flat = new Uint32Array(B * T);
      group.forEach((i, b) => flat.set(seqs[i], b * T));
      const gpu = this.model.gpu;
      writeBuffer(gpu, this.tokenBuf, flat);
      writeBuffer(gpu, this.lastRows, Uint32Array.from(group, (i, b) => b * T + seqs[i].length - 1));
      const acts = this.activations(B, T);
      const rec = new Recorder(gpu, 'rail read-out');
      recordForward(rec, this.model, acts, this.tokenBuf, undefined, { rows: this.lastRows, count: B }, { inference: true });
      // acts.logits now holds B rows: the last position of each sequence, in group order.
      this.head.recordReadout(rec, this.out, acts.logits, B, { renormalize });
      rec.submit();
      const data = new Float32Array(await readBuffer(gpu, this.out, B * W * 4));
      group.forEach((i, b) => (out[i] = readoutRow(data, b, this.head.K)));
    }
    return out;
  }

  /**
   * Read-outs of sequences that continue what `gen` (on this reader's model) holds in its KV cache:
   * seqs[b] is read out on top of cache slot b of its last run (see Generator.continueAndRead), the
   * same numbers as `readouts` (up to rounding) without the forward over the prompt and CoT.
   */
  async readoutsOnCache(gen: Generator, seqs: readonly number[][], renormalize: boolean): Promise<ReadoutRow[]> {
    if (gen.model !== this.model) throw new Error('score reader: the generator runs another model');
    if (seqs.length > this.maxBatch) throw new Error(`score reader: ${seqs.length} sequences, more than the ${this.maxBatch} of one read-out`);
    const W = this.head.readoutWidth;
    const B = seqs.length;
    const data = new Float32Array(
      await gen.continueAndRead(seqs, (rec, logits, n) => this.head.recordReadout(rec, this.out, logits, n, { renormalize }), this.out, B * W * 4),
    );
    return seqs.map((_, b) => readoutRow(data, b, this.head.K));
  }

  destroy(): void {
    if (this.acts) destroyActivations(this.acts);
    this.acts = null;
    for (const b of [this.tokenBuf, this.lastRows, this.out]) b.destroy();
    this.head.destroy();
  }
}
