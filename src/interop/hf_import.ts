// Hugging Face Llama import: config.json + model.safetensors (or shards with
// model.safetensors.index.json; F32, F16 or BF16) + tokenizer.json → our config, flat parameters and
// tokenizer. Bytes in (FileSource: a browser File, a Node path, memory), nothing else.
//
// Two steps, so that a large model is refused before it is read: planHfImport reads config.json, the
// index and every shard's safetensors header (a few KiB each), maps and checks every tensor's name,
// dtype and shape, and checks the GPU memory estimate against the adapter's limits; importHfModel
// then reads and decodes the tensors. Anything we cannot run exactly is refused with a message that
// names the file and the tensor or field.
//
// RoPE: Hugging Face applies rotate-half, so its q_proj/k_proj rows are our 'half' convention. The
// import keeps 'half' (the engine runs it) unless asked for 'interleaved', which permutes wq/wk rows
// (ropePermute.ts). A file exported by tract records the convention it came from (tract.rope) and
// comes back in it, so export → import gives bit-identical parameters.
import { readSafetensorsHeader, decodeTensor, type SafetensorsEntry, type SafetensorsHeader } from '../model/safetensors.ts';
import { buildLayout, fromHfName, hfName, type ParamLayout } from '../model/layout.ts';
import { convertRopeConvention } from '../model/ropePermute.ts';
import { describeBadWeight, findBadWeight, MAX_ABS_WEIGHT } from '../model/weightCheck.ts';
import type { ModelConfig, RopeConvention } from '../model/config.ts';
import { tokenizerFromJson, type Tokenizer } from '../data/tokenizers/index.ts';
import { configFromHf, type HfConfigInfo } from './hf_config.ts';
import { checkFitsAdapter, estimateInferenceMemory, type BufferLimits, type InferenceMemory, type InferenceShape } from './memory.ts';
import { InteropError, readJson, type FileSource } from './sources.ts';

export const HF_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  generationConfig: 'generation_config.json',
} as const;

/** safetensors metadata key our export writes: the RoPE convention the model was trained in. */
export const TRACT_ROPE_META = 'tract.rope';

export interface HfModelFiles {
  config: FileSource;
  /** model.safetensors, or every shard the index names. */
  weights: FileSource[];
  index?: FileSource;
  tokenizer?: FileSource;
  tokenizerConfig?: FileSource;
}

/**
 * Sorts a set of files (a folder picked in the browser, a directory listing in Node) into the
 * parts of a Hugging Face model; other files (README.md, generation_config.json, …) are ignored.
 */
export function hfFilesFromList(files: readonly FileSource[]): HfModelFiles {
  const by = new Map(files.map((f) => [f.name, f]));
  const config = by.get(HF_FILES.config);
  if (!config) throw new InteropError(`no ${HF_FILES.config} among the files (${files.map((f) => f.name).join(', ') || 'none'}): a Hugging Face model folder needs one`);
  const safetensors = files.filter((f) => f.name.endsWith('.safetensors'));
  const index = by.get(HF_FILES.index);
  if (safetensors.length === 0) {
    const pickle = files.find((f) => /\.(bin|pt|pth|ckpt)$/.test(f.name));
    throw new InteropError(
      pickle
        ? `${pickle.name}: PyTorch pickle weights are not supported (they can run code when loaded); save the model with safetensors (model.save_pretrained(dir, safe_serialization=True))`
        : `no .safetensors weights among the files (expected ${HF_FILES.weights}, or shards with ${HF_FILES.index})`,
    );
  }
  let weights: FileSource[];
  if (index) weights = safetensors;
  else {
    const single = by.get(HF_FILES.weights) ?? (safetensors.length === 1 ? safetensors[0] : undefined);
    if (!single) throw new InteropError(`${safetensors.length} .safetensors files (${safetensors.map((f) => f.name).join(', ')}) but no ${HF_FILES.index} to say which tensor is in which`);
    weights = [single];
  }
  return { config, weights, index, tokenizer: by.get(HF_FILES.tokenizer), tokenizerConfig: by.get(HF_FILES.tokenizerConfig) };
}

