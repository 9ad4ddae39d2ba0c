// `tract run`: the TRACT experiment on Rubric Lab or on your own file (--data) (src/eval/experiment.ts) in Node, with a progress
// bar and ETA per stage; writes the report, the checkpoints and the self-CoT JSONL under --out.
import { cliTuningStore } from './tuning_store.ts';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterName, requestGpu } from '../gpu/index.ts';
import { applyPrecision, parsePrecision } from './precision_flag.ts';
import { DEFAULT_CONFIG, mergeConfig, METHODS, QUICK_CONFIG, type ExperimentConfig, type MethodName } from '../eval/config.ts';
import { checkSeedModel, runExperiment, type ArtifactStore, type SeedModel } from '../eval/experiment.ts';
import { renderMarkdown } from '../eval/report.ts';
import { defaultSplit, loadJudgeData, type JudgeExample, type SplitChoice } from '../data/index.ts';
import { userRun, type UserRun } from '../worker/user_data.ts';
import { parseFlags, UsageError } from './args.ts';
import { InputError } from './errors.ts';
import type { Command } from './main.ts';
import { loadModelFile, tokenizerForModel } from './files.ts';
import { ProgressBar } from './progress.ts';
import { inputFile, outputDir, writeFileAtomic } from './paths.ts';
import { readJsonFile } from './jsonInput.ts';

/** The shipped base (public/base/, made by `tract pretrain`): every run's seed unless told otherwise. */
export const SHIPPED_BASE = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/base/base.safetensors');

const USAGE = `usage: tract run [--quick] [--config <file.json>] [--methods a,b,...] [--seeds 1,2,3] [--out <dir>]
                 [--from-scratch | --seed-checkpoint <file|dir> [--tokenizer <file>]] [--json]
                 [--data <file.json|file.jsonl> [--split file|<dev>,<test>]] [--precision auto|f32|mixed]

  Runs the TRACT experiment on the built-in Rubric Lab data: from the shipped base (public/base/, a
  small Llama pretrained on the procedural corpus by \`tract pretrain\`), the baselines, stage 1
  (CoT-RAFT on reference CoTs), self-CoT generation, stage 2 from the seed (TRACT) and the
  ablations; scores every method on the test split (or eval.split) with bootstrap CIs.
    --quick    a minute-scale smoke run on a tiny config
    --config   JSON overriding parts of the default config, e.g. {"finetune": {"epochs": 3}}
    --methods  comma-separated subset of: ${METHODS.join(', ')}
    --seeds    comma-separated training seeds (default 1)
    --from-scratch
               pretrain a seed from scratch on the Rubric Lab texts (stage 0, config.model)
               instead of starting from the shipped base
    --seed-checkpoint
               start from this model instead of the shipped base: a llama2.c .bin
               (e.g. ../shared/models/stories260K/stories260K.bin, tok512.bin found beside it), our
               .safetensors, or a Hugging Face folder; its tokenizer must have the digits 1..5 as
               single tokens. config.model and data.vocabSize are then not used.
    --tokenizer the seed model's tokenizer when it has none of its own (tok*.bin or tokenizer.json)
    --out      output folder (default runs/default, or runs/quick); a rerun with the same settings
               reuses the checkpoints there and continues after the last finished stage
    --json     print report.json to stdout at the end
    --data     train and evaluate on your own file instead of Rubric Lab: Prometheus JSON, Feedback
               Collection JSONL or tract JSONL (\`tract data inspect\` validates one); reference CoTs
               come from its feedback (without any, only label-ce-decode and label-raft-rail can run)
    --split    how --data is split: 'file' (its own split field; the default when every row has one)
               or dev and test fractions, e.g. 0.1,0.2 (the default otherwise; seeded by data.seed)
    --precision
               auto (default): f32, or mixed precision where this adapter has shader-f16 and a
               measured training step is at least 1.1× faster in it; f32 or mixed: forced (mixed:
               f16 matmul operands, f32 master weights and moments, dynamic loss scaling)
  Writes <out>/report.json, <out>/report.md, <out>/seed-N/<model>.safetensors, <out>/seed-N/self-cot.jsonl.
  Before training, the matmul and attention kernels and the precision are timed for the run's
  shapes on this adapter and the fastest used; the timings are kept per adapter
  (\$TRACT_TUNING_DIR, else ~/.cache/tract-web/tuning) so the next run measures nothing.
  TRACT_TUNING=off keeps the built-in choices (and f32).`;

