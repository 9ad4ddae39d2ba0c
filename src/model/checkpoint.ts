// Our checkpoint: one safetensors file.
//   tensors:      every layout tensor by its name (`layers.0.attention.wq`, …), and optionally the AdamW
//                 moments as `optimizer.m.<name>` / `optimizer.v.<name>` (always F32)
//   __metadata__: JSON strings — tract.format_version ("1"), tract.config (ModelConfig),
//                 tract.tokenizer (the data layer's TokenizerDescription, stored as given),
//                 tract.training (the trainer's state: stage, step, Adam t, options, RNG… stored as given)
// Tensors are stored without the layout's alignment gaps, so a checkpoint does not depend on `align`.
import { validateConfig, ModelConfigError, type ModelConfig } from './config.ts';
import { buildLayout, type LayoutOptions, type ParamLayout } from './layout.ts';
import { readSafetensorsHeader, decodeTensor, jsonNesting, writeSafetensors, type FloatDtype, type TensorToWrite } from './safetensors.ts';
import { describeBadWeight, findBadWeight, MAX_ABS_WEIGHT } from './weightCheck.ts';

export const CHECKPOINT_FORMAT_VERSION = 1;
export const META = {
  formatVersion: 'tract.format_version',
  config: 'tract.config',
  tokenizer: 'tract.tokenizer',
  training: 'tract.training',
} as const;
const M_PREFIX = 'optimizer.m.';
const V_PREFIX = 'optimizer.v.';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(`checkpoint: ${message}`);
    this.name = 'CheckpointError';
  }
}

export interface AdamMoments {
  /** First moment, in the same layout as the params. */
  m: Float32Array;
  /** Second moment, same layout. */
  v: Float32Array;
}

export interface CheckpointContents {
  config: ModelConfig;
  /** Flat params in buildLayout(config, layoutOptions). */
  params: Float32Array;
  optimizer?: AdamMoments;
  /** Opaque JSON-serialisable tokenizer description (src/data/tokenizers TokenizerDescription). */
  tokenizer?: unknown;
  /** Opaque JSON-serialisable training state. */
  training?: unknown;
}

export interface LoadedCheckpoint extends CheckpointContents {
  layout: ParamLayout;
  /** The raw __metadata__ (for anything a later format version adds). */
  metadata: Record<string, string>;
}

export interface SaveOptions {
  layout?: LayoutOptions;
  /** dtype of the parameters (F32 default; F16/BF16 halve the file, lossy). Moments stay F32. */
  dtype?: FloatDtype;
}

function checkLength(what: string, a: Float32Array, layout: ParamLayout): void {
  if (a.length !== layout.size) throw new CheckpointError(`${what} has ${a.length} floats, the layout of this config needs ${layout.size}`);
}

