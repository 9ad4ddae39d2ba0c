// The Float64 CPU reference Llama: forward (logits of a token batch), masked mean cross-entropy,
// backward (every parameter gradient, in the flat layout), and generation with a KV cache. It is
// composed from the per-op references (embedding, rmsnorm, matmul, rope, attention, swiglu,
// residual, cross_entropy), so it is the same model the GPU engine builds from the kernels, in
// double. Tests check it token for token against llama2.c (stories260K) and its backward against
// finite differences; the GPU engine is then checked against it.
//
// Shapes: B sequences of T tokens, R = B·T rows; C = dim, H heads of hs, KH kv heads, F hidden, V
// vocab. Weights are [out, in] (y = x·Wᵀ, matmulRef with transB). Per layer:
//   xn = rmsnorm(x, attention_norm); q = rope(xn·wqᵀ); k = rope(xn·wkᵀ); v = xn·wvᵀ
//   x1 = x + attention(q, k, v)·woᵀ
//   xn2 = rmsnorm(x1, ffn_norm); a = xn2·w1ᵀ; b = xn2·w3ᵀ; x' = x1 + (silu(a) ⊙ b)·w2ᵀ
// then logits = rmsnorm(x, norm)·headᵀ (head = tok_embeddings when tied, else output).
// RoPE angles are pos·θ^(−2i/hs) in double (llama2.c's formula, in double) unless `ropeF32` asks
// for run.c's f32 table (what the GPU engine reads).
import type { TrainBatch } from '../data/batching.ts';
import type { ParamLayout } from '../model/layout.ts';
import { headSize } from '../model/config.ts';
import { Rng } from '../model/rng.ts';
import { sampleToken, validateSampling, type SamplingOptions } from '../infer/sampling.ts';
import type { Floats } from './floats.ts';
import { matmulRef } from './matmul.ts';
import { embeddingBackwardRef, embeddingForwardRef } from './embedding.ts';
import { rmsnormBackwardRef, rmsnormForwardRef } from './rmsnorm.ts';
import { ropeBackwardRef, ropeForwardRef, ropeTable, type RopeShape } from './rope.ts';
import { attentionBackwardRef, attentionForwardRef } from './attention.ts';
import { swigluBackwardRef, swigluForwardRef } from './swiglu.ts';
import { addRef, axpyRef } from './residual.ts';
import { crossEntropyRef } from './cross_entropy.ts';

export interface RefOptions {
  /** Rotate by run.c's f32 angles (ropeTable) instead of double ones. Default false. */
  ropeF32?: boolean;
}

/** What one layer's forward keeps for its backward (all [R, ·] row-major, Float64). */
interface LayerActs {
  /** Layer input (the residual stream) [R, C]. */
  x: Float64Array;
  xn: Float64Array;
  rstd: Float64Array;
  /** After RoPE: q [R, H·hs], k [R, KH·hs]; v [R, KH·hs]. */
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  /** Softmax probabilities [B, H, T, T]. */
  att: Float64Array;
  /** Attention output before wo [R, H·hs]. */
  y: Float64Array;
  /** Residual after attention [R, C]. */
  x1: Float64Array;
  xn2: Float64Array;
  rstd2: Float64Array;
  /** w1 and w3 products [R, F], and silu(a) ⊙ b [R, F]. */
  a: Float64Array;
  b: Float64Array;
  g: Float64Array;
}

export interface ModelActs {
  B: number;
  T: number;
  tokens: ArrayLike<number>;
  layers: LayerActs[];
  /** Input of the final norm [R, C], its output and rstd. */
  xf: Float64Array;
  xnf: Float64Array;
  rstdf: Float64Array;
  /** [R, V]. */
  logits: Float64Array;
}

/** Keys and values of every layer for positions 0 … Tmax−1 of B sequences: [B·Tmax, KH·hs] each. */
export interface KVCache {
  Tmax: number;
  B: number;
  k: Float64Array[];
  v: Float64Array[];
  /** Positions filled so far. */
  length: number;
}

