// llama2.c "version 0" checkpoints (run.c's format; ../shared/models/stories260K/README.md):
//   7 little-endian int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//   (vocab_size < 0: the classifier is NOT shared with the token embedding), then f32 tensors:
//   token_embedding [V, C]; rms_att [L, C]; wq [L, H·hs, C]; wk [L, KH·hs, C]; wv [L, KH·hs, C];
//   wo [L, C, H·hs]; rms_ffn [L, C]; w1 [L, F, C]; w2 [L, C, F]; w3 [L, F, C]; rms_final [C];
//   two legacy RoPE tables (freq_cis_real, freq_cis_imag) of seq_len·hs/2 floats each (skipped);
//   wcls [V, C] only when not shared.
// The files carry no theta, eps or RoPE convention: run.c hard-codes 10000, 1e-5 and interleaved.
// Bytes in, bytes out: no file system here (this module runs in browser workers too).
import { validateConfig, ModelConfigError, type ModelConfig } from './config.ts';
import { buildLayout, tensorView, type LayoutOptions, type ParamLayout } from './layout.ts';
import { describeBadWeight, findBadWeight, MAX_ABS_WEIGHT } from './weightCheck.ts';

export class Llama2cFormatError extends Error {
  constructor(message: string) {
    super(`llama2.c checkpoint: ${message}`);
    this.name = 'Llama2cFormatError';
  }
}

const HEADER_BYTES = 7 * 4;
const HEADER_FIELDS = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'] as const;
/** Header values above this are not a model we could run (and guard the size arithmetic). */
const MAX_DIMENSION = 1 << 24;

export interface Llama2cModel {
  config: ModelConfig;
  layout: ParamLayout;
  /** Flat parameters in `layout`. */
  params: Float32Array;
}

/** The file's tensors in file order, as [our per-layer suffix or global name, floats per layer or total]. */
function fileTensors(c: ModelConfig): { name: string; perLayer: boolean; size: number }[] {
  const C = c.dim;
  const hs = c.dim / c.nHeads;
  const Q = c.nHeads * hs;
  const KV = c.nKvHeads * hs;
  const F = c.hiddenDim;
  return [
    { name: 'tok_embeddings', perLayer: false, size: c.vocabSize * C },
    { name: 'attention_norm', perLayer: true, size: C },
    { name: 'attention.wq', perLayer: true, size: Q * C },
    { name: 'attention.wk', perLayer: true, size: KV * C },
    { name: 'attention.wv', perLayer: true, size: KV * C },
    { name: 'attention.wo', perLayer: true, size: C * Q },
    { name: 'ffn_norm', perLayer: true, size: C },
    { name: 'feed_forward.w1', perLayer: true, size: F * C },
    { name: 'feed_forward.w2', perLayer: true, size: C * F },
    { name: 'feed_forward.w3', perLayer: true, size: F * C },
    { name: 'norm', perLayer: false, size: C },
  ];
}

/** Floats in a file with this config (RoPE tables and wcls included). */
function fileFloats(c: ModelConfig): number {
  let n = 0;
  for (const t of fileTensors(c)) n += t.perLayer ? t.size * c.nLayers : t.size;
  n += c.seqLen * (c.dim / c.nHeads); // two tables of seq_len · hs/2
  if (!c.tied) n += c.vocabSize * c.dim;
  return n;
}

const asBytes = (data: ArrayBuffer | Uint8Array): Uint8Array => (data instanceof Uint8Array ? data : new Uint8Array(data));

