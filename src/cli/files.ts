// The Node side of loading models and tokenizers from paths (src/model and src/data take bytes and
// text; only the CLI touches the file system).
import { existsSync, statSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  generateRubricLab,
  llama2cTokenizerFromBytes,
  checkTokenizerMatches,
  descriptionHoldsTokenizer,
  tokenizerFromDescription,
  tokenizerFromJson,
  trainRubricLabTokenizer,
  type Tokenizer,
  type TokenizerDescription,
} from '../data/index.ts';
import { detectModelFormat, loadCheckpoint, readLlama2c, type ModelConfig } from '../model/index.ts';
import { hfFilesFromList, importHfModel, InteropError, type FileSource, type HfImportOptions } from '../interop/index.ts';
import { UsageError } from './args.ts';
import { InputError } from './errors.ts';
import { inputFile } from './paths.ts';
import { readJsonFile } from './jsonInput.ts';

/** A file on disk as an interop FileSource (ranged reads, nothing held open between them). */
export function pathSource(path: string): FileSource {
  const size = statSync(path).size;
  return {
    name: basename(path),
    size,
    async read(start = 0, end = size) {
      const fh = await open(path, 'r');
      try {
        const out = new Uint8Array(Math.max(0, Math.min(end, size) - start));
        let at = 0;
        while (at < out.length) {
          const { bytesRead } = await fh.read(out, at, out.length - at, start + at);
          if (bytesRead === 0) break;
          at += bytesRead;
        }
        return at === out.length ? out : out.subarray(0, at);
      } finally {
        await fh.close();
      }
    },
  };
}

/** A Hugging Face model folder (config.json, safetensors, tokenizer.json, …) imported from disk. */
export async function importHfDirectory(dir: string, options: HfImportOptions = {}) {
  const names = await readdir(dir);
  return importHfModel(hfFilesFromList(names.filter((n) => statSync(join(dir, n)).isFile()).map((n) => pathSource(join(dir, n)))), options);
}

/** A tokenizer from a tok*.bin, a tokenizer.json (tokenizer_config.json beside it is read), or
 *  'rubric-lab' (our BPE trained on the default Rubric Lab, 1024 tokens). */
export async function loadTokenizer(spec: string, flag = '--tokenizer'): Promise<Tokenizer> {
  if (spec === 'rubric-lab') return trainRubricLabTokenizer(generateRubricLab().train, { vocabSize: 1024 });
  if (!existsSync(resolve(spec))) throw new UsageError(`${flag}: no such file '${spec}' (give a tok*.bin, a tokenizer.json or 'rubric-lab')`);
  const path = inputFile(spec, flag);
  if (extname(path) === '.bin') return llama2cTokenizerFromBytes(new Uint8Array(await readFile(path)), { name: basename(path) });
  if (extname(path) === '.json') {
    // tokenizer.json files are shallow but can be tens of MB (a 256k vocabulary).
    const json = await readJsonFile(spec, flag, { maxBytes: 256 * 2 ** 20 });
    const cfgPath = join(dirname(path), 'tokenizer_config.json');
    const config = existsSync(cfgPath) ? await readJsonFile(cfgPath, `${flag} (the tokenizer_config.json beside it)`) : {};
    return tokenizerFromJson(json, config, { name: basename(path) });
  }
  throw new UsageError(`${flag}: '${spec}' is neither a .bin (llama2.c) nor a .json (Hugging Face) file`);
}

export interface LoadedModel {
  config: ModelConfig;
  params: Float32Array;
  format: 'safetensors' | 'llama2c' | 'hf';
  tokenizer?: TokenizerDescription;
  /** The tokenizer a Hugging Face folder brought (tokenizer.json). */
  tokenizerInstance?: Tokenizer;
  training?: unknown;
  optimizer?: { m: Float32Array; v: Float32Array };
}

/** The largest single model file loadModelFile reads (2 GiB − 1: Node's one-buffer read limit). */
export const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;