export function createKVCache(layout: ParamLayout, B: number, Tmax: number): KVCache {
  const c = layout.config;
  const kv = c.nKvHeads * headSize(c);
  const make = () => Array.from({ length: c.nLayers }, () => new Float64Array(B * Tmax * kv));
  return { Tmax, B, k: make(), v: make(), length: 0 };
}

/** A view of one tensor of a flat params / grads array. */
function view<A extends Floats>(flat: A, layout: ParamLayout, name: string): A {
  const t = layout.byName.get(name);
  if (!t) throw new Error(`reference model: layout has no tensor '${name}'`);
  return (Array.isArray(flat) ? flat.slice(t.offset, t.offset + t.size) : flat.subarray(t.offset, t.offset + t.size)) as A;
}

/** y [R, out] (=, or += with accumulate) = x [R, in] · Wᵀ with W [out, in]. */
function linear(y: Float64Array, x: Floats, W: Floats, R: number, inDim: number, outDim: number, accumulate = false): void {
  matmulRef(y, x, W, { M: R, N: outDim, K: inDim, transB: true, accumulate });
}

const tables = new Map<string, Float32Array>();
function ropeAngles(layout: ParamLayout, opts: RefOptions, maxPos: number): Float32Array | undefined {
  if (!opts.ropeF32) return undefined;
  const c = layout.config;
  const key = `${maxPos}/${headSize(c)}/${c.ropeTheta}`;
  let t = tables.get(key);
  if (!t) tables.set(key, (t = ropeTable(maxPos, headSize(c), c.ropeTheta)));
  return t;
}

/**
 * Runs T new tokens of B sequences through the model at positions posOffset … posOffset+T−1.
 * With a cache, K/V go into it and attention reads it (generation); without, this is the training
 * forward (posOffset 0) and every activation is kept for the backward.
 */
function forwardChunk(params: Floats, layout: ParamLayout, tokens: ArrayLike<number>, B: number, T: number, posOffset: number, cache: KVCache | null, opts: RefOptions): ModelActs {
  const c = layout.config;
  const { dim: C, nHeads: H, nKvHeads: KH, hiddenDim: F, vocabSize: V } = c;
  const hs = headSize(c);
  const Q = H * hs;
  const KV = KH * hs;
  const R = B * T;
  if (tokens.length !== R) throw new Error(`reference model: ${tokens.length} tokens for B·T = ${R}`);
  for (let r = 0; r < R; r++) {
    const id = tokens[r];
    if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new Error(`reference model: token ${id} at row ${r} is not in [0, ${V})`);
  }
  const table = ropeAngles(layout, opts, posOffset + T);
  const rope = (n: number): RopeShape => ({ R, T, nHeads: n, hs, posOffset, convention: c.rope, theta: c.ropeTheta });

  let x = new Float64Array(R * C);
  embeddingForwardRef(x, tokens, view(params, layout, 'tok_embeddings'), R, C);
  const layers: LayerActs[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const w = (n: string) => view(params, layout, `layers.${l}.${n}`);
    const L: LayerActs = {
      x,
      xn: new Float64Array(R * C),
      rstd: new Float64Array(R),
      q: new Float64Array(R * Q),
      k: new Float64Array(R * KV),
      v: new Float64Array(R * KV),
      att: new Float64Array(cache ? 0 : B * H * T * T),
      y: new Float64Array(R * Q),
      x1: new Float64Array(R * C),
      xn2: new Float64Array(R * C),
      rstd2: new Float64Array(R),
      a: new Float64Array(R * F),
      b: new Float64Array(R * F),
      g: new Float64Array(R * F),
    };
    rmsnormForwardRef(L.xn, L.rstd, x, w('attention_norm'), R, C, c.normEps);
    linear(L.q, L.xn, w('attention.wq'), R, C, Q);
    linear(L.k, L.xn, w('attention.wk'), R, C, KV);
    linear(L.v, L.xn, w('attention.wv'), R, C, KV);
    ropeForwardRef(L.q, L.q, rope(H), table);
    ropeForwardRef(L.k, L.k, rope(KH), table);
    if (cache) {
      // Rows b·Tmax + posOffset + t of the cache.
      for (let b = 0; b < B; b++) {
        const to = (b * cache.Tmax + posOffset) * KV;
        cache.k[l].set(L.k.subarray(b * T * KV, (b + 1) * T * KV), to);
        cache.v[l].set(L.v.subarray(b * T * KV, (b + 1) * T * KV), to);
      }
      attentionForwardRef(L.y, null, L.q, cache.k[l], cache.v[l], { B, T, H, KH, hs, posOffset, kvT: cache.Tmax });
    } else {
      attentionForwardRef(L.y, L.att, L.q, L.k, L.v, { B, T, H, KH, hs });
    }
    linear(L.x1, L.y, w('attention.wo'), R, Q, C);
    addRef(L.x1, L.x1, x, R * C);
    rmsnormForwardRef(L.xn2, L.rstd2, L.x1, w('ffn_norm'), R, C, c.normEps);
    linear(L.a, L.xn2, w('feed_forward.w1'), R, C, F);
    linear(L.b, L.xn2, w('feed_forward.w3'), R, C, F);
    swigluForwardRef(L.g, L.a, L.b, R * F);
    const next = new Float64Array(R * C);
    linear(next, L.g, w('feed_forward.w2'), R, F, C);
    addRef(next, next, L.x1, R * C);
    layers.push(L);
    x = next;
  }
  const xnf = new Float64Array(R * C);
  const rstdf = new Float64Array(R);
  rmsnormForwardRef(xnf, rstdf, x, view(params, layout, 'norm'), R, C, c.normEps);
  const logits = new Float64Array(R * V);
  linear(logits, xnf, view(params, layout, c.tied ? 'tok_embeddings' : 'output'), R, C, V);
  return { B, T, tokens, layers, xf: x, xnf, rstdf, logits };
}

