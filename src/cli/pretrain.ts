// `tract pretrain`: pretrains the base model on the procedural corpus (src/train/pretrain.ts) with
// a progress bar and ETA, a checkpoint every --checkpoint-every steps (written atomically: a
// temporary file, then a rename), and resumes from <out>/pretrain.safetensors when it exists.
// At the end it writes <out>/base.safetensors: F16 weights with the config, the tokenizer and the
// run's record (settings, wall time, final train and dev losses) in the metadata — what
// public/base/ ships and `tract run` starts from.
import { tuneTrainingKernels } from '../train/kernel_tuning.ts';
import { cliTuningStore } from './tuning_store.ts';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tokenizerFromDescription, trainProceduralTokenizer, type TokenizerDescription } from '../data/index.ts';
import { adapterName, requestGpu, type Gpu } from '../gpu/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint.ts';
import { makeConfig, parameterCount } from '../model/config.ts';
import { DeviceModel } from '../model/device_model.ts';
import { corpusDevLoss, DEFAULT_PRETRAIN, pretrainBase, type PretrainLog, type PretrainOptions } from '../train/pretrain.ts';
import { numberFlag, parseFlags } from './args.ts';
import { applyPrecision, parsePrecision } from './precision_flag.ts';
import { InputError } from './errors.ts';
import type { Command } from './main.ts';
import { ProgressBar } from './progress.ts';
import { outputDir, writeFileAtomic } from './paths.ts';

export { DEFAULT_BASE_MODEL } from '../train/pretrain.ts';
import { DEFAULT_BASE_MODEL } from '../train/pretrain.ts';

const USAGE = `usage: tract pretrain [--out <dir>] [--steps N] [--batch B] [--seq-len T] [--lr X] [--seed S] [--corpus-seed S]
                      [--dim C] [--layers L] [--heads H] [--kv-heads KH] [--vocab V]
                      [--checkpoint-every N] [--dev-every N] [--precision auto|f32|mixed] [--json]

  Pretrains a small Llama on the procedural corpus (column addition and subtraction with carries and
  borrows, comparing numbers, counting words and list items, checking sequences position by
  position — general worked procedures, not judge data), the base that \`tract run\` fine-tunes.
    --out              output folder (default runs/pretrain); a rerun with the same settings resumes
                       from <out>/pretrain.safetensors
    --steps            optimizer steps (default ${DEFAULT_PRETRAIN.steps})
    --batch            rows per step (default ${DEFAULT_PRETRAIN.batchSize})
    --seq-len          tokens per row, also the model's context (default ${DEFAULT_BASE_MODEL.seqLen})
    --lr               peak learning rate (default ${DEFAULT_PRETRAIN.lr}; warmup ${DEFAULT_PRETRAIN.warmupFraction * 100}%, cosine to 10%)
    --seed             weight initialisation seed (default ${DEFAULT_PRETRAIN.seed})
    --corpus-seed      procedural corpus seed; also the tokenizer's (default ${DEFAULT_PRETRAIN.corpusSeed})
    --dim, --layers, --heads, --kv-heads, --vocab
                       the model's shape (default ${DEFAULT_BASE_MODEL.dim}, ${DEFAULT_BASE_MODEL.nLayers}, ${DEFAULT_BASE_MODEL.nHeads}, ${DEFAULT_BASE_MODEL.nKvHeads}, ${DEFAULT_BASE_MODEL.vocabSize})
    --checkpoint-every save the resumable checkpoint every N steps (default ${DEFAULT_PRETRAIN.checkpointEvery})
    --dev-every        measure the dev loss every N steps (default ${DEFAULT_PRETRAIN.devEvery})
    --precision        auto (default: mixed where this adapter has shader-f16 and a measured step is
                       at least 1.1× faster in it, else f32), or f32 / mixed forced
    --json             print the final record as JSON
    --ship <dir>       do not train: write <dir>/base.safetensors (F16) and base.json from the
                       run's current checkpoint in --out, its dev loss measured on the F16 weights
  Writes <out>/pretrain.safetensors (F32 + AdamW moments, resumable), <out>/base.safetensors (F16,
  the shippable base) and <out>/pretrain-log.json.`;

