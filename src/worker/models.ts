// Models the worker can judge with: the ready judge shipped in public/judge, files opened from disk
// (a tract checkpoint, or a llama2.c .bin with its tokenizer), and a run's checkpoints. Bytes in
// (the File API in the browser), config + params + tokenizer out. Also the size estimates of the
// Model view, checked against the adapter's limits.
import {
  llama2cTokenizerFromBytes,
  checkTokenizerMatches,
  descriptionHoldsTokenizer,
  tokenizerFromDescription,
  tokenizerFromJson,
  trainedFitFromJudgeJson,
  trainedFitFromTraining,
  trainedOnText,
  type TemplateName,
  type TrainedFit,
  type Tokenizer,
  type TokenizerDescription,
} from '../data/index.ts';
import type { Gpu } from '../gpu/index.ts';
import { activationBytes, checkActivationLimits } from '../model/activations.ts';
import { loadCheckpoint } from '../model/checkpoint.ts';
import { parameterCount, type ModelConfig } from '../model/config.ts';
import { parameterBytes } from '../model/device_model.ts';
import { buildLayout } from '../model/layout.ts';
import { readLlama2c } from '../model/llama2c.ts';
import { hfFilesFromList, importHfModel } from '../interop/hf_import.ts';
import { bytesSource } from '../interop/sources.ts';
import type { ModelOrigin, ModelSummary, SizeEstimate, SizeRequest } from './protocol.ts';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export interface LoadedModel {
  summary: ModelSummary;
  config: ModelConfig;
  params: Float32Array;
  tokenizer: Tokenizer | null;
}

function judgeCheck(tokenizer: Tokenizer | null): ModelSummary['judge'] {
  if (!tokenizer) return { ok: false, reason: 'it has no tokenizer: open its tokenizer file (tok*.bin or tokenizer.json) together with it' };
  try {
    tokenizer.scoreTokenIds();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `its tokenizer cannot read out scores: ${(e as Error).message}` };
  }
}

function tokenizerFromFile(f: NamedBytes): Tokenizer {
  const lower = f.name.toLowerCase();
  if (lower.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(f.bytes));
    } catch (e) {
      throw new Error(`${f.name}: not valid JSON: ${(e as Error).message}`);
    }
    return tokenizerFromJson(json, {}, { name: f.name });
  }
  return llama2cTokenizerFromBytes(f.bytes, { name: f.name });
}

/**
 * A model from files opened together: one tract checkpoint (.safetensors; its tokenizer is inside
 * when it is our BPE), or one llama2.c .bin plus its tokenizer (tok*.bin, tokenizer.bin or a
 * tokenizer.json). Errors name the file.
 */
export function modelFromFiles(files: NamedBytes[], origin: ModelOrigin = 'file', description?: string): LoadedModel {
  if (files.length === 0) throw new Error('no file given');
  const models: { file: NamedBytes; kind: 'safetensors' | 'llama2c'; llama?: { config: ModelConfig; params: Float32Array } }[] = [];
  const tokenizerFiles: NamedBytes[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const lower = f.name.toLowerCase();
    if (lower.endsWith('.safetensors')) models.push({ file: f, kind: 'safetensors' });
    else if (lower.endsWith('.json')) tokenizerFiles.push(f);
    else if (lower.endsWith('.bin')) {
      // tok512.bin and stories260K.bin share the extension: a model is a .bin whose header
      // describes exactly its size; anything else is taken as a tokenizer.
      try {
        models.push({ file: f, kind: 'llama2c', llama: readLlama2c(f.bytes) });
      } catch (e) {
        tokenizerFiles.push(f);
        problems.push(`${f.name}: ${(e as Error).message}`);
      }
    } else throw new Error(`${f.name}: not a model or tokenizer file (expected .safetensors, .bin or tokenizer .json)`);
  }
  if (models.length !== 1) {
    throw new Error(
      models.length === 0
        ? `no model among ${files.map((f) => f.name).join(', ')}${problems.length ? ` (${problems.join('; ')})` : ''}`
        : `open one model at a time (got ${models.map((m) => m.file.name).join(', ')})`,
    );
  }
  if (tokenizerFiles.length > 1) throw new Error(`open at most one tokenizer with the model (got ${tokenizerFiles.map((f) => f.name).join(', ')})`);
  const { file, kind, llama } = models[0];
  let config: ModelConfig;
  let params: Float32Array;
  let tokenizer: Tokenizer | null = null;
  let training: ModelSummary['training'];
  let template: TemplateName = 'compact';
  let desc: TokenizerDescription | undefined;
  let promptFit: TrainedFit | undefined;
  let promptFitMissing: string | undefined;
  try {
    if (llama) {
      config = llama.config;
      params = llama.params;
    } else {
      const c = loadCheckpoint(file.bytes);
      config = c.config;
      params = c.params;
      desc = c.tokenizer as TokenizerDescription | undefined;
      // Only our BPE travels inside a checkpoint; a llama2.c or Hugging Face vocabulary is not
      // stored (its fingerprint is), so such a model needs its tokenizer file opened with it.
      if (desc && tokenizerFiles.length === 0 && descriptionHoldsTokenizer(desc)) tokenizer = tokenizerFromDescription(desc);
      const t = c.training as { stage?: string; step?: number; seed?: number; template?: TemplateName } | undefined;
      if (t) training = { stage: t.stage, step: t.step, seed: t.seed };
      if (t?.template === 'prometheus') template = 'prometheus';
      // The prompt-fit rule it was trained with, when its record holds it (scripts/ready-judge.ts
      // writes it); a run's model without one gets its run's (the engine adds it).
      promptFit = trainedFitFromTraining(c.training, file.name);
      if (trainedOnText(c.training)) promptFitMissing = `it was trained on plain text (${t?.stage === 'base' ? 'a pretrained base' : 'stage 0'}), not on judge prompts`;
    }
  } catch (e) {
    throw new Error(`${file.name}: ${(e as Error).message}`);
  }
  if (tokenizerFiles.length === 1) {
    try {
      tokenizer = tokenizerFromFile(tokenizerFiles[0]);
    } catch (e) {
      throw new Error(`${tokenizerFiles[0].name}: ${(e as Error).message}`);
    }
  }
  if (tokenizer && desc && tokenizerFiles.length === 1) checkTokenizerMatches(tokenizer, desc, tokenizerFiles[0].name, file.name);
  if (tokenizer && tokenizer.vocabSize !== config.vocabSize) {
    throw new Error(`tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} tokens but ${file.name} has a vocabulary of ${config.vocabSize}`);
  }
  const parameters = parameterCount(config);
  const summary: ModelSummary = {
    name: file.name,
    origin,
    format: kind,
    config,
    parameters,
    bytes: file.bytes.byteLength,
    tokenizer: tokenizer?.name ?? null,
    judge: !tokenizer && desc ? { ok: false, reason: `it was trained with the tokenizer ${desc.name}, which the checkpoint does not hold: open ${desc.name} together with it` } : judgeCheck(tokenizer),
    template,
    description:
      description ??
      (kind === 'llama2c'
        ? `A llama2.c model (${(parameters / 1e6).toFixed(2)}M parameters) opened from disk. Unless it was trained as a judge it writes stories, not verdicts: its read-out shows what it thinks of a score digit after "So the overall score is".`
        : `A tract checkpoint (${(parameters / 1e6).toFixed(2)}M parameters${training?.stage ? `, ${training.stage} after ${training.step} steps` : ''}) opened from disk.`),
    training,
    ...(promptFit ? { promptFit } : {}),
    ...(promptFitMissing ? { promptFitMissing } : {}),
  };
  return { summary, config, params, tokenizer };
}

