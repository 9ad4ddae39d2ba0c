// The base-model file as the app makes and reads it: a pretrained model's F16 safetensors with its
// config, tokenizer and training record in the metadata — the same layout `tract pretrain` ships
// in public/base/ (src/cli/pretrain.ts, shipBase), so a base pretrained in a tab can be downloaded
// and used anywhere the shipped one is. Also the request → pretrainBase options mapping and the
// summary of the shipped base the Train view shows.
import { tokenizerFromDescription, trainProceduralTokenizer, type BpeTokenizer, type TokenizerDescription } from '../data/index.ts';
import { adapterName, type Gpu } from '../gpu/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint.ts';
import { makeConfig, parameterCount, type ModelConfig } from '../model/config.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { corpusDevLoss, DEFAULT_PRETRAIN, type PretrainLog, type PretrainOptions } from '../train/pretrain.ts';
import type { PretrainRequest, ShippedBase } from './protocol.ts';

/** What a base file records about its making (metadata tract.training), as `tract pretrain` writes it. */
export interface BaseRecord {
  stage: 'base';
  /** The `tract pretrain` command that makes the same base in Node. */
  command: string;
  options: PretrainOptions;
  step: number;
  parameters: number;
  /** Mean train CE over the last 50 steps. */
  trainCe: number;
  /** Dev CE of the F16 weights as saved. */
  devCe: number;
  seconds: number;
  adapter: string;
  dev: { step: number; ce: number }[];
}

function positiveInt(what: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`pretraining: ${what} must be an integer ≥ ${min}, got ${v}`);
}

/** pretrainBase's options for a request: the CLI's defaults, with a cadence that suits a tab. */
export function pretrainOptions(r: PretrainRequest): PretrainOptions {
  positiveInt('steps', r.steps);
  positiveInt('the batch size', r.batchSize);
  positiveInt('the corpus seed', r.corpusSeed, 0);
  positiveInt('the sequence length', r.shape.seqLen, 8);
  // A checkpoint about every 5% of the run: a reload loses little, and IndexedDB is not written
  // every step. The dev loss about every 10%, on at most the CLI's 8 batches and fewer when it is
  // measured often, so it costs about a tenth of the training (a dev batch is a forward pass, about
  // a third of a step) — on a CPU WebGPU driver a short run would otherwise mostly measure.
  const devEvery = r.devEvery ?? Math.max(1, Math.round(r.steps / 10));
  const o: PretrainOptions = {
    ...DEFAULT_PRETRAIN,
    steps: r.steps,
    batchSize: r.batchSize,
    seqLen: r.shape.seqLen,
    seed: r.seed ?? DEFAULT_PRETRAIN.seed,
    corpusSeed: r.corpusSeed,
    checkpointEvery: r.checkpointEvery ?? Math.max(1, Math.min(50, Math.round(r.steps / 20))),
    devEvery,
    devBatches: Math.max(1, Math.min(DEFAULT_PRETRAIN.devBatches, Math.round(0.3 * devEvery))),
  };
  positiveInt('the weight seed', o.seed, 0);
  positiveInt('checkpointEvery', o.checkpointEvery);
  positiveInt('devEvery', o.devEvery, 0);
  return o;
}

/** The corpus tokenizer (what `tract pretrain` trains: the same seed, vocabulary and documents). */
export function baseTokenizer(corpusSeed: number, vocabSize: number): BpeTokenizer {
  return trainProceduralTokenizer({ seed: corpusSeed, vocabSize });
}

export function baseConfig(r: PretrainRequest, vocabSize: number): ModelConfig {
  const s = r.shape;
  return makeConfig({ dim: s.dim, nLayers: s.nLayers, nHeads: s.nHeads, nKvHeads: s.nKvHeads, seqLen: s.seqLen, vocabSize });
}

/** The CLI command that pretrains the same base in Node (recorded in the file). */
export function pretrainCommand(c: ModelConfig, o: PretrainOptions): string {
  return (
    `npm run tract -- pretrain --steps ${o.steps} --batch ${o.batchSize} --seq-len ${o.seqLen} --seed ${o.seed} --corpus-seed ${o.corpusSeed}` +
    ` --dim ${c.dim} --layers ${c.nLayers} --heads ${c.nHeads} --kv-heads ${c.nKvHeads} --vocab ${c.vocabSize}` +
    ` --checkpoint-every ${o.checkpointEvery} --dev-every ${o.devEvery}`
  );
}

/**
 * The base file from a model that holds the final F32 weights: rounded to F16, its dev loss
 * measured on those F16 weights (so the file's record can be reproduced from the file alone, as
 * the shipped base's can). Leaves the F16 weights in `model`.
 */
export async function makeBaseFile(gpu: Gpu, model: DeviceModel, tokenizer: BpeTokenizer, o: PretrainOptions, log: PretrainLog): Promise<{ bytes: Uint8Array; record: BaseRecord }> {
  const config = model.config;
  const f32 = await model.downloadParams();
  const f16 = loadCheckpoint(saveCheckpoint({ config, params: f32 }, { dtype: 'F16' })).params;
  model.upload(f16);
  const devCe = await corpusDevLoss(model, tokenizer, o);
  const tail = log.ce.slice(-50);
  const record: BaseRecord = {
    stage: 'base',
    command: pretrainCommand(config, o),
    options: o,
    step: o.steps,
    parameters: parameterCount(config),
    trainCe: tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length),
    devCe,
    seconds: Math.round(log.seconds),
    adapter: adapterName(gpu.adapter),
    dev: log.dev,
  };
  const bytes = saveCheckpoint({ config, params: f16, tokenizer: tokenizer.describe(), training: record }, { dtype: 'F16' });
  return { bytes, record };
}

/** What the Train view says about a base file (the shipped one). Throws when it is not a base. */
export function describeBaseFile(name: string, bytes: Uint8Array): ShippedBase {
  const c = loadCheckpoint(bytes);
  if (!c.tokenizer) throw new Error(`${name} holds no tokenizer`);
  const tokenizer = tokenizerFromDescription(c.tokenizer as TokenizerDescription);
  const r = c.training as Partial<BaseRecord> | undefined;
  return {
    name,
    bytes: bytes.byteLength,
    config: c.config,
    parameters: parameterCount(c.config),
    tokenizer: tokenizer.name,
    steps: r?.step,
    corpusSeed: r?.options?.corpusSeed,
    devCe: r?.devCe,
    trainCe: r?.trainCe,
  };
}
