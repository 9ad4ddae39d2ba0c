// The model's shape: one config type for every Llama-style model we train, load or export.
//   token embedding [V, C] → nLayers × (RMSNorm → causal self-attention with RoPE and grouped-query
//   attention → residual; RMSNorm → SwiGLU FFN w2·(silu(w1·x) ⊙ w3·x) → residual) → final RMSNorm →
//   output head [V, C] (the embedding itself when `tied`).
// Dimension letters used across src/model and src/reference/model.ts: B batch, T time, C = dim,
// H = nHeads, KH = nKvHeads, hs = C / H (head size), F = hiddenDim, V = vocabSize, L = nLayers.

export type RopeConvention = 'interleaved' | 'half';

export interface ModelConfig {
  /** C: the residual stream width. */
  dim: number;
  /** F: the SwiGLU hidden width (w1, w3: [F, C]; w2: [C, F]). */
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  /** KH: heads of K and V; each serves nHeads / nKvHeads query heads (grouped-query attention). */
  nKvHeads: number;
  vocabSize: number;
  /** Longest sequence the model is meant for (positions 0 … seqLen − 1). */
  seqLen: number;
  /** RoPE base: frequency of pair i is ropeTheta^(−2i / hs). 10000 for llama2.c and Llama 2. */
  ropeTheta: number;
  /** RMSNorm ε inside the square root: x / sqrt(mean(x²) + ε) · g. */
  normEps: number;
  /** The output head is the token embedding (no separate `output` tensor). */
  tied: boolean;
  /**
   * Which elements of a head RoPE rotates together: 'interleaved' pairs (2i, 2i+1) as llama2.c's
   * run.c and Meta's original Llama; 'half' pairs (i, i + hs/2) as Hugging Face's rotate_half.
   * The two are the same model up to a permutation of the rows of wq and wk (ropePermute.ts).
   */
  rope: RopeConvention;
}

export const DEFAULT_ROPE_THETA = 10000;
export const DEFAULT_NORM_EPS = 1e-5;

/** A config error naming the field. */
export class ModelConfigError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`model config: ${field} ${message}`);
    this.name = 'ModelConfigError';
    this.field = field;
  }
}

