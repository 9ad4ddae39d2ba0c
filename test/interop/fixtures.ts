// Models for the interop tests: tiny random ones of awkward shapes, a Hugging Face folder written by
// hand (rotate-half, as transformers saves it), a small judge trained here on the GPU, and a GPU
// forward that returns every position's logits.
import { generateRubricLab, prepareJudgeSequences, trainRubricLabTokenizer, type BpeTokenizer } from '../../src/data/index.ts';
import { readF32, Recorder, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { createActivations, destroyActivations } from '../../src/model/activations.ts';
import { makeConfig, type ModelConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { recordForward } from '../../src/model/forward.ts';
import { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/model/halfFloat.ts';
import { initParams } from '../../src/model/init.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { writeSafetensors, type FloatDtype } from '../../src/model/safetensors.ts';
import { trainJudge } from '../../src/train/stages.ts';
import { bytesSource, type FileSource } from '../../src/interop/sources.ts';
import { normals } from '../helpers/random.ts';

/** Logits [T·V] of every position of one sequence on the GPU engine. */
export async function gpuLogits(gpu: Gpu, config: ModelConfig, params: Float32Array, tokens: number[]): Promise<Float32Array> {
  const model = new DeviceModel(gpu, config);
  model.upload(params);
  const acts = createActivations(gpu, config, 1, tokens.length);
  const buf = uploadBuffer(gpu, 'tokens', new Uint32Array(tokens));
  const rec = new Recorder(gpu, 'interop forward');
  recordForward(rec, model, acts, buf);
  rec.submit();
  const out = await readF32(gpu, acts.logits, tokens.length * config.vocabSize);
  destroyActivations(acts);
  buf.destroy();
  model.destroy();
  return out;
}

export const TINY: Record<string, ModelConfig> = {
  gqaTied: makeConfig({ dim: 16, hiddenDim: 24, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 300, seqLen: 32 }),
  untiedMha: makeConfig({ dim: 12, hiddenDim: 20, nLayers: 2, nHeads: 2, nKvHeads: 2, vocabSize: 300, seqLen: 32, tied: false, ropeTheta: 500, normEps: 1e-6 }),
};

let bpe: BpeTokenizer | null = null;
/** A 300-token BPE trained on a little Rubric Lab (well under a second). */
export function tinyBpe(): BpeTokenizer {
  bpe ??= trainRubricLabTokenizer(generateRubricLab({ seed: 3, train: 60, dev: 4, test: 4 }).train, { vocabSize: 300 });
  return bpe;
}

export function randomParams(config: ModelConfig, seed: number): Float32Array {
  return initParams(buildLayout(config), seed, { std: 0.3 });
}

/** A Hugging Face Llama folder made by hand: tensors named and laid out as transformers saves them. */
export interface HandMadeHf {
  config: Record<string, unknown>;
  /** HF name → values (already rounded to the stored dtype). */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export function handMadeHf(o: { dim: number; hidden: number; layers: number; heads: number; kvHeads: number; vocab: number; seqLen: number; tied: boolean; theta: number; eps: number; seed: number; dtype: FloatDtype }): HandMadeHf {
  const hs = o.dim / o.heads;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let seed = o.seed;
  // Values exactly representable in the stored dtype, so the file holds exactly these numbers.
  const round = (x: Float32Array) => (o.dtype === 'BF16' ? x.map((v) => bf16ToF32(f32ToBf16Bits(v))) : o.dtype === 'F16' ? x.map((v) => f16ToF32(f32ToF16Bits(v))) : x);
  const add = (name: string, shape: number[], scale: number, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { shape, data: round(normals(n, seed++, scale).map((v) => v + offset)) });
  };
  add('model.embed_tokens.weight', [o.vocab, o.dim], 0.5);
  for (let l = 0; l < o.layers; l++) {
    const p = `model.layers.${l}`;
    add(`${p}.input_layernorm.weight`, [o.dim], 0.1, 1);
    add(`${p}.self_attn.q_proj.weight`, [o.heads * hs, o.dim], 0.4);
    add(`${p}.self_attn.k_proj.weight`, [o.kvHeads * hs, o.dim], 0.4);
    add(`${p}.self_attn.v_proj.weight`, [o.kvHeads * hs, o.dim], 0.3);
    add(`${p}.self_attn.o_proj.weight`, [o.dim, o.heads * hs], 0.3);
    add(`${p}.post_attention_layernorm.weight`, [o.dim], 0.1, 1);
    add(`${p}.mlp.gate_proj.weight`, [o.hidden, o.dim], 0.3);
    add(`${p}.mlp.up_proj.weight`, [o.hidden, o.dim], 0.3);
    add(`${p}.mlp.down_proj.weight`, [o.dim, o.hidden], 0.3);
  }
  add('model.norm.weight', [o.dim], 0.1, 1);
  if (!o.tied) add('lm_head.weight', [o.vocab, o.dim], 0.3);
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: o.dim,
    intermediate_size: o.hidden,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    num_key_value_heads: o.kvHeads,
    vocab_size: o.vocab,
    max_position_embeddings: o.seqLen,
    rope_theta: o.theta,
    rms_norm_eps: o.eps,
    tie_word_embeddings: o.tied,
    hidden_act: 'silu',
    rope_scaling: null,
    attention_bias: false,
    torch_dtype: o.dtype === 'BF16' ? 'bfloat16' : 'float32',
  };
  return { config, tensors };
}

/** The folder's files: one model.safetensors, or `shards` shards with their index. */
export function hfFiles(m: HandMadeHf, o: { dtype: FloatDtype; shards?: number; config?: Record<string, unknown> }): FileSource[] {
  const names = [...m.tensors.keys()];
  const files: FileSource[] = [bytesSource('config.json', JSON.stringify(o.config ?? m.config))];
  const shards = o.shards ?? 1;
  const write = (subset: string[]) => writeSafetensors(subset.map((n) => ({ name: n, ...m.tensors.get(n)! })), { format: 'pt' }, { dtype: o.dtype });
  if (shards === 1) files.push(bytesSource('model.safetensors', write(names)));
  else {
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const subset = names.filter((_, i) => i % shards === s);
      subset.forEach((n) => (weightMap[n] = file));
      files.push(bytesSource(file, write(subset)));
    }
    files.push(bytesSource('model.safetensors.index.json', JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap })));
  }
  return files;
}

