// One decode step on the GPU — one new token per sequence, B rows — in 2 + 5·nLayers dispatches
// (stories260K: 27; training's forward takes ~19 per layer), recorded into a Recorder:
//   x = tok_embeddings[token]                                   embedding_forward
//   per layer:  q, cache[pos] ← rope(rmsnorm(x)·[wq; wk; wv]ᵀ)   decode_qkv
//               y = attention(q, cache[0..pos])                 decode_attention
//               x1 = x + y·woᵀ                                  decode_matvec (residual epilogue)
//               g = silu(rmsnorm(x1)·w1ᵀ) ⊙ rmsnorm(x1)·w3ᵀ     decode_gate_up
//               x = x1 + g·w2ᵀ                                  decode_matvec (residual epilogue)
//   logits = rmsnorm(x)·headᵀ                                   decode_matvec (norm folded in)
// The same model as recordForward (src/model/forward.ts) with T = 1 and a cache; the training path
// keeps its own kernels (it needs the intermediate activations for the backward).
import { createBuffer, type Gpu, type Recorder } from '../gpu/index.ts';
import { embeddingForward } from '../kernels/embedding.ts';
import { decodeAttention, decodeGateUp, decodeMatvec, decodeQkv } from '../kernels/decode.ts';
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

/** Dispatches one decode step records: the embedding, five per layer, the head. */
export function decodeDispatches(c: ModelConfig): number {
  return 2 + 5 * c.nLayers;
}

/**
 * Records the decode of tokens [B] (u32, e.g. the sampler's output) at position cache.posOffset of
 * every sequence: their k, v go into the cache, acts.logits [B, V] gets the next-token logits.
 */
export function recordDecode(rec: Recorder, model: DeviceModel, acts: DecodeActivations, tokens: GPUBuffer, cache: KvCache): void {
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