/** Reads the 7-int header into a config (rope 'interleaved', theta 10000, eps 1e-5); throws naming a bad field. */
export function readLlama2cHeader(data: ArrayBuffer | Uint8Array): ModelConfig {
  const bytes = asBytes(data);
  if (bytes.byteLength < HEADER_BYTES) {
    throw new Llama2cFormatError(`file too short: ${bytes.byteLength} bytes, the header alone is ${HEADER_BYTES}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const h = HEADER_FIELDS.map((_, i) => dv.getInt32(4 * i, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = h;
  HEADER_FIELDS.forEach((f, i) => {
    const v = f === 'vocab_size' ? Math.abs(h[i]) : h[i];
    if (v <= 0 || v > MAX_DIMENSION) {
      throw new Llama2cFormatError(`header ${f} = ${h[i]} is not a plausible value (header: ${h.join(', ')}); is this a llama2.c version-0 file?`);
    }
  });
  try {
    return validateConfig({
      dim,
      hiddenDim,
      nLayers,
      nHeads,
      nKvHeads,
      vocabSize: Math.abs(vocab),
      seqLen,
      ropeTheta: 10000,
      normEps: 1e-5,
      tied: vocab > 0,
      rope: 'interleaved',
    });
  } catch (e) {
    if (e instanceof ModelConfigError) throw new Llama2cFormatError(`header does not describe a valid model (header: ${h.join(', ')}): ${e.message}`);
    throw e;
  }
}

/** Parses a whole version-0 file into config + flat params; rejects short, long or malformed files. */
export function readLlama2c(data: ArrayBuffer | Uint8Array, layoutOptions: LayoutOptions = {}): Llama2cModel {
  const bytes = asBytes(data);
  const config = readLlama2cHeader(bytes);
  const expected = HEADER_BYTES + 4 * fileFloats(config);
  if (bytes.byteLength < expected) {
    throw new Llama2cFormatError(
      `size mismatch: the header (dim ${config.dim}, hidden ${config.hiddenDim}, ${config.nLayers} layers, vocab ${config.vocabSize}, ` +
        `${config.tied ? 'shared' : 'separate'} classifier) needs ${expected} bytes, the file has ${bytes.byteLength} (truncated?)`,
    );
  }
  if (bytes.byteLength > expected) {
    throw new Llama2cFormatError(`size mismatch: ${bytes.byteLength - expected} trailing bytes after the ${expected} the header describes (not a version-0 file, or a wrong header)`);
  }
  // One aligned copy of the float section, then views per tensor. (Not bytes.slice: on a Node
  // Buffer that is a view into a shared pool, not a copy.)
  const section = new Uint8Array(expected - HEADER_BYTES);
  section.set(bytes.subarray(HEADER_BYTES, expected));
  const floats = new Float32Array(section.buffer);
  const layout = buildLayout(config, layoutOptions);
  const params = new Float32Array(layout.size);
  let at = 0;
  const take = (n: number) => {
    const v = floats.subarray(at, at + n);
    at += n;
    return v;
  };
  for (const t of fileTensors(config)) {
    if (!t.perLayer) tensorView(params, layout, t.name).set(take(t.size));
    else for (let l = 0; l < config.nLayers; l++) tensorView(params, layout, `layers.${l}.${t.name}`).set(take(t.size));
  }
  take(config.seqLen * (config.dim / config.nHeads)); // freq_cis_real, freq_cis_imag
  if (!config.tied) tensorView(params, layout, 'output').set(take(config.vocabSize * config.dim));
  for (const t of layout.tensors) {
    const bad = findBadWeight(params.subarray(t.offset, t.offset + t.size), MAX_ABS_WEIGHT);
    if (bad) throw new Llama2cFormatError(describeBadWeight(t.name, bad));
  }
  return { config, layout, params };
}

/**
 * Writes a version-0 file (for export to llama2.c's run.c and for tests). Only 'interleaved' RoPE,
 * theta 10000 and eps 1e-5 models can be run by run.c; anything else is refused. The legacy RoPE
 * tables are written as run.c's export.py did (cos and sin of pos · θ^(−2i/hs)).
 */
export function writeLlama2c(config: ModelConfig, params: Float32Array, layoutOptions: LayoutOptions = {}): Uint8Array {
  const c = validateConfig(config);
  if (c.rope !== 'interleaved') throw new Llama2cFormatError(`run.c applies interleaved RoPE; this model uses '${c.rope}' (convert wq/wk first)`);
  if (c.ropeTheta !== 10000 || c.normEps !== 1e-5) throw new Llama2cFormatError(`run.c hard-codes ropeTheta 10000 and normEps 1e-5; this model has ${c.ropeTheta} and ${c.normEps}`);
  const layout = buildLayout(c, layoutOptions);
  if (params.length !== layout.size) throw new Llama2cFormatError(`params have ${params.length} floats, the layout needs ${layout.size}`);
  const out = new Uint8Array(HEADER_BYTES + 4 * fileFloats(c));
  const dv = new DataView(out.buffer);
  [c.dim, c.hiddenDim, c.nLayers, c.nHeads, c.nKvHeads, c.tied ? c.vocabSize : -c.vocabSize, c.seqLen].forEach((v, i) => dv.setInt32(4 * i, v, true));
  const floats = new Float32Array(out.buffer, HEADER_BYTES);
  let at = 0;
  const put = (v: ArrayLike<number>) => {
    floats.set(v, at);
    at += v.length;
  };
  for (const t of fileTensors(c)) {
    if (!t.perLayer) put(tensorView(params, layout, t.name));
    else for (let l = 0; l < c.nLayers; l++) put(tensorView(params, layout, `layers.${l}.${t.name}`));
  }
  const hs = c.dim / c.nHeads;
  const re = new Float32Array((c.seqLen * hs) / 2);
  const im = new Float32Array((c.seqLen * hs) / 2);
  for (let p = 0; p < c.seqLen; p++) {
    for (let i = 0; i < hs / 2; i++) {
      const a = p * Math.pow(c.ropeTheta, -(2 * i) / hs);
      re[p * (hs / 2) + i] = Math.cos(a);
      im[p * (hs / 2) + i] = Math.sin(a);
    }
  }
  put(re);
  put(im);
  if (!c.tied) put(tensorView(params, layout, 'output'));
  return out;
}