/** The tokenizer files among a model's files (a tok*.bin beside a llama2.c model, a tokenizer.json). */
export function tokenizerFilesOf(files: readonly NamedBytes[]): NamedBytes[] {
  return files.filter((f) => {
    const lower = f.name.toLowerCase();
    if (lower.endsWith('tokenizer.json')) return true;
    if (!lower.endsWith('.bin')) return false;
    try {
      readLlama2c(f.bytes);
      return false;
    } catch {
      return true;
    }
  });
}

/** A Hugging Face Llama folder's files (config.json among them) rather than one of ours. */
export function isHuggingFace(files: readonly { name: string }[]): boolean {
  return files.some((f) => f.name === 'config.json');
}

/** Longest context a Hugging Face model is loaded with (its KV cache is sized by it). */
const HF_MAX_SEQ = 1024;

/**
 * A Hugging Face Llama (config.json, model.safetensors or shards with their index, tokenizer.json)
 * through the interop importer, checked against the adapter's limits before the weights are read.
 */
export async function hfModelFromFiles(files: NamedBytes[], limits: GPUSupportedLimits | null): Promise<LoadedModel> {
  const r = await importHfModel(hfFilesFromList(files.map((f) => bytesSource(f.name, f.bytes))), { limits: limits ?? undefined, maxSeqLen: HF_MAX_SEQ });
  const tokenizer = r.tokenizer ?? null;
  const parameters = parameterCount(r.config);
  const weights = files.filter((f) => f.name.endsWith('.safetensors'));
  // A tract export's tract_judge.json records the prompt-fit rule the judge was trained with.
  const judgeJson = files.find((f) => f.name === 'tract_judge.json');
  let promptFit: TrainedFit | undefined;
  try {
    promptFit = judgeJson ? trainedFitFromJudgeJson(JSON.parse(new TextDecoder().decode(judgeJson.bytes))) : undefined;
  } catch {
    promptFit = undefined;
  }
  const summary: ModelSummary = {
    name: weights.length === 1 ? `${weights[0].name} (Hugging Face)` : `${weights.length} safetensors shards (Hugging Face)`,
    origin: 'file',
    format: 'huggingface',
    config: r.config,
    parameters,
    bytes: files.reduce((a, f) => a + f.bytes.byteLength, 0),
    tokenizer: tokenizer?.name ?? null,
    judge: judgeCheck(tokenizer),
    template: 'compact',
    description:
      `A Hugging Face Llama (${(parameters / 1e6).toFixed(2)}M parameters, ${r.plan.dtypes.join('/')}) opened from disk` +
      `${r.plan.info.notes.length ? ` (${r.plan.info.notes.join('; ')})` : ''}. Unless it was trained as a judge, its read-out only shows what it makes of a score digit after "So the overall score is".`,
    ...(promptFit ? { promptFit } : {}),
  };
  return { summary, config: r.config, params: r.params, tokenizer };
}

/** Parameter count, memory and limit checks for training a config at (batch, seqLen). */
export function estimateSize(r: SizeRequest, limits: GPUSupportedLimits | null): SizeEstimate {
  const layout = buildLayout(r.config);
  const w = parameterBytes(layout, true);
  const weightBytes = w.params + w.grads + w.optimizer;
  const T = Math.min(r.seqLen, r.config.seqLen);
  const acts = activationBytes(r.config, r.batch, T);
  const problems: string[] = [];
  if (limits) {
    if (w.params > limits.maxStorageBufferBindingSize) {
      problems.push(`the parameter buffer (${w.params} bytes) is larger than this adapter's maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize})`);
    }
    try {
      checkActivationLimits({ limits } as Gpu, r.config, r.batch, T);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return { ...r, parameters: parameterCount(r.config), weightBytes, activationBytes: acts, totalBytes: weightBytes + acts, problems };
}
