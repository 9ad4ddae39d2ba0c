// One decode step on the GPU — one new token per sequence, B rows — recorded into a Recorder. The
// 'split' form, 2 + 5·nLayers dispatches (stories260K: 27; training's forward takes ~19 per layer):
//   x = tok_embeddings[token]                                   embedding_forward
//   per layer:  q, cache[pos] ← rope(rmsnorm(x)·[wq; wk; wv]ᵀ)   decode_qkv
//               y = attention(q, cache[0..pos])                 decode_attention
//               x1 = x + y·woᵀ                                  decode_matvec (residual epilogue)
//               g = silu(rmsnorm(x1)·w1ᵀ) ⊙ rmsnorm(x1)·w3ᵀ     decode_gate_up
//               x = x1 + g·w2ᵀ                                  decode_matvec (residual epilogue)
//   logits = rmsnorm(x)·headᵀ                                   decode_matvec (norm folded in)
// The same model as recordForward (src/model/forward.ts) with T = 1 and a cache; the training path
// keeps its own kernels (it needs the intermediate activations for the backward).
// Small models on CPU drivers take another form ('layers'): decode_layer.wgsl runs layers in one
// dispatch, one workgroup per sequence, the vectors in workgroup memory — the whole step, every
// layer and the head, in ONE dispatch when the cache keeps all layers in one buffer (KvCache.flat,
// as the Generator allocates it for these models), else one dispatch per layer and the head. There a
// dispatch's fixed cost (~0.1 ms on lavapipe) is most of a layer's time.
import { createBuffer, uploadBuffer, type Gpu, type Recorder } from '../gpu/index.ts';
import { embeddingForward } from '../kernels/embedding.ts';
import { decodeAttention, decodeGateUp, decodeLayerFits, decodeLayers, decodeMatvec, decodeQkv, layerOffsetsTable } from '../kernels/decode.ts';
import { isCpuAdapter } from '../kernels/common.ts';
import { headSize, kvDim, type ModelConfig } from './config.ts';
import type { DeviceModel } from './device_model.ts';
import type { KvCache } from './forward.ts';
import { tensorSpec } from './layout.ts';

/** The few buffers one decode step passes between its kernels, for B sequences. */
export interface DecodeActivations {
  B: number;
  x: GPUBuffer; // [B, C] the residual stream (layer input and output)
  x1: GPUBuffer; // [B, C] after attention
  q: GPUBuffer; // [B, H·hs]
  y: GPUBuffer; // [B, H·hs] attention output
  g: GPUBuffer; // [B, F] SwiGLU output
  logits: GPUBuffer; // [B, V]
}

export function createDecodeActivations(gpu: Gpu, c: ModelConfig, B: number): DecodeActivations {
  const Q = c.nHeads * headSize(c);
  const make = (name: string, floats: number) => createBuffer(gpu, `decode.${name}`, floats * 4);
  return {
    B,
    x: make('x', B * c.dim),
    x1: make('x1', B * c.dim),
    q: make('q', B * Q),
    y: make('y', B * Q),
    g: make('g', B * c.hiddenDim),
    logits: make('logits', B * c.vocabSize),
  };
}

export function destroyDecodeActivations(a: DecodeActivations): void {
  for (const b of [a.x, a.x1, a.q, a.y, a.g, a.logits]) b.destroy();
}

/** How a decode step runs: 'layers' (one dispatch per layer, decode_layer.wgsl) or 'split' (five
 *  per layer). */
export type DecodeMode = 'layers' | 'split';

/** Multiply-adds of one layer for one token above which 'layers' is not used: one workgroup per
 *  sequence does all of them on one of the CPU driver's threads, while 'split' spreads each product
 *  over both. Measured on lavapipe (ms per sampled decode step, 4 layers, 1 / 4 sequences, min of
 *  4 interleaved rounds), layers vs split: 46K multiply-adds a layer (dim 64) 0.6 vs 1.6 / 1.2 vs
 *  2.8; 101K 1.1 vs 2.1 / 2.1 vs 3.7; 184K 2.0 vs 2.7 / 3.8 vs 3.6; 406K 3.6 vs 3.0 / 9.9 vs 10.6;
 *  the ~5M shape (790K, 6 layers) 8.8 vs 5.3 / 20.3 vs 15.6. */
const LAYER_MACS_MAX = 1 << 18;

/** The decode form for this model on this device: 'layers' on CPU drivers for models whose layer
 *  fits one workgroup (decodeLayerFits) and is small (LAYER_MACS_MAX); else 'split'. GPUs keep
 *  'split' (one workgroup per sequence would leave most of a GPU idle; unmeasured there). */
export function decodeModeFor(gpu: Gpu, c: ModelConfig): DecodeMode {
  const hs = headSize(c);
  const s = { C: c.dim, F: c.hiddenDim, H: c.nHeads, KH: c.nKvHeads, hs };
  const macs = c.dim * (c.nHeads * hs + 2 * kvDim(c)) + c.nHeads * hs * c.dim + 3 * c.dim * c.hiddenDim;
  return isCpuAdapter(gpu.adapter) && decodeLayerFits(gpu, s) && macs <= LAYER_MACS_MAX ? 'layers' : 'split';
}

/** Dispatches one decode step records: 'split' the embedding, five per layer, the head; 'layers'
 *  one (a flat cache) or one per layer and the head. */
export function decodeDispatches(c: ModelConfig, mode: DecodeMode = 'split', flatCache = false): number {
  if (mode === 'layers') return flatCache ? 1 : 1 + c.nLayers;
  return 2 + 5 * c.nLayers;
}

