// ONNX export of a Llama model (opset 17, weights as initializers, standard ops only), in two forms:
//   'logits':  input_ids int64 [batch, sequence] → logits float [batch, sequence, V] for a whole
//              sequence at positions 0 … T−1 (what a cross-check or a simple runtime needs);
//   'kv':      the same plus past_key.N / past_value.N float [batch, KH, past, hs] inputs and
//              present_key.N / present_value.N [batch, KH, past + T, hs] outputs: the T new tokens
//              sit at positions past … past+T−1 (past = 0 is the prefill), for generation.
// The graph, per layer, on the residual stream x [R = batch·T, C]:
//   RMSNorm:   x / sqrt(ReduceMean(x·x) + eps) · g
//   q, k, v:   Gemm(xn, W, transB) (W kept [out, in] as in Hugging Face and in our layout)
//   RoPE:      rotate-half: q·cos + concat(−q₂, q₁)·sin, cos/sin rows past … past+T−1 sliced from
//              [seqLen, hs] initializers built from the engine's own f32 table (ropeTable), so both
//              engines rotate by the same angles; an 'interleaved' model is exported with its
//              wq/wk rows permuted to this convention (ropePermute.ts)
//   GQA:       k, v [B, KH, S, hs] → Unsqueeze → Expand [1, 1, H/KH, 1, 1] → Reshape [B, H, S, hs]
//              (query head h reads kv head h / (H/KH), as our kernels do)
//   attention: Softmax(q·kᵀ/√hs + mask), mask[i, j] = −1e30 where key j is after query i (Range,
//              Greater, Where), then ·v, heads merged, Gemm(wo), + x
//   SwiGLU:    a = Gemm(w1), b = Gemm(w3), Gemm((a·Sigmoid(a))·b, w2), + x
// then the final RMSNorm and Gemm with the head (the embedding when tied).
// metadata_props carry tract.config (with rope 'half', the graph's convention), tract.tokenizer
// (the tokenizer description; our BPE's includes its tokenizer.json), tract.onnx_variant and, for a
// trained judge, tract.prompt_fit (the prompt-fit rule it was trained with: { seqLen, maxCotTokens,
// evalCotTokens? }, so that OrtJudge fits prompts as in training).
import { headSize, validateConfig, type ModelConfig } from '../model/config.ts';
import { buildLayout, type ParamLayout } from '../model/layout.ts';
import { convertRopeConvention } from '../model/ropePermute.ts';
import { ropeTable } from '../kernels/rope_table.ts';
import type { TokenizerDescription } from '../data/tokenizers/types.ts';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64 } from './onnx_graph.ts';

export type OnnxVariant = 'logits' | 'kv';

export const ONNX_OPSET = 17;
export const ONNX_META = {
  config: 'tract.config',
  tokenizer: 'tract.tokenizer',
  variant: 'tract.onnx_variant',
  promptFit: 'tract.prompt_fit',
} as const;

/** Input / output names of the exported graphs. */
export const ONNX_NAMES = {
  inputIds: 'input_ids',
  logits: 'logits',
  pastKey: (l: number) => `past_key.${l}`,
  pastValue: (l: number) => `past_value.${l}`,
  presentKey: (l: number) => `present_key.${l}`,
  presentValue: (l: number) => `present_value.${l}`,
} as const;

/** Added to the scores of future keys: exp underflows to exactly 0, and no −∞ arithmetic. */
const MASK_VALUE = -1e30;

export interface OnnxModelInput {
  config: ModelConfig;
  /** Flat parameters in `layout` (default buildLayout(config)). */
  params: Float32Array;
  layout?: ParamLayout;
  tokenizer?: TokenizerDescription;
  /** The prompt-fit rule a judge was trained with (src/data/trained_fit.ts), stored as tract.prompt_fit. */
  promptFit?: { seqLen: number; maxCotTokens: number; evalCotTokens?: number };
}

export interface OnnxExportOptions {
  variant?: OnnxVariant;
  /** Free text stored as the model's doc_string. */
  docString?: string;
}