/** The training forward: logits [B·T, V] of tokens [B, T] (positions 0 … T−1), with activations kept. */
export function modelForwardRef(params: Floats, layout: ParamLayout, tokens: ArrayLike<number>, B: number, T: number, opts: RefOptions = {}): ModelActs {
  if (params.length !== layout.size) throw new Error(`reference model: params have ${params.length} floats, the layout needs ${layout.size}`);
  return forwardChunk(params, layout, tokens, B, T, 0, null, opts);
}

/**
 * Masked mean cross-entropy of logits [N, V] against targets [N]: loss = Σ mask·(−log p[target]) / Σ mask.
 * dlogits [N, V] (optional, assigned) is its gradient. Returns the loss (0 when nothing is masked in).
 */
export function maskedCrossEntropyRef(dlogits: Float64Array | null, logits: Floats, targets: ArrayLike<number>, mask: ArrayLike<number>, N: number, V: number): number {
  let count = 0;
  for (let n = 0; n < N; n++) count += mask[n];
  const scale = count > 0 ? 1 / count : 0;
  const loss = new Float64Array(N);
  crossEntropyRef(dlogits ?? new Float64Array(N * V), loss, logits, targets, mask, N, V, scale);
  let sum = 0;
  for (let n = 0; n < N; n++) sum += loss[n];
  return sum * scale;
}

/**
 * grads (flat, in `layout`; assigned unless `accumulate`) = ∂L/∂params for the loss whose gradient
 * w.r.t. the logits is dlogits [B·T, V]. `acts` from modelForwardRef with the same params.
 */
