// Hugging Face LlamaForCausalLM config.json ⇄ our ModelConfig. Reading is strict: an architecture
// other than Llama, RoPE scaling, attention or MLP biases, an activation other than SiLU, a head
// size other than hidden_size / heads are refused with a message naming the field, because the
// engine would compute something else than the model was trained to. Missing optional fields take
// LlamaConfig's defaults (num_key_value_heads = heads, rope_theta 10000, rms_norm_eps 1e-6,
// tie_word_embeddings false).
import { ModelConfigError, validateConfig, type ModelConfig, type RopeConvention } from '../model/config.ts';
import { InteropError } from './sources.ts';

export const HF_ARCHITECTURE = 'LlamaForCausalLM';

export interface HfConfigReadOptions {
  /** The convention the imported config records (the weights must then be permuted to match). */
  rope: RopeConvention;
  /** Cap on seqLen (max_position_embeddings can be 128K, which only sizes RoPE tables and caches). */
  maxSeqLen?: number;
}

export interface HfConfigInfo {
  config: ModelConfig;
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
  torchDtype?: string;
  /** Notes that did not stop the import (e.g. seqLen capped). */
  notes: string[];
}

type Json = Record<string, unknown>;

/** Our config field → the config.json field it comes from (to name the file's field in errors). */
const HF_FIELD: Record<string, string> = {
  dim: 'hidden_size',
  hiddenDim: 'intermediate_size',
  nLayers: 'num_hidden_layers',
  nHeads: 'num_attention_heads',
  nKvHeads: 'num_key_value_heads',
  vocabSize: 'vocab_size',
  seqLen: 'max_position_embeddings',
  ropeTheta: 'rope_theta',
  normEps: 'rms_norm_eps',
};

export function configFromHf(raw: unknown, o: HfConfigReadOptions, file = 'config.json'): HfConfigInfo {
  const fail = (msg: string): never => {
    throw new InteropError(`${file}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must be a JSON object');
  const j = raw as Json;
  const notes: string[] = [];
  const archs = j.architectures;
  if (archs !== undefined && archs !== null) {
    if (!Array.isArray(archs) || !archs.every((a) => typeof a === 'string')) fail(`architectures must be a list of names, got ${JSON.stringify(archs)}`);
    const other = (archs as string[]).filter((a) => a !== HF_ARCHITECTURE);
    if (other.length > 0) fail(`architecture ${other.map((a) => `'${a}'`).join(', ')} is not supported (only ${HF_ARCHITECTURE})`);
  }
  if (j.model_type !== undefined && j.model_type !== 'llama') fail(`model_type '${String(j.model_type)}' is not supported (only 'llama')`);
  if (archs === undefined && j.model_type === undefined) fail(`neither architectures nor model_type says this is a Llama model (expected architectures ["${HF_ARCHITECTURE}"])`);
  if (j.rope_scaling !== undefined && j.rope_scaling !== null) {
    const rs = j.rope_scaling as Json;
    const type = rs && typeof rs === 'object' ? (rs.rope_type ?? rs.type) : undefined;
    fail(`rope_scaling ${type !== undefined ? `'${String(type)}' ` : ''}is not supported (the engine implements plain RoPE only; rope_scaling must be null)`);
  }
  if (j.hidden_act !== undefined && j.hidden_act !== 'silu') fail(`hidden_act '${String(j.hidden_act)}' is not supported (only 'silu', as SwiGLU)`);
  if (j.attention_bias === true) fail('attention_bias true is not supported (q/k/v/o projections without bias only)');
  if (j.mlp_bias === true) fail('mlp_bias true is not supported (gate/up/down projections without bias only)');

  const int = (k: string, dflt?: number): number => {
    const v = j[k] ?? dflt;
    if (v === undefined) return fail(`${k} is missing`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) return fail(`${k} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const num = (k: string, dflt: number): number => {
    const v = j[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return fail(`${k} must be a finite number > 0, got ${JSON.stringify(v)}`);
    return v;
  };
  const dim = int('hidden_size');
  const nHeads = int('num_attention_heads');
  if (j.head_dim !== undefined && j.head_dim !== null && j.head_dim !== dim / nHeads) {
    fail(`head_dim ${JSON.stringify(j.head_dim)} is not hidden_size / num_attention_heads = ${dim / nHeads} (not supported)`);
  }
  const tie = j.tie_word_embeddings ?? false;
  if (typeof tie !== 'boolean') fail(`tie_word_embeddings must be true or false, got ${JSON.stringify(tie)}`);
  let seqLen = int('max_position_embeddings');
  if (o.maxSeqLen !== undefined && seqLen > o.maxSeqLen) {
    notes.push(`max_position_embeddings ${seqLen} capped to ${o.maxSeqLen} positions`);
    seqLen = o.maxSeqLen;
  }
  let config: ModelConfig;
  try {
    config = validateConfig({
      dim,
      hiddenDim: int('intermediate_size'),
      nLayers: int('num_hidden_layers'),
      nHeads,
      nKvHeads: int('num_key_value_heads', nHeads),
      vocabSize: int('vocab_size'),
      seqLen,
      ropeTheta: num('rope_theta', 10000),
      normEps: num('rms_norm_eps', 1e-6),
      tied: tie as boolean,
      rope: o.rope,
    });
  } catch (e) {
    if (e instanceof ModelConfigError) return fail(HF_FIELD[e.field] ? `${e.message} (field ${HF_FIELD[e.field]})` : e.message);
    throw e;
  }
  const tokenId = (k: string): number | undefined => {
    const v = j[k];
    if (Array.isArray(v)) return typeof v[0] === 'number' ? v[0] : undefined; // e.g. Llama 3's list of EOS ids
    return typeof v === 'number' ? v : undefined;
  };
  return {
    config,
    bosTokenId: tokenId('bos_token_id'),
    eosTokenId: tokenId('eos_token_id'),
    padTokenId: tokenId('pad_token_id'),
    torchDtype: typeof j.torch_dtype === 'string' ? j.torch_dtype : typeof j.dtype === 'string' ? j.dtype : undefined,
    notes,
  };
}

export interface HfConfigWriteOptions {
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
  torchDtype?: 'float32' | 'float16' | 'bfloat16';
}

/** A config.json that transformers' LlamaConfig reads as this model (rotate-half RoPE, no biases). */
export function hfConfigFromModel(c: ModelConfig, o: HfConfigWriteOptions = {}): Json {
  const out: Json = {
    architectures: [HF_ARCHITECTURE],
    model_type: 'llama',
    hidden_size: c.dim,
    intermediate_size: c.hiddenDim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.dim / c.nHeads,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.seqLen,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    rms_norm_eps: c.normEps,
    tie_word_embeddings: c.tied,
    hidden_act: 'silu',
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    pretraining_tp: 1,
    initializer_range: 0.02,
    use_cache: true,
    torch_dtype: o.torchDtype ?? 'float32',
  };
  if (o.bosTokenId !== undefined) out.bos_token_id = o.bosTokenId;
  if (o.eosTokenId !== undefined) out.eos_token_id = o.eosTokenId;
  if (o.padTokenId !== undefined) out.pad_token_id = o.padTokenId;
  return out;
}