/** Writes a file by a temporary name, a flush and a rename, so a reader never sees half of it. */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFileAtomic(path, data);
}

/** What base.safetensors records about its making (metadata tract.training, and base.json). */
export interface BaseRecord {
  stage: 'base';
  command: string;
  options: PretrainOptions;
  /** Steps done (= options.steps for a finished run). */
  step: number;
  parameters: number;
  /** Mean train CE over the last 50 steps. */
  trainCe: number;
  /** Dev CE of the shipped (F16-rounded) weights, on options.devBatches dev batches. */
  devCe: number;
  /** Wall seconds of training. */
  seconds: number;
  adapter: string;
  /** Dev CE during training (of the F32 weights). */
  dev: { step: number; ce: number }[];
}

/**
 * The shippable base from a resumable pretraining checkpoint: F16 weights (no optimizer), the
 * config, the tokenizer and a record whose dev loss is measured on those F16 weights, so a test
 * can reproduce it from the shipped file alone. Writes <dir>/base.safetensors and <dir>/base.json.
 */
export async function shipBase(gpu: Gpu, checkpointPath: string, dir: string, command: string): Promise<BaseRecord> {
  const c = loadCheckpoint(new Uint8Array(await readFile(checkpointPath)));
  const st = c.training as { stage?: string; step: number; options: PretrainOptions; log: PretrainLog } | undefined;
  if (st?.stage !== 'pretrain') throw new Error(`${checkpointPath}: not a pretraining checkpoint`);
  const f16 = loadCheckpoint(saveCheckpoint({ config: c.config, params: c.params }, { dtype: 'F16' })).params;
  const tokenizer = tokenizerFromDescription(c.tokenizer as TokenizerDescription);
  const model = new DeviceModel(gpu, c.config, { training: true });
  let devCe: number;
  try {
    model.upload(f16);
    devCe = await corpusDevLoss(model, tokenizer, st.options);
  } finally {
    model.destroy();
  }
  const tail = st.log.ce.slice(-50);
  const record: BaseRecord = {
    stage: 'base',
    command,
    options: st.options,
    step: st.step,
    parameters: parameterCount(c.config),
    trainCe: tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length),
    devCe,
    seconds: Math.round(st.log.seconds),
    adapter: adapterName(gpu.adapter),
    dev: st.log.dev,
  };
  await outputDir(dir, '--ship');
  await writeAtomic(join(dir, 'base.safetensors'), saveCheckpoint({ config: c.config, params: f16, tokenizer: c.tokenizer, training: record }, { dtype: 'F16' }));
  await writeAtomic(join(dir, 'base.json'), JSON.stringify(record, null, 1) + '\n');
  return record;
}

