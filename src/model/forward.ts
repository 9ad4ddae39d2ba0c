// The model's forward pass on the GPU, recorded into a Recorder (no readback, no pipeline creation
// after the first step). Mirrors src/reference/model.ts op for op; tests compare the two.
//
// Per layer (R = B·T rows; weights [out, in], y = x·Wᵀ):
//   xn = rmsnorm(x, attention_norm); q = rope(xn·wqᵀ); k = rope(xn·wkᵀ); v = xn·wvᵀ
//   x1 = x + attention(q, k, v)·woᵀ
//   xn2 = rmsnorm(x1, ffn_norm); a = xn2·w1ᵀ; b = xn2·w3ᵀ; x' = x1 + (silu(a) ⊙ b)·w2ᵀ
// then logits = rmsnorm(x, norm)·headᵀ.
import type { BufferBinding, Recorder } from '../gpu/index.ts';
import { embeddingForward } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import { axpy } from '../kernels/residual.ts';
import { rmsnormForward } from '../kernels/rmsnorm.ts';
import { ropeForward, ropeToCache } from '../kernels/rope.ts';
import { attentionForward, attentionFusedForward, fusedAttentionFits } from '../kernels/attention.ts';
import { trainingAttentionFor } from '../kernels/attention_tuning.ts';
import { swigluForward } from '../kernels/swiglu.ts';
import { headSize, kvDim } from './config.ts';
import type { Activations } from './activations.ts';
import type { DeviceModel } from './device_model.ts';
import type { MixedPrecision } from './mixed_precision.ts';

/** Keys and values of every layer for B sequences of up to Tmax positions: [B, Tmax, KH·hs] each,
 *  with `posOffset` positions already filled (generation). */
export interface KvCache {
  k: BufferBinding[];
  v: BufferBinding[];
  Tmax: number;
  posOffset: number;
  /** When every layer's cache lies in one buffer (k[l] = flat.k at l · layerFloats floats), the
   *  buffers: a decode step can then run all layers in one dispatch (model/decode.ts). */
  flat?: { k: GPUBuffer; v: GPUBuffer; layerFloats: number };
}

/**
 * Logits for some rows only: training needs them only where a target counts (CE-masked tokens and
 * score positions; a judge prompt has none), and a prefill only at each sequence's last position,
 * so the head — [·, C]·[C, V], the largest product when V is large — runs on those rows alone.
 * `rows` [count] u32, distinct, in 0..R−1 (ascending for training). The gathered rows live in
 * acts.scratch.tmp from the forward until the head's backward is done.
 */
export interface HeadRows {
  rows: GPUBuffer;
  count: number;
  /**
   * Set when the rows are row `rowInSeq` of every sequence, in order (rows[b] = b·T + rowInSeq,
   * count = B): a prefill's or a read-out's last positions. With a KV cache the last layer then
   * runs attention and the feed-forward on those B rows only — later positions read the cache,
   * which holds every row's keys and values, and nothing else reads the last layer's other rows —
   * so a 200-token prefill of a 5-layer model skips a fifth of its attention and products.
   */
  rowInSeq?: number;
}

/** Head rows for training: plus their CSR over the R rows (buildTokenCsr(rows, R)) for the scatter. */
export interface TrainHeadRows extends HeadRows {
  order: GPUBuffer;
  offsets: GPUBuffer;
}

export interface ForwardOptions {
  /** Nothing will run the backward of this forward (a read-out, a check): attention may take the
   *  fused kernel, which never writes the probabilities (acts.layers[l].att is left as it was).
   *  Implied by a KV cache. */
  inference?: boolean;
  /** Mixed precision (training only): every matmul reads f16 copies of its operands (the step's
   *  MixedPrecision holds them; its beginStep must have refreshed the weights). */
  mixed?: MixedPrecision;
}

/**
 * Records the forward of tokens [B·T] (u32 buffer) into acts; acts.logits [R, V] holds the result
 * (with `head`, acts.logits [head.count, V] holds the logits of head.rows in that order).
 * Training: no cache, positions 0 … T−1, acts keep what the backward needs. Generation: the T new
 * tokens of each sequence sit at positions cache.posOffset …; their k and v are appended to the
 * cache and attention reads the whole cache (acts.layers[l].att must hold [B, H, T, Tmax]).
 */