export interface HfImportOptions {
  /** The RoPE convention of the result: 'auto' (default) = what a tract export recorded, else 'half'. */
  rope?: RopeConvention | 'auto';
  /** Cap on seqLen (max_position_embeddings). */
  maxSeqLen?: number;
  /** The adapter's limits: refuse before reading the weights when a buffer would not fit. */
  limits?: BufferLimits;
  /** Inference shape for the memory check (default batch 1 × seqLen). */
  shape?: InferenceShape;
  /** Total GPU bytes allowed (an app's own cap). */
  budgetBytes?: number;
}

interface PlannedTensor {
  /** Our name. */
  name: string;
  hfName: string;
  file: FileSource;
  header: SafetensorsHeader;
  entry: SafetensorsEntry;
}

export interface HfImportPlan {
  /** The config in the result's RoPE convention. */
  config: ModelConfig;
  /** The file's own convention is always 'half'; this is what the weights are converted to. */
  rope: RopeConvention;
  info: HfConfigInfo;
  layout: ParamLayout;
  tensors: PlannedTensor[];
  /** Tensor bytes that importHfModel will read. */
  bytesToRead: number;
  dtypes: string[];
  memory: InferenceMemory;
  files: HfModelFiles;
}

const list = (xs: string[]): string => (xs.length <= 6 ? xs.join(', ') : `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more`);

/** The header of one safetensors file, reading only its first 8 + N bytes. */
export async function readHeaderOf(f: FileSource): Promise<SafetensorsHeader> {
  try {
    if (f.size < 8) return readSafetensorsHeader(await f.read(0, f.size), { fileBytes: f.size });
    const head = await f.read(0, 8);
    const dv = new DataView(head.buffer, head.byteOffset, 8);
    const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
    // Read no more than the file has: readSafetensorsHeader reports a length beyond the end.
    return readSafetensorsHeader(await f.read(0, Math.min(f.size, 8 + n)), { fileBytes: f.size });
  } catch (e) {
    throw new InteropError(`${f.name}: ${(e as Error).message}`);
  }
}

async function readIndex(f: FileSource): Promise<Map<string, string>> {
  const j = await readJson(f);
  const wm = (j as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) throw new InteropError(`${f.name}: no "weight_map" object`);
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new InteropError(`${f.name}: weight_map["${k}"] must be a file name, got ${JSON.stringify(v)}`);
    out.set(k, v);
  }
  return out;
}