/**
 * transformers' LlamaForCausalLM forward, written from its modeling code in Float64 (independent of
 * src/reference): RMSNorm, rotate_half RoPE with inv_freq = 1 / θ^(2i/hs) and cos/sin = cat(freqs,
 * freqs), repeat_kv, causal softmax attention, SiLU-gated MLP. Returns logits [T·V].
 */
export function hfForward(m: HandMadeHf, ids: number[]): Float64Array {
  const c = m.config as { hidden_size: number; intermediate_size: number; num_hidden_layers: number; num_attention_heads: number; num_key_value_heads: number; vocab_size: number; rope_theta: number; rms_norm_eps: number; tie_word_embeddings: boolean };
  const W = (n: string) => m.tensors.get(n)!.data;
  const D = c.hidden_size, H = c.num_attention_heads, KH = c.num_key_value_heads, hs = D / H, F = c.intermediate_size, V = c.vocab_size, T = ids.length;
  const half = hs / 2;
  const linear = (x: Float64Array, w: Float32Array, rows: number, inD: number, outD: number) => {
    const y = new Float64Array(rows * outD);
    for (let r = 0; r < rows; r++) for (let o = 0; o < outD; o++) {
      let s = 0;
      for (let i = 0; i < inD; i++) s += x[r * inD + i] * w[o * inD + i];
      y[r * outD + o] = s;
    }
    return y;
  };
  const rms = (x: Float64Array, g: Float32Array) => {
    const y = new Float64Array(x.length);
    for (let t = 0; t < T; t++) {
      let ss = 0;
      for (let i = 0; i < D; i++) ss += x[t * D + i] ** 2;
      const inv = 1 / Math.sqrt(ss / D + c.rms_norm_eps);
      for (let i = 0; i < D; i++) y[t * D + i] = x[t * D + i] * inv * g[i];
    }
    return y;
  };
  const rope = (x: Float64Array, nH: number) => {
    const y = new Float64Array(x.length);
    for (let t = 0; t < T; t++) for (let h = 0; h < nH; h++) for (let d = 0; d < hs; d++) {
      const i = d % half;
      const ang = t * (1 / Math.pow(c.rope_theta, (2 * i) / hs));
      const base = t * nH * hs + h * hs;
      const rot = d < half ? -x[base + d + half] : x[base + d - half];
      y[base + d] = x[base + d] * Math.cos(ang) + rot * Math.sin(ang);
    }
    return y;
  };
  let x = new Float64Array(T * D);
  ids.forEach((id, t) => x.set(W('model.embed_tokens.weight').subarray(id * D, (id + 1) * D), t * D));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const h = rms(x, W(`${p}.input_layernorm.weight`));
    const q = rope(linear(h, W(`${p}.self_attn.q_proj.weight`), T, D, H * hs), H);
    const k = rope(linear(h, W(`${p}.self_attn.k_proj.weight`), T, D, KH * hs), KH);
    const v = linear(h, W(`${p}.self_attn.v_proj.weight`), T, D, KH * hs);
    const att = new Float64Array(T * H * hs);
    for (let hh = 0; hh < H; hh++) {
      const kv = Math.floor(hh / (H / KH)); // repeat_kv
      for (let i = 0; i < T; i++) {
        const s = new Float64Array(i + 1);
        let mx = -Infinity;
        for (let j = 0; j <= i; j++) {
          let d = 0;
          for (let e = 0; e < hs; e++) d += q[i * H * hs + hh * hs + e] * k[j * KH * hs + kv * hs + e];
          s[j] = d / Math.sqrt(hs);
          mx = Math.max(mx, s[j]);
        }
        let z = 0;
        for (let j = 0; j <= i; j++) z += (s[j] = Math.exp(s[j] - mx));
        for (let e = 0; e < hs; e++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += (s[j] / z) * v[j * KH * hs + kv * hs + e];
          att[i * H * hs + hh * hs + e] = acc;
        }
      }
    }
    const o = linear(att, W(`${p}.self_attn.o_proj.weight`), T, H * hs, D);
    for (let i = 0; i < x.length; i++) x[i] += o[i];
    const h2 = rms(x, W(`${p}.post_attention_layernorm.weight`));
    const a = linear(h2, W(`${p}.mlp.gate_proj.weight`), T, D, F);
    const b = linear(h2, W(`${p}.mlp.up_proj.weight`), T, D, F);
    for (let i = 0; i < a.length; i++) a[i] = (a[i] / (1 + Math.exp(-a[i]))) * b[i];
    const down = linear(a, W(`${p}.mlp.down_proj.weight`), T, F, D);
    const nx = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) nx[i] = x[i] + down[i];
    x = nx;
  }
  const xf = rms(x, W('model.norm.weight'));
  return linear(xf, c.tie_word_embeddings ? W('model.embed_tokens.weight') : W('lm_head.weight'), T, D, V);
}

/**
 * A small judge trained here on the GPU: CoT-RAFT on a little Rubric Lab with a 384-token BPE, from
 * a random start, long enough for the weights to move well away from their initialisation.
 */
export async function trainTinyJudge(gpu: Gpu, steps = 24) {
  const lab = generateRubricLab({ seed: 5, train: 64, dev: 4, test: 8 });
  const tokenizer = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
  const config = makeConfig({ dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tokenizer.vocabSize, seqLen: 192 });
  const model = new DeviceModel(gpu, config, { training: true });
  const init = initParams(model.layout, 11);
  model.upload(init);
  const seqs = prepareJudgeSequences(lab.train, { tokenizer, template: 'compact', seqLen: 192, maxCotTokens: 64 }).sequences;
  await trainJudge(model, seqs, tokenizer, { epochs: 10, batchSize: 8, lr: 1e-2, seed: 1, lambda: 1, maxSteps: steps });
  const params = await model.downloadParams();
  model.destroy();
  let moved = 0;
  for (let i = 0; i < params.length; i++) moved = Math.max(moved, Math.abs(params[i] - init[i]));
  return { config, params, tokenizer, lab, moved };
}