export function modelBackwardRef(grads: Float64Array, dlogits: Floats, acts: ModelActs, params: Floats, layout: ParamLayout, opts: RefOptions & { accumulate?: boolean } = {}): void {
  const c = layout.config;
  const { dim: C, nHeads: H, nKvHeads: KH, hiddenDim: F, vocabSize: V } = c;
  const hs = headSize(c);
  const Q = H * hs;
  const KV = KH * hs;
  const { B, T } = acts;
  const R = B * T;
  if (grads.length !== layout.size) throw new Error(`reference model: grads have ${grads.length} floats, the layout needs ${layout.size}`);
  if (!opts.accumulate) grads.fill(0);
  const table = ropeAngles(layout, opts, T);
  const rope = (n: number): RopeShape => ({ R, T, nHeads: n, hs, convention: c.rope, theta: c.ropeTheta });
  const gv = (n: string) => view(grads, layout, n);
  // dW [out, in] += dyᵀ · x, with dy [R, out], x [R, in].
  const weightGrad = (dW: Float64Array, dy: Floats, x: Floats, inDim: number, outDim: number) =>
    matmulRef(dW, dy, x, { M: outDim, N: inDim, K: R, transA: true, accumulate: true });
  // dx [R, in] (=, or +=) = dy · W, with W [out, in].
  const inputGrad = (dx: Float64Array, dy: Floats, W: Floats, inDim: number, outDim: number, accumulate = false) =>
    matmulRef(dx, dy, W, { M: R, N: inDim, K: outDim, accumulate });

  const head = c.tied ? 'tok_embeddings' : 'output';
  weightGrad(gv(head), dlogits, acts.xnf, C, V);
  const dxn = new Float64Array(R * C);
  inputGrad(dxn, dlogits, view(params, layout, head), C, V);
  let dx = new Float64Array(R * C); // ∂L/∂(residual stream) at the current depth
  rmsnormBackwardRef(dx, gv('norm'), dxn, acts.xf, view(params, layout, 'norm'), acts.rstdf, R, C);

  const tmp = new Float64Array(R * C);
  for (let l = c.nLayers - 1; l >= 0; l--) {
    const L = acts.layers[l];
    const w = (n: string) => view(params, layout, `layers.${l}.${n}`);
    const g = (n: string) => gv(`layers.${l}.${n}`);
    // FFN: x' = x1 + g·w2ᵀ, g = silu(a) ⊙ b. dx flows to x1 unchanged plus through the FFN.
    weightGrad(g('feed_forward.w2'), dx, L.g, F, C);
    const dg = new Float64Array(R * F);
    inputGrad(dg, dx, w('feed_forward.w2'), F, C);
    const da = new Float64Array(R * F);
    const db = new Float64Array(R * F);
    swigluBackwardRef(da, db, dg, L.a, L.b, R * F);
    weightGrad(g('feed_forward.w1'), da, L.xn2, C, F);
    weightGrad(g('feed_forward.w3'), db, L.xn2, C, F);
    inputGrad(dxn, da, w('feed_forward.w1'), C, F);
    inputGrad(dxn, db, w('feed_forward.w3'), C, F, true);
    rmsnormBackwardRef(tmp, g('ffn_norm'), dxn, L.x1, w('ffn_norm'), L.rstd2, R, C);
    axpyRef(dx, tmp, R * C); // dx is now ∂L/∂x1
    // Attention: x1 = x + y·woᵀ.
    weightGrad(g('attention.wo'), dx, L.y, Q, C);
    const dy = new Float64Array(R * Q);
    inputGrad(dy, dx, w('attention.wo'), Q, C);
    const dq = new Float64Array(R * Q);
    const dk = new Float64Array(R * KV);
    const dv = new Float64Array(R * KV);
    attentionBackwardRef(dq, dk, dv, dy, L.q, L.k, L.v, L.att, { B, T, H, KH, hs });
    ropeBackwardRef(dq, dq, rope(H), table);
    ropeBackwardRef(dk, dk, rope(KH), table);
    weightGrad(g('attention.wq'), dq, L.xn, C, Q);
    weightGrad(g('attention.wk'), dk, L.xn, C, KV);
    weightGrad(g('attention.wv'), dv, L.xn, C, KV);
    inputGrad(dxn, dq, w('attention.wq'), C, Q);
    inputGrad(dxn, dk, w('attention.wk'), C, KV, true);
    inputGrad(dxn, dv, w('attention.wv'), C, KV, true);
    rmsnormBackwardRef(tmp, g('attention_norm'), dxn, L.x, w('attention_norm'), L.rstd, R, C);
    const dxPrev = new Float64Array(R * C);
    addRef(dxPrev, dx, tmp, R * C);
    dx = dxPrev;
  }
  embeddingBackwardRef(gv('tok_embeddings'), dx, acts.tokens, R, C);
}