const INT_FIELDS = ['dim', 'hiddenDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'seqLen'] as const;

/**
 * The largest value of each size field a model may have: beyond any Llama we could run in a browser
 * or on one GPU, and small enough that the tables sized by them (RoPE: seqLen · hs floats; the KV
 * cache: seqLen · KV · L) are checked here, by field name, rather than failing later as a typed-array
 * length or an internal buffer. (Llama 3 8B: dim 4096, hidden 14336, 32 layers, vocab 128256,
 * 131072 positions.) parameterCount's 2^31 bound covers the products.
 */
export const MAX_CONFIG: Record<(typeof INT_FIELDS)[number], number> = {
  dim: 1 << 16,
  hiddenDim: 1 << 18,
  nLayers: 1024,
  nHeads: 1024,
  nKvHeads: 1024,
  vocabSize: 1 << 21,
  seqLen: 1 << 17,
};

/**
 * Checks every field (types, positive integers, divisibility) and returns the config typed; throws
 * ModelConfigError naming the first bad field. Accepts `unknown` so checkpoint metadata can be fed
 * straight in.
 */
export function validateConfig(c: unknown): ModelConfig {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new ModelConfigError('(config)', 'must be an object');
  const o = c as Record<string, unknown>;
  for (const f of INT_FIELDS) {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      throw new ModelConfigError(f, `must be a positive integer, got ${JSON.stringify(v)}`);
    }
    if (v > MAX_CONFIG[f]) throw new ModelConfigError(f, `${v} is beyond the largest supported value, ${MAX_CONFIG[f]}`);
  }
  for (const f of ['ropeTheta', 'normEps'] as const) {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ModelConfigError(f, `must be a finite number > 0, got ${JSON.stringify(v)}`);
  }
  if (typeof o.tied !== 'boolean') throw new ModelConfigError('tied', `must be true or false, got ${JSON.stringify(o.tied)}`);
  if (o.rope !== 'interleaved' && o.rope !== 'half') {
    throw new ModelConfigError('rope', `must be 'interleaved' or 'half', got ${JSON.stringify(o.rope)}`);
  }
  const dim = o.dim as number;
  const nHeads = o.nHeads as number;
  const nKvHeads = o.nKvHeads as number;
  if (dim % nHeads !== 0) throw new ModelConfigError('nHeads', `(${nHeads}) must divide dim (${dim})`);
  if (nKvHeads > nHeads || nHeads % nKvHeads !== 0) {
    throw new ModelConfigError('nKvHeads', `(${nKvHeads}) must divide nHeads (${nHeads})`);
  }
  const hs = dim / nHeads;
  if (hs % 2 !== 0) throw new ModelConfigError('dim', `/ nHeads = head size ${hs} must be even (RoPE rotates pairs)`);
  const known = new Set<string>([...INT_FIELDS, 'ropeTheta', 'normEps', 'tied', 'rope']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ModelConfigError(k, 'is not a model config field');
  const out: ModelConfig = {
    dim,
    hiddenDim: o.hiddenDim as number,
    nLayers: o.nLayers as number,
    nHeads,
    nKvHeads,
    vocabSize: o.vocabSize as number,
    seqLen: o.seqLen as number,
    ropeTheta: o.ropeTheta as number,
    normEps: o.normEps as number,
    tied: o.tied as boolean,
    rope: o.rope as RopeConvention,
  };
  // Every tensor must be addressable with 32-bit offsets in WGSL and exact in a double.
  if (parameterCount(out) > 2 ** 31) throw new ModelConfigError('(config)', `has ${parameterCount(out)} parameters, more than 2^31`);
  return out;
}

/** hs = dim / nHeads. */
export function headSize(c: ModelConfig): number {
  return c.dim / c.nHeads;
}

/** Width of K and V: nKvHeads · hs. */
export function kvDim(c: ModelConfig): number {
  return c.nKvHeads * headSize(c);
}

/** Parameters of the model (no padding): what llama2.c's file holds, less its two RoPE tables. */
export function parameterCount(c: ModelConfig): number {
  const C = c.dim;
  const kv = (c.nKvHeads * c.dim) / c.nHeads;
  const perLayer = C * C * 2 + 2 * kv * C + 3 * C * c.hiddenDim + 2 * C;
  return c.vocabSize * C * (c.tied ? 1 : 2) + c.nLayers * perLayer + C;
}

/**
 * llama2.c / Meta's rule for the FFN width: 2/3 of 4·dim, rounded up to a multiple of `multipleOf`.
 * stories260K used multipleOf 4 (dim 64 → 172); llama2.c's default is 32 (dim 256 → 704); we use
 * 16 for our presets (dim 256 → 688, a multiple of 16 keeps matmul tiles of 16 whole).
 */
export function llamaHiddenDim(dim: number, multipleOf = 16): number {
  const h = Math.floor((2 * 4 * dim) / 3);
  return multipleOf * Math.ceil(h / multipleOf);
}

/** A config with the defaults filled in (ropeTheta 10000, normEps 1e-5, tied, interleaved RoPE, KH = H). */
export function makeConfig(
  c: Pick<ModelConfig, 'dim' | 'nLayers' | 'nHeads' | 'vocabSize' | 'seqLen'> & Partial<ModelConfig>,
): ModelConfig {
  return validateConfig({
    hiddenDim: llamaHiddenDim(c.dim),
    nKvHeads: c.nHeads,
    ropeTheta: DEFAULT_ROPE_THETA,
    normEps: DEFAULT_NORM_EPS,
    tied: true,
    rope: 'interleaved',
    ...c,
  });
}

/**
 * Named shapes.
 * - stories260K: the shape of llama2.c's stories260K.bin (the loader reads the real one from its header).
 * - tinyJudge: ~2.8M parameters, for training a judge in a browser tab with a 1024-token BPE.
 * - bench5M: the ~5M benchmark shape of the engine issue (dim 256, 6 layers, 8 heads, seqLen 256,
 *   hidden 688 = llamaHiddenDim(256, 16)), with the 512-token stories vocabulary: 4.87M parameters.
 */
export const PRESETS = {
  stories260K: makeConfig({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512 }),
  tinyJudge: makeConfig({ dim: 192, nLayers: 6, nHeads: 6, nKvHeads: 2, vocabSize: 1024, seqLen: 512 }),
  bench5M: makeConfig({ dim: 256, nLayers: 6, nHeads: 8, vocabSize: 512, seqLen: 256 }),
} as const satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof PRESETS;
