// Plain language-model packing for stage-0 pretraining: next-token CE over the instruction,
// response and reference answer texts (never the feedback, which is what stage 1 must learn).
// Each text becomes BOS text EOS; the texts are concatenated into one token stream and cut into
// windows of T + 1 tokens (T inputs and their next tokens), taken in a seeded order.
import { shuffledOrder, type TrainBatch } from './batching.ts';
import type { Tokenizer } from './tokenizers/types.ts';
import type { JudgeExample } from './types.ts';

export type LmField = 'instruction' | 'response' | 'referenceAnswer';

/** The texts to pretrain on, in example order; identical texts are kept once when `unique`. */
export function lmTexts(examples: readonly JudgeExample[], options: { fields?: LmField[]; unique?: boolean } = {}): string[] {
  const fields = options.fields ?? ['instruction', 'response', 'referenceAnswer'];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const ex of examples) {
    for (const f of fields) {
      const t = ex[f];
      if (options.unique) {
        if (seen.has(t)) continue;
        seen.add(t);
      }
      out.push(t);
    }
  }
  return out;
}

/** BOS text EOS for each text, concatenated. */
export function lmTokenStream(texts: readonly string[], tokenizer: Tokenizer): Int32Array {
  const parts = texts.map((t) => tokenizer.encode(t, { bos: true, eos: true }));
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Number of whole windows of T + 1 tokens (consecutive windows share one token). */
export function lmWindowCount(streamLength: number, seqLen: number): number {
  return Math.max(0, Math.floor((streamLength - 1) / seqLen));
}

export function* lmBatches(
  stream: Int32Array,
  o: { batchSize: number; seqLen: number; pad: number; seed: number | string; epoch?: number; dropLast?: boolean },
): Generator<TrainBatch> {
  const T = o.seqLen;
  const windows = lmWindowCount(stream.length, T);
  const order = shuffledOrder(windows, o.seed, o.epoch ?? 0);
  for (let i = 0; i < windows; i += o.batchSize) {
    const rows = order.subarray(i, i + o.batchSize);
    if (rows.length < o.batchSize && o.dropLast) return;
    const inputIds = new Int32Array(o.batchSize * T).fill(o.pad);
    const targets = new Int32Array(o.batchSize * T).fill(o.pad);
    // 1 for real positions, 0 for the empty rows of a last partial batch.
    const ceMask = new Float32Array(o.batchSize * T);
    rows.forEach((w, b) => {
      inputIds.set(stream.subarray(w * T, w * T + T), b * T);
      targets.set(stream.subarray(w * T + 1, w * T + T + 1), b * T);
      ceMask.fill(1, b * T, b * T + T);
    });
    const B = o.batchSize;
    yield { batchSize: B, seqLen: T, inputIds, targets, ceMask, scorePositions: new Int32Array(B).fill(-1), labels: new Float32Array(B), ids: new Array<string>(B).fill('') };
  }
}