/** Forward + masked mean CE + backward: returns the loss, fills grads (assigned) in the layout. */
export function lossAndGradsRef(grads: Float64Array | null, params: Floats, layout: ParamLayout, batch: TrainBatch, opts: RefOptions = {}): number {
  const acts = modelForwardRef(params, layout, batch.inputIds, batch.batchSize, batch.seqLen, opts);
  const N = batch.batchSize * batch.seqLen;
  const V = layout.config.vocabSize;
  const dlogits = grads ? new Float64Array(N * V) : null;
  const loss = maskedCrossEntropyRef(dlogits, acts.logits, batch.targets, batch.ceMask, N, V);
  if (grads && dlogits) modelBackwardRef(grads, dlogits, acts, params, layout, opts);
  return loss;
}

/** The logits [T, V] of one sequence run through the KV-cache path in one chunk (to compare paths). */
export function prefillRef(params: Floats, layout: ParamLayout, cache: KVCache, tokens: ArrayLike<number>, opts: RefOptions = {}): Float64Array {
  const T = tokens.length / cache.B;
  if (cache.length + T > cache.Tmax) throw new Error(`reference model: ${cache.length} + ${T} positions exceed the cache's ${cache.Tmax}`);
  const acts = forwardChunk(params, layout, tokens, cache.B, T, cache.length, cache, opts);
  cache.length += T;
  return acts.logits;
}

export interface GenerateOptions extends SamplingOptions, RefOptions {
  maxNewTokens: number;
  /** Seed of the sampling RNG (src/infer/rng.ts, as the GPU generator uses). Default 0. */
  seed?: number;
  /** Stop after generating any of these (it is included in the output). Default none. */
  stopTokens?: number[];
}

/**
 * Generates after `prompt` (token ids, e.g. [BOS]): the prompt is run in one chunk at positions
 * 0 … P−1, then each new token at the next position with the KV cache. Sampling uses
 * src/infer/sampling.ts (temperature 0 = greedy argmax); the repetition penalty sees prompt and
 * output. Returns only the new tokens. prompt + maxNewTokens may not exceed config.seqLen.
 */
export function generateRef(params: Floats, layout: ParamLayout, prompt: number[], opts: GenerateOptions): number[] {
  validateSampling(opts);
  const V = layout.config.vocabSize;
  if (prompt.length === 0) throw new Error('reference model: the prompt needs at least one token (e.g. BOS)');
  const total = prompt.length + opts.maxNewTokens;
  if (total > layout.config.seqLen) throw new Error(`reference model: prompt (${prompt.length}) + maxNewTokens (${opts.maxNewTokens}) exceeds seqLen ${layout.config.seqLen}`);
  const cache = createKVCache(layout, 1, total);
  const rng = new Rng(opts.seed ?? 0);
  const stop = new Set(opts.stopTokens ?? []);
  const seen = [...prompt];
  const out: number[] = [];
  let logits = prefillRef(params, layout, cache, prompt, opts);
  let last = logits.subarray((prompt.length - 1) * V, prompt.length * V);
  for (let i = 0; i < opts.maxNewTokens; i++) {
    const next = sampleToken(Float64Array.from(last), opts, rng, seen);
    out.push(next);
    seen.push(next);
    if (stop.has(next) || i === opts.maxNewTokens - 1) break;
    logits = prefillRef(params, layout, cache, [next], opts);
    last = logits;
  }
  return out;
}