export const command: Command = {
  summary: 'pretrain the base model on the procedural corpus (resumable)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      out: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      'seq-len': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'corpus-seed': { type: 'string' },
      dim: { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      'kv-heads': { type: 'string' },
      vocab: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'dev-every': { type: 'string' },
      json: { type: 'boolean' },
      ship: { type: 'string' },
      precision: { type: 'string' },
    });
    const precision = parsePrecision(values.precision);
    if (values.ship) {
      // Ship the run's current checkpoint (finished or not) without training.
      const from = join(resolve(values.out ?? 'runs/pretrain'), 'pretrain.safetensors');
      if (!existsSync(from)) throw new InputError(`--ship: no pretraining checkpoint at ${from} (give the run's --out)`, { where: { file: from } });
      const gpu = await requestGpu();
      const record = await shipBase(gpu, from, resolve(values.ship), `npm run tract -- pretrain ${argv.filter((a, i) => a !== '--ship' && argv[i - 1] !== '--ship').join(' ')}`.trim());
      console.log(`base: ${join(resolve(values.ship), 'base.safetensors')}  step ${record.step}/${record.options.steps}  train CE ${record.trainCe.toFixed(4)}  dev CE ${record.devCe.toFixed(4)}`);
      gpu.destroy();
      return 0;
    }
    const int = (name: string, fallback: number, min = 1) => numberFlag(name, values[name as keyof typeof values] as string | undefined, fallback, { integer: true, min });
    const seqLen = int('seq-len', DEFAULT_BASE_MODEL.seqLen, 8);
    const o: PretrainOptions = {
      ...DEFAULT_PRETRAIN,
      seqLen,
      steps: int('steps', DEFAULT_PRETRAIN.steps),
      batchSize: int('batch', DEFAULT_PRETRAIN.batchSize),
      lr: numberFlag('lr', values.lr, DEFAULT_PRETRAIN.lr, { min: 1e-7, max: 1 }),
      seed: int('seed', DEFAULT_PRETRAIN.seed, 0),
      corpusSeed: int('corpus-seed', DEFAULT_PRETRAIN.corpusSeed, 0),
      checkpointEvery: int('checkpoint-every', DEFAULT_PRETRAIN.checkpointEvery),
      devEvery: int('dev-every', DEFAULT_PRETRAIN.devEvery, 0),
    };
    const heads = int('heads', DEFAULT_BASE_MODEL.nHeads);
    const config = makeConfig({
      dim: int('dim', DEFAULT_BASE_MODEL.dim, 8),
      nLayers: int('layers', DEFAULT_BASE_MODEL.nLayers),
      nHeads: heads,
      nKvHeads: int('kv-heads', Math.min(DEFAULT_BASE_MODEL.nKvHeads, heads)),
      vocabSize: int('vocab', DEFAULT_BASE_MODEL.vocabSize, 260),
      seqLen,
    });
    const out = await outputDir(values.out ?? 'runs/pretrain', '--out');
    const tokenizer = trainProceduralTokenizer({ seed: o.corpusSeed, vocabSize: config.vocabSize });
    const gpu = await requestGpu();
    applyPrecision(gpu, precision);
    const resumePath = join(out, 'pretrain.safetensors');
    process.stderr.write(
      `tract pretrain: ${(parameterCount(config) / 1e6).toFixed(2)}M parameters (dim ${config.dim}, ${config.nLayers} layers), ${o.steps} steps of ${o.batchSize}×${o.seqLen} tokens, tokenizer ${tokenizer.name}, on ${adapterName(gpu.adapter)}; output in ${out}\n`,
    );
    const tuning = cliTuningStore();
    if (tuning) {
      await tuneTrainingKernels(gpu, config, [o.batchSize], o.seqLen, tuning, { onPhaseDone: (_, line) => process.stderr.write(`${line}\n`) });
    }
    const model = new DeviceModel(gpu, config, { training: true });
    const bar = new ProgressBar();
    bar.begin('pretrain');
    let lastDev = NaN;
    let startStep = 0;
    const log = await pretrainBase(
      model,
      tokenizer,
      o,
      {
        read: async () => (existsSync(resumePath) ? new Uint8Array(await readFile(resumePath)) : null),
        write: (bytes) => writeAtomic(resumePath, bytes),
      },
      (e) => {
        if (e.type === 'resumed') {
          startStep = e.step;
          if (e.lastDevCe !== undefined) lastDev = e.lastDevCe;
          bar.end(`pretrain: resuming from step ${e.step} (${resumePath})`);
          bar.begin('pretrain');
        } else if (e.type === 'dev') lastDev = e.ce;
        else if (e.type === 'step') bar.update(e.step - startStep, e.steps - startStep, `step ${e.step}/${e.steps}  ce ${e.ce.toFixed(3)}  dev ${Number.isFinite(lastDev) ? lastDev.toFixed(3) : '–'}  lr ${e.lr.toExponential(1)}  ${Math.round(e.tokensPerSec)} tok/s`);
      },
    );
    bar.end(`pretrain: done, ${o.steps} steps, ${(log.seconds / 60).toFixed(1)} min of training`);
    model.destroy();
    const record = await shipBase(gpu, resumePath, out, `npm run tract -- pretrain ${argv.join(' ')}`.trim());
    if (values.json) console.log(JSON.stringify(record));
    else console.log(`base: ${join(out, 'base.safetensors')}  train CE ${record.trainCe.toFixed(4)}  dev CE ${record.devCe.toFixed(4)}  (${(record.seconds / 60).toFixed(1)} min)`);
    gpu.destroy();
    return 0;
  },
};