export function recordForward(rec: Recorder, model: DeviceModel, acts: Activations, tokens: GPUBuffer, cache?: KvCache, head?: HeadRows, o: ForwardOptions = {}): void {
  const c = model.config;
  const { B, T } = acts;
  const R = B * T;
  const C = c.dim;
  const H = c.nHeads;
  const KH = c.nKvHeads;
  const hs = headSize(c);
  const Q = H * hs;
  const KV = kvDim(c);
  const F = c.hiddenDim;
  const eps = c.normEps;
  const posOffset = cache?.posOffset ?? 0;
  const ropeShape = (nHeads: number) => ({ R, T, nHeads, hs, posOffset, convention: c.rope });
  // Where no backward follows, attention is one online-softmax dispatch instead of three (1.3–3.6×
  // faster on lavapipe and SwiftShader: tract bench attention). Training runs the variant measured
  // fastest on this device (kernels/attention_tuning.ts): the split kernels keep the probabilities
  // for their backward, the fused ones keep each row's log-sum-exp and recompute them.
  const training = cache === undefined && o.inference !== true;
  const fused = training ? trainingAttentionFor(rec.gpu, { B, T, H, KH, hs }) === 'fused' : fusedAttentionFits(hs);
  acts.trainingAttention = training ? (fused ? 'fused' : 'split') : undefined;
  const mp = o.mixed;
  if (mp && !training) throw new Error('recordForward: mixed precision is for training forwards (no KV cache, not an inference forward)');
  // A matmul's activation operand: the f32 buffer, or (mixed) its f16 copy in mp.scratch.x, cast
  // once and read by every product that follows until the next cast.
  const operand = (x: BufferBinding, n: number): BufferBinding => (mp ? mp.activation(rec, x, n) : x);
  // y [rows, out] = x [rows, in] · Wᵀ with x already an operand.
  const lin = (y: BufferBinding, x: BufferBinding, name: string, rows: number, inDim: number, outDim: number, accumulate = false) =>
    matmul(rec, y, x, mp ? mp.w(name) : model.w(name), { M: rows, N: outDim, K: inDim, transB: true, half: !!mp, accumulate });
  // Without a backward no layer's input need be kept: the residual stream is one buffer
  // (acts.layers[0].x) and the wo and w2 products add onto it in the matmul's epilogue (C += A·Bᵀ:
  // the same sums as the product then axpy), two dispatches fewer per layer.
  let stream = training ? null : acts.layers[0].x;
  // Rows the products after attention run on: R, or from the trimmed last layer on the B head rows.
  let tailRows = R;
  // The last layer on the head rows only (HeadRows.rowInSeq): from its attention on.
  const trim = cache !== undefined && head?.rowInSeq !== undefined ? head : undefined;
  if (trim) checkTrimRows(trim, B, T);

  embeddingForward(rec, acts.layers[0].x, tokens, model.w('tok_embeddings'), { R, C, V: c.vocabSize });
  for (let l = 0; l < c.nLayers; l++) {
    const L = acts.layers[l];
    const w = (n: string) => model.w(`layers.${l}.${n}`);
    const out = l + 1 < c.nLayers ? acts.layers[l + 1].x : acts.xf;
    rmsnormForward(rec, { y: L.xn, rstd: L.rstd }, stream ?? L.x, w('attention_norm'), { R, C, eps });
    const p = `layers.${l}.`;
    const xn = operand(L.xn, R * C);
    lin(L.q, xn, `${p}attention.wq`, R, C, Q);
    lin(L.k, xn, `${p}attention.wk`, R, C, KV);
    lin(L.v, xn, `${p}attention.wv`, R, C, KV);
    if (cache) {
      // q rotated in place, k rotated into the cache and v copied there: one dispatch (no copies
      // breaking the compute pass).
      ropeToCache(rec, { q: L.q, kCache: cache.k[l], vCache: cache.v[l] }, L.k, L.v, model.rope, { B, T, H, KH, hs, Tmax: cache.Tmax, posOffset, convention: c.rope });
      let q: BufferBinding = L.q;
      let attShape = { B, T, H, KH, hs, posOffset, kvT: cache.Tmax };
      if (trim && l === c.nLayers - 1) {
        // From here on the B head rows alone: their queries and residual rows are gathered (the
        // embedding lookup with a [R, width] table) into the backward scratch, unused without a
        // backward; row b's query sits at position posOffset + t and attends to its sequence's
        // cache rows 0 … posOffset + t, as in the whole layer. The head then needs no gather.
        const S = acts.scratch;
        embeddingForward(rec, S.dq, trim.rows, L.q, { R: B, C: Q, V: R });
        embeddingForward(rec, S.dres, trim.rows, stream!, { R: B, C, V: R });
        q = S.dq;
        stream = S.dres;
        tailRows = B;
        attShape = { ...attShape, T: 1, posOffset: posOffset + trim.rowInSeq! };
      }
      if (fused) attentionFusedForward(rec, { out: L.y, lse: L.att }, q, cache.k[l], cache.v[l], attShape);
      else attentionForward(rec, { out: L.y, att: L.att }, q, cache.k[l], cache.v[l], attShape);
    } else {
      ropeForward(rec, L.q, L.q, model.rope, ropeShape(H));
      ropeForward(rec, L.k, L.k, model.rope, ropeShape(KH));
      if (fused) {
        // Mixed precision: the fused kernels read f16 copies of q, k and v.
        const qkv = mp ? mp.attentionInputs(rec, L.q, L.k, L.v, R * Q, R * KV) : { q: L.q, k: L.k, v: L.v };
        attentionFusedForward(rec, { out: L.y, lse: L.att }, qkv.q, qkv.k, qkv.v, { B, T, H, KH, hs }, !!mp);
      } else {
        attentionForward(rec, { out: L.y, att: L.att }, L.q, L.k, L.v, { B, T, H, KH, hs });
      }
    }
    if (stream) {
      lin(stream, L.y, `${p}attention.wo`, tailRows, Q, C, true);
    } else {
      lin(L.x1, operand(L.y, R * Q), `${p}attention.wo`, R, Q, C);
      axpy(rec, L.x1, L.x, R * C);
    }
    rmsnormForward(rec, { y: L.xn2, rstd: L.rstd2 }, stream ?? L.x1, w('ffn_norm'), { R: tailRows, C, eps });
    const xn2 = operand(L.xn2, tailRows * C);
    lin(L.a, xn2, `${p}feed_forward.w1`, tailRows, C, F);
    lin(L.b, xn2, `${p}feed_forward.w3`, tailRows, C, F);
    swigluForward(rec, L.g, L.a, L.b, tailRows * F);
    if (stream) {
      lin(stream, L.g, `${p}feed_forward.w2`, tailRows, F, C, true);
    } else {
      lin(out, operand(L.g, R * F), `${p}feed_forward.w2`, R, F, C);
      axpy(rec, out, L.x1, R * C);
    }
  }
  rmsnormForward(rec, { y: acts.xnf, rstd: acts.rstdf }, stream ?? acts.xf, model.w('norm'), { R: tailRows, C, eps });
  if (head && !trim) {
    checkHeadRows(head, R);
    // Gather: the embedding lookup with xnf [R, C] as the table and the row ids as tokens.
    embeddingForward(rec, acts.scratch.tmp, head.rows, acts.xnf, { R: head.count, C, V: R });
    lin(acts.logits, operand(acts.scratch.tmp, head.count * C), model.head, head.count, C, c.vocabSize);
  } else {
    lin(acts.logits, operand(acts.xnf, tailRows * C), model.head, tailRows, C, c.vocabSize);
  }
}

function checkTrimRows(head: HeadRows, B: number, T: number): void {
  const t = head.rowInSeq!;
  if (head.count !== B) throw new Error(`head rows: rowInSeq needs one row per sequence (${B}), got ${head.count}`);
  if (!Number.isInteger(t) || t < 0 || t >= T) throw new Error(`head rows: rowInSeq ${t} is outside 0..${T - 1}`);
}

function checkHeadRows(head: HeadRows, R: number): void {
  if (!Number.isInteger(head.count) || head.count < 1 || head.count > R) throw new Error(`head rows: count ${head.count} is outside 1..${R}`);
}