/** Artifacts as files under a folder. */
export function fileStore(root: string): ArtifactStore {
  return {
    async read(name) {
      const p = join(root, name);
      return existsSync(p) ? new Uint8Array(await readFile(p)) : null;
    },
    async write(name, data) {
      const p = join(root, name);
      await mkdir(dirname(p), { recursive: true });
      // Checkpoints, caches and the self-CoT JSONL: never half-written (a rerun trusts what it finds).
      await writeFileAtomic(p, data);
    },
  };
}

/** --split: 'file', or dev and test fractions ("0.1,0.2"); absent: the file's own split when usable. */
function parseSplit(value: string | undefined, examples: readonly JudgeExample[], seed: number): SplitChoice {
  if (value === undefined) return defaultSplit(examples, seed);
  if (value === 'file') return { kind: 'file' };
  const parts = value.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x) || x < 0 || x >= 1)) throw new UsageError(`--split: '${value}' is neither 'file' nor two fractions '<dev>,<test>' in [0, 1) (e.g. 0.1,0.2)`);
  return { kind: 'random', dev: parts[0], test: parts[1], seed };
}

function list(flag: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${flag} is empty`);
  return items;
}

export const command: Command = {
  summary: 'run the TRACT experiment on Rubric Lab and write the report',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      quick: { type: 'boolean' },
      config: { type: 'string' },
      methods: { type: 'string' },
      seeds: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'seed-checkpoint': { type: 'string' },
      tokenizer: { type: 'string' },
      'from-scratch': { type: 'boolean' },
      data: { type: 'string' },
      split: { type: 'string' },
      precision: { type: 'string' },
    });
    const precision = parsePrecision(values.precision);
    if (values.split && !values.data) throw new UsageError('--split goes with --data');
    if (values['from-scratch'] && values['seed-checkpoint']) throw new UsageError('--from-scratch and --seed-checkpoint exclude each other');
    if (values.tokenizer && !values['seed-checkpoint']) throw new UsageError('--tokenizer goes with --seed-checkpoint');
    let config: ExperimentConfig = structuredClone(values.quick ? QUICK_CONFIG : DEFAULT_CONFIG);
    if (values.config) {
      // A regular file, ≤ 1 MiB, UTF-8, at most 64 levels deep (a deep one overflowed the stack), JSON.
      const json = await readJsonFile(values.config, '--config', { maxBytes: 2 ** 20 });
      try {
        config = mergeConfig(config, json, values.config);
      } catch (e) {
        // The config file is input: rejected with its name and, when the message names one, the field.
        const message = (e as Error).message;
        const field = /^[^:]*: (?:unknown (?:section|field) )?'([\w.]+)'/.exec(message)?.[1];
        throw new InputError(message, { where: { file: values.config, ...(field ? { field } : {}) } });
      }
    }
    if (values.methods) {
      const ms = list('methods', values.methods);
      for (const m of ms) if (!(METHODS as readonly string[]).includes(m)) throw new UsageError(`--methods: unknown method '${m}' (known: ${METHODS.join(', ')})`);
      config.methods = ms as MethodName[];
    }
    if (values.seeds) {
      config.seeds = list('seeds', values.seeds).map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--seeds: '${s}' is not an integer ≥ 0`);
        return n;
      });
    }
    let seedModel: SeedModel | undefined;
    const explicitSeed = values['seed-checkpoint'];
    if (!explicitSeed && !values['from-scratch'] && !existsSync(SHIPPED_BASE)) {
      throw new Error(`the shipped base ${SHIPPED_BASE} is missing (make it with tract pretrain, see public/base/README.md), or pass --from-scratch`);
    }
    const seedPath = explicitSeed ?? (values['from-scratch'] ? undefined : SHIPPED_BASE);
    if (seedPath) {
      const m = await loadModelFile(seedPath, '--seed-checkpoint');
      const tokenizer = await tokenizerForModel(m, seedPath, values.tokenizer);
      seedModel = { name: basename(resolve(seedPath)), config: m.config, params: m.params, tokenizer };
      checkSeedModel(seedModel);
    }
    // The user's own file, split and checked (a row that does not load stops the run: fix it, or drop it).
    let user: UserRun | undefined;
    if (values.data) {
      const path = inputFile(values.data, '--data');
      const loaded = await loadJudgeData(createReadStream(path), { file: values.data });
      if (loaded.fatal || loaded.rejected > 0) {
        // main.ts lists the first issues under this line (and every one of them with --json).
        throw new InputError(`${values.data}: ${loaded.rejected} of ${loaded.accepted + loaded.rejected} rows were rejected${loaded.fatal ? ' and reading stopped early' : ''} (tract data inspect ${values.data} reports them all):`, { where: { file: values.data }, issues: loaded.errors });
      }
      user = userRun(basename(path), loaded.examples, parseSplit(values.split, loaded.examples, config.data.seed), config);
      config = user.config;
      process.stderr.write(`tract run: ${user.meta.name}, ${user.meta.how}: ${user.meta.train} train / ${user.meta.dev} dev / ${user.meta.test} test, ${user.meta.withReferenceCot} training examples with a reference CoT\n`);
    }
    const defaultOut = values.data ? `runs/data-${basename(values.data).replace(/\.[^.]*$/, '')}` : explicitSeed ? `runs/seed-${seedModel!.name.replace(/\.[^.]*$/, '')}` : values.quick ? 'runs/quick' : values['from-scratch'] ? 'runs/scratch' : 'runs/default';
    const out = await outputDir(values.out ?? defaultOut, '--out');
    const gpu = await requestGpu();
    applyPrecision(gpu, precision);
    process.stderr.write(`tract run: ${config.methods.length} methods, seeds ${config.seeds.join(',')}, on ${adapterName(gpu.adapter)}; output in ${out}\n`);
    const bar = new ProgressBar();
    const report = await runExperiment(gpu, config, fileStore(out), (e) => {
      switch (e.type) {
        case 'stage':
          if (e.status === 'start') bar.begin(`seed ${e.seed} ${e.stage}`);
          else if (e.status === 'done') bar.end(`seed ${e.seed} ${e.stage}: done in ${e.seconds!.toFixed(1)} s`);
          else process.stderr.write(`seed ${e.seed} ${e.stage}: ${e.note ?? `reused from ${out}`}\n`);
          break;
        case 'step': {
          const r = e.report;
          const raft = r.stats.raft !== null ? ` raft ${r.stats.raft.toFixed(3)}` : '';
          bar.update(r.step, r.totalSteps, `ce ${r.stats.ce.toFixed(3)}${raft} lr ${r.lr.toExponential(1)} ${Math.round(r.tokensPerSec)} tok/s`);
          break;
        }
        case 'progress':
          bar.update(e.done, e.total);
          break;
        case 'log':
          process.stderr.write(`${e.message}\n`);
          break;
        case 'self-cot':
          break;
      }
    }, { seedModel, data: user?.data, tuning: cliTuningStore() });
    const command = `npm run tract -- run ${argv.join(' ')}`.trim();
    await writeFileAtomic(join(out, 'report.json'), JSON.stringify(report, null, 2));
    const md = renderMarkdown(report, command);
    await writeFileAtomic(join(out, 'report.md'), md);
    if (values.json) console.log(JSON.stringify(report));
    else console.log(md);
    process.stderr.write(`wrote ${join(out, 'report.json')} and report.md (${(report.wallSeconds / 60).toFixed(1)} min)\n`);
    // Prompts cut to fit change what every method sees: said here too, not only in the report.
    const cut = report.data.promptCut;
    const splits = (['train', 'dev', 'test'] as const).filter((s) => cut[s].cut > 0 || cut[s].dropped > 0);
    if (splits.length) process.stderr.write(`warning: prompts cut to fit the context: ${splits.map((s) => `${s} ${cut[s].cut} of ${cut[s].n}${cut[s].dropped ? ` (${cut[s].dropped} dropped)` : ''}`).join(', ')} (report.json data.promptCut)\n`);
    gpu.destroy();
    return 0;
  },
};