/** Reads config, index and headers; checks names, shapes and memory. Reads no tensor data. */
export async function planHfImport(files: HfModelFiles, o: HfImportOptions = {}): Promise<HfImportPlan> {
  const info = configFromHf(await readJson(files.config), { rope: 'half', maxSeqLen: o.maxSeqLen }, files.config.name);
  const c = info.config;
  const layout = buildLayout(c);

  // Which file holds which tensor.
  const headers = new Map<string, SafetensorsHeader>();
  const byName = new Map(files.weights.map((f) => [f.name, f]));
  const where = new Map<string, { file: FileSource; entry: SafetensorsEntry }>();
  if (files.index) {
    const index = await readIndex(files.index);
    const shards = [...new Set(index.values())];
    const missingShards = shards.filter((s) => !byName.has(s));
    if (missingShards.length) throw new InteropError(`${files.index.name} names shard ${missingShards.map((s) => `'${s}'`).join(', ')}, which is missing`);
    for (const s of shards) headers.set(s, await readHeaderOf(byName.get(s)!));
    for (const [tensor, shard] of index) {
      const entry = headers.get(shard)!.entries.find((e) => e.name === tensor);
      if (!entry) throw new InteropError(`${files.index.name} puts '${tensor}' in ${shard}, which has no such tensor`);
      where.set(tensor, { file: byName.get(shard)!, entry });
    }
    for (const [shard, h] of headers) {
      const extra = h.entries.filter((e) => index.get(e.name) !== shard).map((e) => e.name);
      if (extra.length) throw new InteropError(`${shard} holds ${list(extra)}, which ${files.index.name} does not list there`);
    }
  } else {
    if (files.weights.length !== 1) throw new InteropError(`${files.weights.length} weight files but no ${HF_FILES.index}`);
    const f = files.weights[0];
    const h = await readHeaderOf(f);
    headers.set(f.name, h);
    for (const e of h.entries) where.set(e.name, { file: f, entry: e });
  }

  // Names: ours ⇄ theirs, and what cannot be imported.
  const expected = new Map(layout.tensors.map((t) => [hfName(t.name), t]));
  const unsupported: string[] = [];
  const biases: string[] = [];
  let tiedCopy: { file: FileSource; entry: SafetensorsEntry } | undefined;
  for (const [name, w] of where) {
    if (expected.has(name)) continue;
    if (/\.rotary_emb\.inv_freq$/.test(name)) continue; // a buffer older exports saved; recomputed from rope_theta
    if (name === 'lm_head.weight' && c.tied) {
      tiedCopy = w;
      continue;
    }
    if (name.endsWith('.bias')) biases.push(name);
    else unsupported.push(name);
  }
  const wfile = (name: string) => where.get(name)?.file.name ?? files.weights[0].name;
  if (biases.length) throw new InteropError(`${wfile(biases[0])}: bias tensors are not supported (${list(biases)}): the engine's projections have no bias`);
  if (unsupported.length) {
    const explain = unsupported.map((n) => {
      const m = /^model\.layers\.(\d+)\./.exec(n);
      if (m && Number(m[1]) >= c.nLayers) return `${n} (layer ${m[1]}, but num_hidden_layers is ${c.nLayers})`;
      try {
        fromHfName(n);
        return n;
      } catch {
        return `${n} (no place in a Llama model)`;
      }
    });
    throw new InteropError(`${wfile(unsupported[0])}: unexpected tensors ${list(explain)}`);
  }
  const missing = [...expected.keys()].filter((n) => !where.has(n));
  if (missing.length) {
    const hint = !c.tied && missing.includes('lm_head.weight') ? ' (config.json has tie_word_embeddings false: an untied model needs lm_head.weight)' : '';
    throw new InteropError(`missing tensor${missing.length > 1 ? 's' : ''} ${list(missing)} in ${files.weights.map((f) => f.name).join(', ')}${hint}`);
  }
  const misShaped: string[] = [];
  const tensors: PlannedTensor[] = [];
  for (const [hf, t] of expected) {
    const w = where.get(hf)!;
    if (w.entry.shape.join(',') !== t.shape.join(',')) misShaped.push(`${hf} is [${w.entry.shape.join(', ')}], expected [${t.shape.join(', ')}]`);
    tensors.push({ name: t.name, hfName: hf, file: w.file, header: headers.get(w.file.name)!, entry: w.entry });
  }
  if (tiedCopy && tiedCopy.entry.shape.join(',') !== [c.vocabSize, c.dim].join(',')) misShaped.push(`lm_head.weight is [${tiedCopy.entry.shape.join(', ')}], expected [${c.vocabSize}, ${c.dim}]`);
  if (misShaped.length) throw new InteropError(`${wfile(tensors[0].hfName)}: wrong shapes for config.json (hidden_size ${c.dim}, intermediate_size ${c.hiddenDim}, heads ${c.nHeads}/${c.nKvHeads}, vocab ${c.vocabSize}): ${list(misShaped)}`);
  if (tiedCopy) {
    // A tied model saved with its head: read after the embedding, it must equal it (importHfModel).
    tensors.push({ name: 'output', hfName: 'lm_head.weight', file: tiedCopy.file, header: headers.get(tiedCopy.file.name)!, entry: tiedCopy.entry });
  }

  // Convention of the result.
  let rope: RopeConvention = 'half';
  if (o.rope === 'interleaved' || o.rope === 'half') rope = o.rope;
  else {
    const recorded = [...headers.values()].map((h) => h.metadata[TRACT_ROPE_META]).find((v) => v !== undefined);
    if (recorded === 'interleaved') rope = 'interleaved';
  }
  const shape = o.shape ?? {};
  const memory = o.limits ? checkFitsAdapter(c, o.limits, { ...shape, budgetBytes: o.budgetBytes }) : estimateInferenceMemory(c, shape);
  return {
    config: { ...c, rope },
    rope,
    info,
    layout,
    tensors,
    bytesToRead: tensors.reduce((a, t) => a + (t.entry.end - t.entry.begin), 0),
    dtypes: [...new Set(tensors.map((t) => t.entry.dtype))],
    memory,
    files,
  };
}

