// The flat parameter layout: every tensor of the model lives in ONE Float32 buffer at a fixed offset;
// gradients and both AdamW moments are buffers of the same size with the same offsets.
//
// Order (a range per AdamW dispatch, so weight-decayed tensors must be contiguous):
//   [layer matrices: for each layer wq, wk, wv, wo, w1, w2, w3]  always decayed
//   [output]                                                     untied head only; a matrix: decayed
//   [tok_embeddings]                                             decayed iff options.decayEmbeddings
//   [norms: for each layer attention_norm, ffn_norm; then norm]  never decayed
// so the decayed range is [0, decayEnd) and the rest [decayEnd, size) whichever way embeddings go.
//
// Matrices are [out, in] row-major and applied as y = x·Wᵀ (llama2.c's and PyTorch's nn.Linear
// storage). Each tensor starts on a multiple of `align` floats (default 64 = 256 bytes, WebGPU's
// minStorageBufferOffsetAlignment), so a kernel can bind any tensor as a buffer sub-range; the gaps
// hold zeros in params, grads and moments alike, so AdamW and the gradient norm are unaffected.
import { headSize, kvDim, type ModelConfig } from './config.ts';

export type TensorKind = 'matrix' | 'embedding' | 'norm';

export interface TensorSpec {
  /** Our name, e.g. `layers.3.attention.wq` (the scheme of llama2.c's export.py / Meta's Llama). */
  name: string;
  shape: number[];
  /** Offset in floats into the flat buffer. */
  offset: number;
  /** Number of floats (the product of the shape). */
  size: number;
  kind: TensorKind;
  /** AdamW applies weight decay to this tensor. */
  decay: boolean;
  /** Layer index, or -1 for tok_embeddings / output / norm. */
  layer: number;
}

export interface Range {
  /** Offset in floats. */
  offset: number;
  /** Length in floats (may include alignment gaps). */
  size: number;
}

export interface LayoutOptions {
  /** Weight decay on the token embedding (and, when tied, the head). Default true (nanoGPT). */
  decayEmbeddings?: boolean;
  /** Tensor offsets are multiples of this many floats. Default 64 (256 bytes). */
  align?: number;
}

export interface ParamLayout {
  config: ModelConfig;
  tensors: TensorSpec[];
  byName: ReadonlyMap<string, TensorSpec>;
  /** Floats in the flat buffer, gaps included (the size of params, grads, m and v). */
  size: number;
  /** Parameters, gaps excluded (= parameterCount(config)). */
  count: number;
  /** The weight-decayed tensors: one contiguous range starting at 0. */
  decayRange: Range;
  /** Everything else (norms, and the embedding when not decayed), up to `size`. */
  noDecayRange: Range;
  align: number;
}

/** Names of the per-layer matrices, in layout order (llama2.c's order: wq wk wv wo, then w1 w2 w3). */
export const LAYER_MATRICES = ['attention.wq', 'attention.wk', 'attention.wv', 'attention.wo', 'feed_forward.w1', 'feed_forward.w2', 'feed_forward.w3'] as const;
export const LAYER_NORMS = ['attention_norm', 'ffn_norm'] as const;

/** The shape [out, in] of each per-layer matrix. */
export function layerMatrixShape(c: ModelConfig, m: (typeof LAYER_MATRICES)[number]): [number, number] {
  const C = c.dim;
  const Q = c.nHeads * headSize(c);
  const KV = kvDim(c);
  switch (m) {
    case 'attention.wq':
      return [Q, C];
    case 'attention.wk':
    case 'attention.wv':
      return [KV, C];
    case 'attention.wo':
      return [C, Q];
    case 'feed_forward.w1':
    case 'feed_forward.w3':
      return [c.hiddenDim, C];
    case 'feed_forward.w2':
      return [C, c.hiddenDim];
  }
}