const list = (names: string[]): string => (names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`);

export function saveCheckpoint(c: CheckpointContents, options: SaveOptions = {}): Uint8Array {
  const config = validateConfig(c.config);
  const layout = buildLayout(config, options.layout);
  checkLength('params', c.params, layout);
  const tensors: TensorToWrite[] = [];
  const add = (prefix: string, flat: Float32Array, dtype: FloatDtype) => {
    for (const t of layout.tensors) tensors.push({ name: prefix + t.name, shape: t.shape, data: flat.subarray(t.offset, t.offset + t.size), dtype });
  };
  add('', c.params, options.dtype ?? 'F32');
  if (c.optimizer) {
    checkLength('optimizer.m', c.optimizer.m, layout);
    checkLength('optimizer.v', c.optimizer.v, layout);
    add(M_PREFIX, c.optimizer.m, 'F32');
    add(V_PREFIX, c.optimizer.v, 'F32');
  }
  const metadata: Record<string, string> = {
    [META.formatVersion]: String(CHECKPOINT_FORMAT_VERSION),
    [META.config]: JSON.stringify(config),
  };
  const json = (key: string, v: unknown) => {
    const s = JSON.stringify(v);
    if (s === undefined) throw new CheckpointError(`${key} is not JSON-serialisable`);
    metadata[key] = s;
  };
  if (c.tokenizer !== undefined) json(META.tokenizer, c.tokenizer);
  if (c.training !== undefined) json(META.training, c.training);
  return writeSafetensors(tensors, metadata);
}

function parseMeta(metadata: Record<string, string>, key: string): unknown {
  const s = metadata[key];
  if (s === undefined) return undefined;
  // Our metadata is a few levels deep; a deep value would overflow whatever walks it.
  const depth = jsonNesting(s);
  if (depth > 64) throw new CheckpointError(`metadata ${key} is nested ${depth} levels deep (limit 64)`);
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new CheckpointError(`metadata ${key} is not valid JSON (${(e as Error).message})`);
  }
}

export function loadCheckpoint(data: ArrayBuffer | Uint8Array, options: { layout?: LayoutOptions } = {}): LoadedCheckpoint {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const header = readSafetensorsHeader(bytes);
  const md = header.metadata;
  const version = md[META.formatVersion];
  if (version === undefined) throw new CheckpointError(`no ${META.formatVersion} in the metadata: not a tract checkpoint (a plain safetensors file? import it as a Hugging Face model)`);
  if (version !== String(CHECKPOINT_FORMAT_VERSION)) throw new CheckpointError(`format version ${JSON.stringify(version)} is not supported (this build reads ${CHECKPOINT_FORMAT_VERSION})`);
  const rawConfig = parseMeta(md, META.config);
  if (rawConfig === undefined) throw new CheckpointError(`no ${META.config} in the metadata`);
  let config: ModelConfig;
  try {
    config = validateConfig(rawConfig);
  } catch (e) {
    if (e instanceof ModelConfigError) throw new CheckpointError(`${META.config} is invalid: ${e.message}`);
    throw e;
  }
  const layout = buildLayout(config, options.layout);
  const byName = new Map(header.entries.map((e) => [e.name, e]));
  const hasOptimizer = header.entries.some((e) => e.name.startsWith(M_PREFIX) || e.name.startsWith(V_PREFIX));
  const expected = new Map<string, number[]>();
  for (const t of layout.tensors) {
    expected.set(t.name, t.shape);
    if (hasOptimizer) {
      expected.set(M_PREFIX + t.name, t.shape);
      expected.set(V_PREFIX + t.name, t.shape);
    }
  }
  const missing = [...expected.keys()].filter((n) => !byName.has(n));
  const extra = header.entries.filter((e) => !expected.has(e.name)).map((e) => e.name);
  const misShaped = header.entries
    .filter((e) => expected.has(e.name) && expected.get(e.name)!.join(',') !== e.shape.join(','))
    .map((e) => `${e.name} is [${e.shape.join(', ')}], expected [${expected.get(e.name)!.join(', ')}]`);
  const problems: string[] = [];
  if (missing.length) problems.push(`missing tensors: ${list(missing)}`);
  if (extra.length) problems.push(`unexpected tensors: ${list(extra)}`);
  if (misShaped.length) problems.push(`wrong shapes: ${list(misShaped)}`);
  if (problems.length) throw new CheckpointError(`${problems.join('; ')} (config: dim ${config.dim}, ${config.nLayers} layers, vocab ${config.vocabSize}, ${config.tied ? 'tied' : 'untied'})`);

  // Parameters must be finite and plausible; the Adam moments finite (a diverged run's are not).
  const fill = (prefix: string): Float32Array => {
    const flat = new Float32Array(layout.size);
    const maxAbs = prefix === '' ? MAX_ABS_WEIGHT : Infinity;
    for (const t of layout.tensors) {
      const data = decodeTensor(bytes, header, byName.get(prefix + t.name)!);
      const bad = findBadWeight(data, maxAbs);
      if (bad) throw new CheckpointError(describeBadWeight(prefix + t.name, bad, maxAbs));
      flat.set(data, t.offset);
    }
    return flat;
  };
  const out: LoadedCheckpoint = { config, layout, params: fill(''), metadata: md };
  if (hasOptimizer) out.optimizer = { m: fill(M_PREFIX), v: fill(V_PREFIX) };
  const tokenizer = parseMeta(md, META.tokenizer);
  if (tokenizer !== undefined) out.tokenizer = tokenizer;
  const training = parseMeta(md, META.training);
  if (training !== undefined) out.training = training;
  return out;
}

/**
 * Which reader a model file needs: safetensors starts with a u64 header length and JSON at byte 8; a
 * llama2.c file starts with 7 int32 (dim, hidden_dim, …; hidden_dim ≠ 0). A high header word of 0
 * (hidden_dim 0 for llama2.c) or a '{' at byte 8 goes to the safetensors reader, so a header of
 * absurd length or a non-object header is reported as what it is, not as a llama2.c header.
 */
export function detectModelFormat(data: ArrayBuffer | Uint8Array): 'safetensors' | 'llama2c' {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength >= 9) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, 9);
    if (bytes[8] === 0x7b || (dv.getUint32(4, true) === 0 && (bytes[8] === 0x5b || bytes[8] === 0x20))) return 'safetensors';
  }
  return 'llama2c';
}

