// The Node side of loading models and tokenizers from paths (src/model and src/data take bytes and
// text; only the CLI touches the file system).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  generateRubricLab,
  llama2cTokenizerFromBytes,
  tokenizerFromDescription,
  tokenizerFromJson,
  trainRubricLabTokenizer,
  type Tokenizer,
  type TokenizerDescription,
} from '../data/index.ts';
import { detectModelFormat, loadCheckpoint, readLlama2c, type ModelConfig } from '../model/index.ts';
import { UsageError } from './args.ts';

/** A tokenizer from a tok*.bin, a tokenizer.json (tokenizer_config.json beside it is read), or
 *  'rubric-lab' (our BPE trained on the default Rubric Lab, 1024 tokens). */
export async function loadTokenizer(spec: string, flag = '--tokenizer'): Promise<Tokenizer> {
  if (spec === 'rubric-lab') return trainRubricLabTokenizer(generateRubricLab().train, { vocabSize: 1024 });
  const path = resolve(spec);
  if (!existsSync(path)) throw new UsageError(`${flag}: no such file '${spec}' (give a tok*.bin, a tokenizer.json or 'rubric-lab')`);
  if (extname(path) === '.bin') return llama2cTokenizerFromBytes(new Uint8Array(await readFile(path)), { name: basename(path) });
  if (extname(path) === '.json') {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new Error(`${spec}: not valid JSON: ${(e as Error).message}`);
    }
    const cfgPath = join(dirname(path), 'tokenizer_config.json');
    const config = existsSync(cfgPath) ? JSON.parse(await readFile(cfgPath, 'utf8')) : {};
    return tokenizerFromJson(json, config, { name: basename(path) });
  }
  throw new UsageError(`${flag}: '${spec}' is neither a .bin (llama2.c) nor a .json (Hugging Face) file`);
}

export interface LoadedModel {
  config: ModelConfig;
  params: Float32Array;
  format: 'safetensors' | 'llama2c';
  tokenizer?: TokenizerDescription;
  training?: unknown;
  optimizer?: { m: Float32Array; v: Float32Array };
}

/** A llama2.c .bin or one of our safetensors checkpoints. */
export async function loadModelFile(spec: string, flag = '--checkpoint'): Promise<LoadedModel> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new UsageError(`${flag}: no such file '${spec}'`);
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
    throw new Error(`${spec}: ${(e as Error).message}`);
  }
}

/** The tokenizer for a model: --tokenizer if given, else the checkpoint's own, else llama2.c's
 *  convention of a tok<vocab>.bin or tokenizer.bin beside the .bin. */
export async function tokenizerForModel(model: LoadedModel, modelPath: string, spec?: string): Promise<Tokenizer> {
  let tok: Tokenizer | undefined;
  if (spec) tok = await loadTokenizer(spec);
  else if (model.tokenizer) tok = tokenizerFromDescription(model.tokenizer);
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
  if (tok.vocabSize !== model.config.vocabSize) {
    throw new Error(`tokenizer ${tok.name} has ${tok.vocabSize} tokens but the model's vocabulary is ${model.config.vocabSize}`);
  }
  return tok;
}