async function readTensor(t: PlannedTensor): Promise<Float32Array> {
  const start = t.header.dataStart + t.entry.begin;
  const bytes = await t.file.read(start, t.header.dataStart + t.entry.end);
  if (bytes.byteLength !== t.entry.end - t.entry.begin) throw new InteropError(`${t.file.name}: tensor '${t.hfName}' is cut short (${bytes.byteLength} of ${t.entry.end - t.entry.begin} bytes)`);
  const data = decodeTensor(bytes, { ...t.header, dataStart: 0 }, { ...t.entry, begin: 0, end: bytes.byteLength });
  const bad = findBadWeight(data, MAX_ABS_WEIGHT);
  if (bad) throw new InteropError(`${t.file.name}: ${describeBadWeight(t.hfName, bad)}`);
  return data;
}

export interface HfImportResult {
  config: ModelConfig;
  layout: ParamLayout;
  /** Flat parameters in `layout`, in config.rope's convention. */
  params: Float32Array;
  /** From tokenizer.json (+ tokenizer_config.json); undefined when the files had none. */
  tokenizer?: Tokenizer;
  /** The parsed tokenizer.json, as given. */
  tokenizerJson?: unknown;
  plan: HfImportPlan;
}

/** Plans, then reads every tensor into one flat parameter array and loads the tokenizer. */
export async function importHfModel(files: HfModelFiles, o: HfImportOptions & { onProgress?: (bytesRead: number, total: number) => void } = {}): Promise<HfImportResult> {
  const plan = await planHfImport(files, o);
  const half = buildLayout({ ...plan.config, rope: 'half' });
  const flat = new Float32Array(half.size);
  let done = 0;
  let embedding: Float32Array | undefined;
  for (const t of plan.tensors) {
    const data = await readTensor(t);
    if (t.hfName === 'lm_head.weight' && plan.config.tied) {
      embedding ??= flat.subarray(half.byName.get('tok_embeddings')!.offset, half.byName.get('tok_embeddings')!.offset + data.length);
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== embedding[i]) throw new InteropError(`${t.file.name}: config.json says tie_word_embeddings true, but lm_head.weight differs from model.embed_tokens.weight (at element ${i})`);
      }
    } else flat.set(data, half.byName.get(t.name)!.offset);
    done += t.entry.end - t.entry.begin;
    o.onProgress?.(done, plan.bytesToRead);
  }
  const { config, params } = convertRopeConvention(half, flat, plan.rope);
  const out: HfImportResult = { config, layout: buildLayout(config), params, plan };
  if (files.tokenizer) {
    const json = await readJson(files.tokenizer);
    const tokConfig = files.tokenizerConfig ? await readJson(files.tokenizerConfig) : {};
    try {
      out.tokenizer = tokenizerFromJson(json, tokConfig, { name: files.tokenizer.name, bos: plan.info.bosTokenId, eos: plan.info.eosTokenId });
    } catch (e) {
      throw new InteropError(`${files.tokenizer.name}: ${(e as Error).message}`);
    }
    out.tokenizerJson = json;
    if (out.tokenizer.vocabSize > config.vocabSize) {
      throw new InteropError(`${files.tokenizer.name} has ${out.tokenizer.vocabSize} tokens, more than the model's vocab_size ${config.vocabSize}`);
    }
  }
  return out;
}