export function exportOnnx(model: OnnxModelInput, options: OnnxExportOptions = {}): Uint8Array {
  const variant = options.variant ?? 'logits';
  const config0 = validateConfig(model.config);
  const layout0 = model.layout ?? buildLayout(config0);
  if (model.params.length !== layout0.size) throw new Error(`ONNX export: params have ${model.params.length} floats, the layout needs ${layout0.size}`);
  const { config: c, params } = convertRopeConvention(layout0, model.params, 'half');
  const layout = layout0; // same offsets for either convention
  const w = (name: string): Float32Array => {
    const t = layout.byName.get(name);
    if (!t) throw new Error(`ONNX export: no tensor '${name}'`);
    return params.subarray(t.offset, t.offset + t.size);
  };
  const shapeOf = (name: string) => layout.byName.get(name)!.shape;

  const C = c.dim;
  const H = c.nHeads;
  const KH = c.nKvHeads;
  const hs = headSize(c);
  const half = hs / 2;
  const G = H / KH;
  const Q = H * hs;
  const V = c.vocabSize;
  const g = new GraphBuilder();
  const N = ONNX_NAMES;

  const ids = g.input(N.inputIds, ONNX_INT64, ['batch', 'sequence']);
  const pastK: string[] = [];
  const pastV: string[] = [];
  if (variant === 'kv') {
    for (let l = 0; l < c.nLayers; l++) {
      pastK.push(g.input(N.pastKey(l), ONNX_FLOAT, ['batch', KH, 'past_sequence', hs]));
      pastV.push(g.input(N.pastValue(l), ONNX_FLOAT, ['batch', KH, 'past_sequence', hs]));
    }
  }

  // Weights (Hugging Face names, so a reader of the graph finds the tensors they know).
  const init = (ours: string, hf: string) => g.f32(hf, shapeOf(ours), w(ours));
  const embed = init('tok_embeddings', 'model.embed_tokens.weight');

  // Shapes and positions: B, T from input_ids; P (past length) from the first past key (0 without).
  const idsShape = g.op1('Shape', [ids], {}, 'ids_shape'); // [B, T]
  const T1 = g.op1('Shape', [ids], { start: 1, end: 2 }, 'seq_len'); // [T]
  const P1 = variant === 'kv' ? g.op1('Shape', [pastK[0]], { start: 2, end: 3 }, 'past_len') : g.ints([0]); // [P]
  const end1 = g.op1('Add', [P1, T1], {}, 'total_len'); // [P + T]
  const P0 = g.op1('Squeeze', [P1, g.ints([0])], {}, 'past_len_scalar');
  const end0 = g.op1('Squeeze', [end1, g.ints([0])], {}, 'total_len_scalar');
  const one0 = g.intScalar(1);

  // RoPE tables [seqLen, hs] in rotate-half order: cos_i repeated for both halves.
  const table = ropeTable(c.seqLen, hs, c.ropeTheta);
  const cosT = new Float32Array(c.seqLen * hs);
  const sinT = new Float32Array(c.seqLen * hs);
  for (let p = 0; p < c.seqLen; p++) {
    for (let i = 0; i < half; i++) {
      const cs = table[(p * half + i) * 2];
      const sn = table[(p * half + i) * 2 + 1];
      cosT[p * hs + i] = cosT[p * hs + half + i] = cs;
      sinT[p * hs + i] = sinT[p * hs + half + i] = sn;
    }
  }
  const cosAll = g.f32('rope_cos', [c.seqLen, hs], cosT);
  const sinAll = g.f32('rope_sin', [c.seqLen, hs], sinT);
  const cos = g.op1('Slice', [cosAll, P1, end1, g.ints([0])], {}, 'cos'); // [T, hs]
  const sin = g.op1('Slice', [sinAll, P1, end1, g.ints([0])], {}, 'sin');

  // Causal mask [T, P+T]: key j is masked for query at position P + i when j > P + i.
  const qPos = g.op1('Unsqueeze', [g.op1('Range', [P0, end0, one0], {}, 'query_pos'), g.ints([1])], {}, 'query_pos_col');
  const kPos = g.op1('Range', [g.intScalar(0), end0, one0], {}, 'key_pos');
  const future = g.op1('Greater', [kPos, qPos], {}, 'future');
  const mask = g.op1('Where', [future, g.floatScalar(MASK_VALUE), g.floatScalar(0)], {}, 'causal_mask');

  const shapeHeads = (n: number) => g.op1('Concat', [idsShape, g.ints([n, hs])], { axis: 0 }, `shape_b_t_${n}_hs`);
  const qShape = shapeHeads(H);
  const kvShape = KH === H ? qShape : shapeHeads(KH);
  const eps = g.floatScalar(c.normEps);
  const scale = g.floatScalar(1 / Math.sqrt(hs));

  const rmsnorm = (x: string, gain: string, p: string) => {
    const sq = g.op1('Mul', [x, x], {}, `${p}.sq`);
    const ms = g.op1('ReduceMean', [sq], { axes: [-1], keepdims: 1 }, `${p}.mean_sq`);
    const rms = g.op1('Sqrt', [g.op1('Add', [ms, eps], {}, `${p}.mean_sq_eps`)], {}, `${p}.rms`);
    return g.op1('Mul', [g.op1('Div', [x, rms], {}, `${p}.normed`), gain], {}, `${p}.y`);
  };
  const linear = (x: string, wName: string, p: string) => g.op1('Gemm', [x, wName], { transB: 1 }, p);
  /** [R, n·hs] → [B, n, T, hs] */
  const heads = (x: string, shape: string, p: string) => g.op1('Transpose', [g.op1('Reshape', [x, shape], {}, `${p}.bthd`)], { perm: [0, 2, 1, 3] }, `${p}.bhtd`);
  const rope = (x: string, p: string) => {
    const x1 = g.op1('Slice', [x, g.ints([0]), g.ints([half]), g.ints([-1])], {}, `${p}.x1`);
    const x2 = g.op1('Slice', [x, g.ints([half]), g.ints([hs]), g.ints([-1])], {}, `${p}.x2`);
    const rot = g.op1('Concat', [g.op1('Neg', [x2], {}, `${p}.neg_x2`), x1], { axis: -1 }, `${p}.rotated`);
    return g.op1('Add', [g.op1('Mul', [x, cos], {}, `${p}.x_cos`), g.op1('Mul', [rot, sin], {}, `${p}.rot_sin`)], {}, `${p}.rope`);
  };
  const repeatKv = (x: string, p: string) =>
    G === 1 ? x : g.op1('Reshape', [g.op1('Expand', [g.op1('Unsqueeze', [x, g.ints([2])], {}, `${p}.unsq`), g.ints([1, 1, G, 1, 1])], {}, `${p}.expand`), g.ints([0, H, -1, hs])], {}, `${p}.rep`);

  let x = g.op1('Reshape', [g.op1('Gather', [embed, ids], { axis: 0 }, 'embedded'), g.ints([-1, C])], {}, 'x0');
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}`;
    const hf = `model.layers.${l}`;
    const xn = rmsnorm(x, init(`${p}.attention_norm`, `${hf}.input_layernorm.weight`), `${p}.attn_norm`);
    const q = rope(heads(linear(xn, init(`${p}.attention.wq`, `${hf}.self_attn.q_proj.weight`), `${p}.q`), qShape, `${p}.q`), `${p}.q`);
    let k = rope(heads(linear(xn, init(`${p}.attention.wk`, `${hf}.self_attn.k_proj.weight`), `${p}.k`), kvShape, `${p}.k`), `${p}.k`);
    let v = heads(linear(xn, init(`${p}.attention.wv`, `${hf}.self_attn.v_proj.weight`), `${p}.v`), kvShape, `${p}.v`);
    if (variant === 'kv') {
      k = g.op1('Concat', [pastK[l], k], { axis: 2 }, `${p}.k_all`);
      v = g.op1('Concat', [pastV[l], v], { axis: 2 }, `${p}.v_all`);
      g.output(N.presentKey(l), k, ONNX_FLOAT, ['batch', KH, 'total_sequence', hs]);
      g.output(N.presentValue(l), v, ONNX_FLOAT, ['batch', KH, 'total_sequence', hs]);
    }
    const kT = g.op1('Transpose', [repeatKv(k, `${p}.k`)], { perm: [0, 1, 3, 2] }, `${p}.kT`);
    const scores = g.op1('Add', [g.op1('Mul', [g.op1('MatMul', [q, kT], {}, `${p}.qk`), scale], {}, `${p}.qk_scaled`), mask], {}, `${p}.scores`);
    const att = g.op1('Softmax', [scores], { axis: -1 }, `${p}.att`);
    const y = g.op1('MatMul', [att, repeatKv(v, `${p}.v`)], {}, `${p}.att_v`); // [B, H, T, hs]
    const merged = g.op1('Reshape', [g.op1('Transpose', [y], { perm: [0, 2, 1, 3] }, `${p}.att_bthd`), g.ints([-1, Q])], {}, `${p}.att_out`);
    const x1 = g.op1('Add', [x, linear(merged, init(`${p}.attention.wo`, `${hf}.self_attn.o_proj.weight`), `${p}.o`)], {}, `${p}.x1`);
    const xn2 = rmsnorm(x1, init(`${p}.ffn_norm`, `${hf}.post_attention_layernorm.weight`), `${p}.ffn_norm`);
    const a = linear(xn2, init(`${p}.feed_forward.w1`, `${hf}.mlp.gate_proj.weight`), `${p}.gate`);
    const b = linear(xn2, init(`${p}.feed_forward.w3`, `${hf}.mlp.up_proj.weight`), `${p}.up`);
    const silu = g.op1('Mul', [a, g.op1('Sigmoid', [a], {}, `${p}.sigmoid`)], {}, `${p}.silu`);
    const gated = g.op1('Mul', [silu, b], {}, `${p}.gated`);
    x = g.op1('Add', [x1, linear(gated, init(`${p}.feed_forward.w2`, `${hf}.mlp.down_proj.weight`), `${p}.down`)], {}, `${p}.out`);
  }
  const xf = rmsnorm(x, init('norm', 'model.norm.weight'), 'final_norm');
  const head = c.tied ? embed : init('output', 'lm_head.weight');
  const logits2 = g.op1('Gemm', [xf, head], { transB: 1 }, 'logits_2d');
  const logits = g.op1('Reshape', [logits2, g.op1('Concat', [idsShape, g.ints([V])], { axis: 0 }, 'logits_shape')], {}, 'logits_3d');
  g.output(N.logits, logits, ONNX_FLOAT, ['batch', 'sequence', V]);

  const metadata: Record<string, string> = {
    [ONNX_META.config]: JSON.stringify(c),
    [ONNX_META.variant]: variant,
  };
  if (model.tokenizer) metadata[ONNX_META.tokenizer] = JSON.stringify(model.tokenizer);
  if (model.promptFit) {
    const { seqLen, maxCotTokens, evalCotTokens } = model.promptFit;
    metadata[ONNX_META.promptFit] = JSON.stringify({ seqLen, maxCotTokens, ...(evalCotTokens !== undefined ? { evalCotTokens } : {}) });
  }
  return g.encode({
    graphName: variant === 'kv' ? 'tract_llama_kv' : 'tract_llama',
    opset: ONNX_OPSET,
    producer: 'tract-web',
    producerVersion: '1',
    docString:
      options.docString ??
      `Llama (dim ${C}, ${c.nLayers} layers, ${H} heads, ${KH} KV heads, vocab ${V}, seqLen ${c.seqLen}, rotate-half RoPE θ ${c.ropeTheta}); ` +
        (variant === 'kv' ? 'input_ids + past keys/values → logits + present keys/values' : 'input_ids → logits for every position'),
    metadata,
  });
}