/** Each model's per-layer offsets table on the GPU (decode_layer.wgsl reads it), made once. */
const offsetTables = new WeakMap<DeviceModel, GPUBuffer>();
function offsetsTable(model: DeviceModel): GPUBuffer {
  let t = offsetTables.get(model);
  if (!t) {
    const off = (name: string) => tensorSpec(model.layout, name).offset;
    const layers = Array.from({ length: model.config.nLayers }, (_, l) => {
      const o = (n: string) => off(`layers.${l}.${n}`);
      return { wq: o('attention.wq'), wk: o('attention.wk'), wv: o('attention.wv'), wo: o('attention.wo'), w1: o('feed_forward.w1'), w2: o('feed_forward.w2'), w3: o('feed_forward.w3'), gAtt: o('attention_norm'), gFfn: o('ffn_norm') };
    });
    t = uploadBuffer(model.gpu, 'decode.layer_offsets', layerOffsetsTable(layers));
    offsetTables.set(model, t);
  }
  return t;
}

/**
 * Records the decode of tokens [B] (u32, e.g. the sampler's output) at position cache.posOffset of
 * every sequence: their k, v go into the cache, acts.logits [B, V] gets the next-token logits.
 * `rows` (the 'layers' form only): decode only these sequences, leaving the others' cache rows as
 * they are — a generator's sequences that have stopped (their logits rows are then not read).
 * `greedy` (the 'layers' form on a flat cache): tokens is the generator's history [B, Tmax], the
 * input read at position posOffset, and the argmax of the logits is written at posOffset + 1 by the
 * same dispatch — a greedy step without the sampler.
 */
export function recordDecode(
  rec: Recorder,
  model: DeviceModel,
  acts: DecodeActivations,
  tokens: GPUBuffer,
  cache: KvCache,
  mode: DecodeMode = decodeModeFor(model.gpu, model.config),
  rows?: readonly number[],
  greedy = false,
): void {
  const c = model.config;
  const { B } = acts;
  const C = c.dim;
  const H = c.nHeads;
  const KH = c.nKvHeads;
  const hs = headSize(c);
  const Q = H * hs;
  const F = c.hiddenDim;
  const eps = c.normEps;
  const pos = cache.posOffset;
  const Tmax = cache.Tmax;
  if (kvDim(c) !== KH * hs) throw new Error('decode: kv width is not KH·hs');
  const off = (name: string) => tensorSpec(model.layout, name).offset;
  const W = model.params;
  if (rows && mode !== 'layers') throw new Error("decode: only the 'layers' form decodes a subset of rows");
  if (greedy && (mode !== 'layers' || !cache.flat)) throw new Error("decode: greedy decoding in the step needs the 'layers' form on a flat cache");
  if (mode === 'layers') {
    const shape = { B, C, F, H, KH, hs, pos, Tmax, convention: c.rope, eps };
    const offs = offsetsTable(model);
    const emb = off('tok_embeddings');
    if (cache.flat) {
      // The whole step: every layer, the norm and the head, in one dispatch.
      const head = { norm: off('norm'), head: off(model.head), V: c.vocabSize, logits: acts.logits };
      decodeLayers(rec, acts.x, { kCache: cache.flat.k, vCache: cache.flat.v }, W, model.rope, tokens, { layer0: 0, layers: c.nLayers, offs, layerFloats: cache.flat.layerFloats, emb, head, rows, greedy }, shape);
      return;
    }
    for (let l = 0; l < c.nLayers; l++) {
      decodeLayers(rec, acts.x, { kCache: cache.k[l], vCache: cache.v[l] }, W, model.rope, tokens, { layer0: l, layers: 1, offs, layerFloats: 0, rows, ...(l === 0 ? { emb } : {}) }, shape);
    }
    // The head runs on every row (a stopped sequence's logits row is then stale, and not read).
    decodeMatvec(rec, acts.logits, acts.x, W, { w: off(model.head), g: off('norm') }, { B, K: C, N: c.vocabSize, eps });
    return;
  }
  embeddingForward(rec, acts.x, tokens, model.w('tok_embeddings'), { R: B, C, V: c.vocabSize });
  for (let l = 0; l < c.nLayers; l++) {
    const o = (n: string) => off(`layers.${l}.${n}`);
    decodeQkv(
      rec,
      { q: acts.q, kCache: cache.k[l], vCache: cache.v[l] },
      acts.x,
      W,
      { wq: o('attention.wq'), wk: o('attention.wk'), wv: o('attention.wv'), g: o('attention_norm') },
      model.rope,
      { B, C, H, KH, hs, pos, Tmax, convention: c.rope, eps },
    );
    decodeAttention(rec, acts.y, acts.q, cache.k[l], cache.v[l], { B, H, KH, hs, Tmax, Tk: pos + 1 });
    decodeMatvec(rec, acts.x1, acts.y, W, { w: o('attention.wo') }, { B, K: Q, N: C, res: acts.x });
    decodeGateUp(rec, acts.g, acts.x1, W, { w1: o('feed_forward.w1'), w3: o('feed_forward.w3'), g: o('ffn_norm') }, { B, K: C, F, eps });
    decodeMatvec(rec, acts.x, acts.g, W, { w: o('feed_forward.w2') }, { B, K: F, N: C, res: acts.x1 });
  }
  decodeMatvec(rec, acts.logits, acts.x, W, { w: off(model.head), g: off('norm') }, { B, K: C, N: c.vocabSize, eps });
}