export function buildLayout(config: ModelConfig, options: LayoutOptions = {}): ParamLayout {
  const decayEmbeddings = options.decayEmbeddings ?? true;
  const align = options.align ?? 64;
  if (!Number.isSafeInteger(align) || align < 1) throw new Error(`layout: align must be a positive integer, got ${align}`);
  const tensors: TensorSpec[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], kind: TensorKind, decay: boolean, layer: number) => {
    offset = Math.ceil(offset / align) * align;
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, offset, size, kind, decay, layer });
    offset += size;
  };
  for (let l = 0; l < config.nLayers; l++) {
    for (const m of LAYER_MATRICES) add(`layers.${l}.${m}`, layerMatrixShape(config, m), 'matrix', true, l);
  }
  if (!config.tied) add('output', [config.vocabSize, config.dim], 'matrix', true, -1);
  if (decayEmbeddings) add('tok_embeddings', [config.vocabSize, config.dim], 'embedding', true, -1);
  const decayEnd = Math.ceil(offset / align) * align;
  if (!decayEmbeddings) add('tok_embeddings', [config.vocabSize, config.dim], 'embedding', false, -1);
  for (let l = 0; l < config.nLayers; l++) {
    for (const n of LAYER_NORMS) add(`layers.${l}.${n}`, [config.dim], 'norm', false, l);
  }
  add('norm', [config.dim], 'norm', false, -1);
  const size = Math.ceil(offset / align) * align;
  return {
    config,
    tensors,
    byName: new Map(tensors.map((t) => [t.name, t])),
    size,
    count: tensors.reduce((a, t) => a + t.size, 0),
    decayRange: { offset: 0, size: decayEnd },
    noDecayRange: { offset: decayEnd, size: size - decayEnd },
    align,
  };
}

/** The tensor called `name`; throws naming it when the layout has none. */
export function tensorSpec(layout: ParamLayout, name: string): TensorSpec {
  const t = layout.byName.get(name);
  if (!t) throw new Error(`layout has no tensor '${name}'`);
  return t;
}

/** A view (no copy) of one tensor inside a flat buffer laid out by `layout`. */
export function tensorView<A extends Float32Array | Float64Array>(flat: A, layout: ParamLayout, name: string): A {
  if (flat.length !== layout.size) throw new Error(`flat buffer has ${flat.length} floats, the layout needs ${layout.size}`);
  const t = tensorSpec(layout, name);
  return flat.subarray(t.offset, t.offset + t.size) as A;
}

/** The tensor that maps the final hidden state to logits: `output`, or `tok_embeddings` when tied. */
export function headTensor(layout: ParamLayout): TensorSpec {
  return tensorSpec(layout, layout.config.tied ? 'tok_embeddings' : 'output');
}

/**
 * Hugging Face LlamaForCausalLM name of each of our tensors (model.safetensors). Note for import and
 * export: HF applies RoPE as rotate-half, so q_proj/k_proj rows differ from an 'interleaved' model's
 * wq/wk by the permutation in ropePermute.ts; a tied model has no lm_head.weight in HF files
 * (tie_word_embeddings: true).
 */
export function hfName(name: string): string {
  const fixed: Record<string, string> = {
    tok_embeddings: 'model.embed_tokens.weight',
    norm: 'model.norm.weight',
    output: 'lm_head.weight',
  };
  if (Object.hasOwn(fixed, name)) return fixed[name];
  const m = /^layers\.(\d+)\.(.+)$/.exec(name);
  const perLayer: Record<string, string> = {
    'attention.wq': 'self_attn.q_proj',
    'attention.wk': 'self_attn.k_proj',
    'attention.wv': 'self_attn.v_proj',
    'attention.wo': 'self_attn.o_proj',
    'feed_forward.w1': 'mlp.gate_proj',
    'feed_forward.w2': 'mlp.down_proj',
    'feed_forward.w3': 'mlp.up_proj',
    attention_norm: 'input_layernorm',
    ffn_norm: 'post_attention_layernorm',
  };
  if (m && Object.hasOwn(perLayer, m[2])) return `model.layers.${m[1]}.${perLayer[m[2]]}.weight`;
  throw new Error(`no Hugging Face name for tensor '${name}'`);
}

/** The inverse of hfName; throws naming an HF tensor we have no place for. */
export function fromHfName(hf: string): string {
  const fixed: Record<string, string> = {
    'model.embed_tokens.weight': 'tok_embeddings',
    'model.norm.weight': 'norm',
    'lm_head.weight': 'output',
  };
  if (Object.hasOwn(fixed, hf)) return fixed[hf];
  const m = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(hf);
  const perLayer: Record<string, string> = {
    'self_attn.q_proj': 'attention.wq',
    'self_attn.k_proj': 'attention.wk',
    'self_attn.v_proj': 'attention.wv',
    'self_attn.o_proj': 'attention.wo',
    'mlp.gate_proj': 'feed_forward.w1',
    'mlp.down_proj': 'feed_forward.w2',
    'mlp.up_proj': 'feed_forward.w3',
    input_layernorm: 'attention_norm',
    post_attention_layernorm: 'ffn_norm',
  };
  if (m && Object.hasOwn(perLayer, m[2])) return `layers.${m[1]}.${perLayer[m[2]]}`;
  throw new Error(`Hugging Face tensor '${hf}' has no place in a Llama model`);
}