/** A llama2.c .bin, one of our safetensors checkpoints, or a Hugging Face model folder. */
export async function loadModelFile(spec: string, flag = '--checkpoint'): Promise<LoadedModel> {
  // A folder is a Hugging Face model; anything but a regular file (a FIFO, a device) is refused.
  const path = inputFile(spec, flag, { allowDir: true });
  if (statSync(path).isDirectory()) {
    try {
      const m = await importHfDirectory(path);
      return { config: m.config, params: m.params, format: 'hf', tokenizerInstance: m.tokenizer, tokenizer: m.tokenizer?.describe() };
    } catch (e) {
      if (e instanceof InteropError) throw new InputError(`${spec}: ${e.message}`, { where: { file: spec } });
      throw e;
    }
  }
  // Read whole (Node cannot read a file over 2 GiB into one buffer): refuse larger files by name.
  const size = statSync(path).size;
  if (size > MAX_MODEL_FILE_BYTES) throw new InputError(`${spec}: ${size} bytes is more than one model file the CLI reads (${MAX_MODEL_FILE_BYTES} bytes); save a large model as a Hugging Face folder with sharded safetensors`, { where: { file: spec } });
  const bytes = new Uint8Array(await readFile(path));
  const format = detectModelFormat(bytes);
  try {
    if (format === 'llama2c') {
      const m = readLlama2c(bytes);
      return { config: m.config, params: m.params, format };
    }
    const c = loadCheckpoint(bytes);
    return { config: c.config, params: c.params, format, tokenizer: c.tokenizer as TokenizerDescription | undefined, training: c.training, optimizer: c.optimizer };
  } catch (e) {
    throw new InputError(`${spec}: ${(e as Error).message}`, { where: { file: spec } });
  }
}

/** The tokenizer for a model: --tokenizer if given, else the checkpoint's own, else llama2.c's
 *  convention of a tok<vocab>.bin or tokenizer.bin beside the .bin. */
export async function tokenizerForModel(model: LoadedModel, modelPath: string, spec?: string): Promise<Tokenizer> {
  let tok: Tokenizer | undefined;
  if (spec) {
    tok = await loadTokenizer(spec);
    // A checkpoint that records its tokenizer must get that very one.
    if (model.tokenizer) checkTokenizerMatches(tok, model.tokenizer, `--tokenizer ${spec}`, modelPath);
  } else if (model.tokenizerInstance) tok = model.tokenizerInstance;
  else if (model.tokenizer && !descriptionHoldsTokenizer(model.tokenizer)) {
    // A llama2.c or Hugging Face vocabulary is not stored in checkpoints: look for it beside the model, else ask.
    const p = join(dirname(resolve(modelPath)), model.tokenizer.name);
    if (existsSync(p)) return tokenizerForModel(model, modelPath, p);
    throw new UsageError(`${modelPath} was trained with the ${model.tokenizer.kind} tokenizer ${model.tokenizer.name}, which checkpoints do not store: pass --tokenizer <path to ${model.tokenizer.name}>`);
  } else if (model.tokenizer) tok = tokenizerFromDescription(model.tokenizer);
  else {
    const dir = dirname(resolve(modelPath));
    for (const name of [`tok${model.config.vocabSize}.bin`, 'tokenizer.bin']) {
      const p = join(dir, name);
      if (existsSync(p)) {
        tok = await loadTokenizer(p);
        break;
      }
    }
  }
  if (!tok) throw new UsageError(`${modelPath} has no tokenizer of its own and none was found beside it: pass --tokenizer <tok.bin|tokenizer.json>`);
  // A Hugging Face model's vocabulary may be padded beyond its tokenizer's.
  if (tok.vocabSize !== model.config.vocabSize && !(model.format === 'hf' && tok.vocabSize < model.config.vocabSize)) {
    throw new InputError(`tokenizer ${tok.name} has ${tok.vocabSize} tokens but the model's vocabulary is ${model.config.vocabSize}`, { where: { file: spec ?? modelPath } });
  }
  return tok;
}
