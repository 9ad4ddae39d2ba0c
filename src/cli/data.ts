// `tract data`: look at judge data files and write the built-in Rubric Lab dataset.
//   tract data inspect <file> [--json] [--tokenizer <tok.bin|tokenizer.json|rubric-lab>] [--template …]
//   tract data rubric-lab --out <file.jsonl> [--seed S] [--train N --dev N --test N] …
// The data code itself (src/data) never touches the file system; this file does the Node side:
// paths, streams, the output file.
import { createReadStream, existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import {
  DEFAULT_MAX_BYTES,
  RUBRIC_LAB_DEFAULTS,
  RUBRIC_LAB_FAMILIES,
  buildExample,
  formatIssue,
  generateRubricLab,
  loadJudgeData,
  toTractJsonl,
  trainRubricLabTokenizer,
  type JudgeExample,
  type LoadResult,
  type TemplateName,
  type Tokenizer,
} from '../data/index.ts';
import { UsageError, numberFlag, parseFlags } from './args.ts';
import { loadTokenizer } from './files.ts';
import type { Command } from './main.ts';

const USAGE = `usage: tract data <subcommand> [flags]

  tract data inspect <file> [--json] [--tokenizer <t>] [--template <name>] [--errors N] [--max-bytes N] [--token-rows N]
      Load a judge data file (JSON array or JSON lines; Feedback Collection, Prometheus benchmark
      or tract JSONL rows) and report rows accepted/rejected with the first errors, the label
      distribution and mean, and token lengths. Exits 1 when no row is usable.
        --tokenizer  a llama2.c tok*.bin, a tokenizer.json (tokenizer_config.json beside it is read),
                     or 'rubric-lab' (default: our BPE trained on the default Rubric Lab, 1024 tokens)
        --template   prometheus | compact | auto (default auto: compact when every row is Rubric Lab)
        --errors     how many errors to print (default 10)
        --max-bytes  refuse larger files (default ${DEFAULT_MAX_BYTES})
        --token-rows token lengths over the first N accepted rows (default 5000)
        --json       one JSON object instead of text

  tract data rubric-lab --out <file.jsonl> [--seed S] [--train N] [--dev N] [--test N]
                        [--noise SD] [--tokenizer-out <tokenizer.json>] [--vocab-size N] [--json]
      Write the built-in dataset as tract JSONL: one row per example, all splits in one file, each
      row naming its split ("split": "train" | "dev" | "test"). Defaults: seed ${RUBRIC_LAB_DEFAULTS.seed}, train ${RUBRIC_LAB_DEFAULTS.train},
      dev ${RUBRIC_LAB_DEFAULTS.dev}, test ${RUBRIC_LAB_DEFAULTS.test}, noise ${RUBRIC_LAB_DEFAULTS.noise}. With --tokenizer-out, also train the BPE tokenizer on
      the train split (--vocab-size, default 1024) and save it as a Hugging Face tokenizer.json.`;

type Stats = { count: number; mean: number; p50: number; p90: number; p99: number; min: number; max: number };

function summarize(values: number[]): Stats {
  if (values.length === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, min: NaN, max: NaN };
  const s = values.slice().sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    count: s.length,
    mean: r(mean(s)),
    p50: r(quantileSorted(s, 0.5)),
    p90: r(quantileSorted(s, 0.9)),
    p99: r(quantileSorted(s, 0.99)),
    min: s[0]!,
    max: s[s.length - 1]!,
  };
}

function countBy<T>(items: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

function labelReport(examples: readonly JudgeExample[]) {
  const labels = examples.map((e) => e.label);
  const distinct = countBy(labels, (l) => String(Math.round(l * 100) / 100));
  const bins: Record<string, number> = {};
  for (let lo = 1; lo < 5; lo += 0.5) bins[`${lo.toFixed(1)}-${(lo + 0.5).toFixed(1)}`] = 0;
  for (const l of labels) {
    const lo = Math.min(4.5, Math.floor(l * 2) / 2);
    bins[`${lo.toFixed(1)}-${(lo + 0.5).toFixed(1)}`]!++;
  }
  return {
    mean: labels.length ? Math.round(mean(labels) * 10000) / 10000 : NaN,
    sd: labels.length ? Math.round(standardDeviation(labels) * 10000) / 10000 : NaN,
    min: labels.length ? Math.min(...labels) : NaN,
    max: labels.length ? Math.max(...labels) : NaN,
    fractional: labels.filter((l) => !Number.isInteger(l)).length,
    histogram: bins,
    ...(Object.keys(distinct).length <= 25 ? { values: Object.fromEntries(Object.entries(distinct).sort(([a], [b]) => Number(a) - Number(b))) } : {}),
  };
}

function tokenReport(examples: readonly JudgeExample[], tokenizer: Tokenizer, template: TemplateName) {
  const prompt: number[] = [];
  const target: number[] = [];
  const total: number[] = [];
  for (const ex of examples) {
    const b = buildExample(ex, { tokenizer, template });
    if (!b.ok) continue;
    prompt.push(b.example.targetStart);
    target.push(b.example.ids.length - b.example.targetStart);
    total.push(b.example.ids.length);
  }
  const over = Object.fromEntries([256, 512, 1024, 2048].map((T) => [String(T), total.filter((n) => n - 1 > T).length]));
  const d = tokenizer.describe();
  return {
    tokenizer: { kind: d.kind, name: d.name, vocabSize: d.vocabSize },
    template,
    prompt: summarize(prompt),
    target: summarize(target),
    total: summarize(total),
    overSeqLen: over,
  };
}

async function openInput(file: string): Promise<void> {
  let s;
  try {
    s = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!s.isFile()) throw new Error(`cannot read '${file}': not a regular file`);
}

async function inspect(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      json: { type: 'boolean' },
      tokenizer: { type: 'string' },
      template: { type: 'string' },
      errors: { type: 'string' },
      'max-bytes': { type: 'string' },
      'token-rows': { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(`inspect takes exactly one file, got ${positionals.length}`);
  const template = values.template ?? 'auto';
  if (!['prometheus', 'compact', 'auto'].includes(template)) throw new UsageError(`--template must be prometheus, compact or auto, got '${template}'`);
  const showErrors = numberFlag('errors', values.errors, 10, { min: 0, integer: true });
  const maxBytes = numberFlag('max-bytes', values['max-bytes'], DEFAULT_MAX_BYTES, { min: 1, integer: true });
  const tokenRows = numberFlag('token-rows', values['token-rows'], 5000, { min: 1, integer: true });
  const file = positionals[0]!;
  await openInput(file);
  const tokenizer = await loadTokenizer(values.tokenizer ?? 'rubric-lab');
  const result: LoadResult = await loadJudgeData(createReadStream(file), { file, maxBytes });
  const ex = result.examples;
  const chosen: TemplateName = template === 'auto' ? (ex.length > 0 && ex.every((e) => e.source === 'rubric-lab') ? 'compact' : 'prometheus') : (template as TemplateName);
  const report = {
    file,
    accepted: result.accepted,
    rejected: result.rejected,
    fatal: result.fatal,
    errorCount: result.errors.length,
    errors: result.errors.slice(0, showErrors),
    sources: countBy(ex, (e) => e.source),
    splits: countBy(ex, (e) => e.split ?? '(none)'),
    withFeedback: ex.filter((e) => e.feedback !== undefined).length,
    labels: labelReport(ex),
    tokens: tokenReport(ex.slice(0, tokenRows), tokenizer, chosen),
  };
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const t = report.tokens;
    const fmt = (s: Stats) => `p50 ${s.p50}  p90 ${s.p90}  p99 ${s.p99}  max ${s.max}  mean ${s.mean}`;
    console.log(`file:      ${file}`);
    console.log(`rows:      ${report.accepted} accepted, ${report.rejected} rejected${report.fatal ? '  (reading stopped early, see errors)' : ''}`);
    console.log(`sources:   ${Object.entries(report.sources).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    console.log(`splits:    ${Object.entries(report.splits).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    console.log(`feedback:  ${report.withFeedback} of ${ex.length} rows have a reference CoT`);
    const l = report.labels;
    console.log(`labels:    mean ${l.mean}  sd ${l.sd}  min ${l.min}  max ${l.max}  fractional ${l.fractional}`);
    console.log(`           ${Object.entries(l.histogram).map(([k, v]) => `${k}: ${v}`).join('  ')}`);
    console.log(`tokens:    ${t.tokenizer.name} (${t.tokenizer.kind}, ${t.tokenizer.vocabSize}), template ${t.template}${t.total.count < ex.length ? `, first ${t.total.count} rows` : ''}`);
    console.log(`  prompt   ${fmt(t.prompt)}`);
    console.log(`  target   ${fmt(t.target)}`);
    console.log(`  total    ${fmt(t.total)}`);
    console.log(`  rows longer than T: ${Object.entries(t.overSeqLen).map(([k, v]) => `T=${k}: ${v}`).join('  ')}`);
    if (result.errors.length) {
      console.log(`errors (${showErrors < result.errors.length ? `first ${showErrors} of ` : ''}${result.errors.length}):`);
      for (const e of report.errors) console.log(`  ${formatIssue(e)}`);
    }
  }
  return result.accepted > 0 ? 0 : 1;
}

async function rubricLab(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    train: { type: 'string' },
    dev: { type: 'string' },
    test: { type: 'string' },
    noise: { type: 'string' },
    'tokenizer-out': { type: 'string' },
    'vocab-size': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.out) throw new UsageError('--out <file.jsonl> is required');
  const seedText = values.seed ?? String(RUBRIC_LAB_DEFAULTS.seed);
  const seed = /^-?\d+$/.test(seedText) ? Number(seedText) : seedText;
  const opts = {
    seed,
    train: numberFlag('train', values.train, RUBRIC_LAB_DEFAULTS.train, { min: 0, max: 1_000_000, integer: true }),
    dev: numberFlag('dev', values.dev, RUBRIC_LAB_DEFAULTS.dev, { min: 0, max: 1_000_000, integer: true }),
    test: numberFlag('test', values.test, RUBRIC_LAB_DEFAULTS.test, { min: 0, max: 1_000_000, integer: true }),
    noise: numberFlag('noise', values.noise, RUBRIC_LAB_DEFAULTS.noise, { min: 0, max: 5 }),
  };
  const vocabSize = numberFlag('vocab-size', values['vocab-size'], 1024, { min: 259, max: 65536, integer: true });
  for (const [flag, path] of [['out', values.out], ['tokenizer-out', values['tokenizer-out']]] as const) {
    if (path !== undefined && !existsSync(dirname(resolve(path)))) throw new Error(`--${flag}: directory '${dirname(path)}' does not exist`);
  }
  const lab = generateRubricLab(opts);
  const all = [...lab.train, ...lab.dev, ...lab.test];
  await writeFile(values.out, all.map(toTractJsonl).join('\n') + (all.length ? '\n' : ''));

  const tokenizer = trainRubricLabTokenizer(lab.train.length ? lab.train : all, { vocabSize });
  if (values['tokenizer-out']) await writeFile(values['tokenizer-out'], JSON.stringify(tokenizer.toTokenizerJson()));
  const families = RUBRIC_LAB_FAMILIES.map((f) => f.name);
  const byFamilyScore = Object.fromEntries(families.map((f) => [f, countBy(lab.train.filter((e) => e.extras?.family === f), (e) => String(e.feedbackScore))]));
  const summary = {
    out: values.out,
    seed,
    rows: { train: lab.train.length, dev: lab.dev.length, test: lab.test.length },
    labels: Object.fromEntries((['train', 'dev', 'test'] as const).map((s) => [s, labelReport(lab[s])])),
    trainByFamilyAndScore: byFamilyScore,
    tokens: tokenReport(all, tokenizer, 'compact'),
    ...(values['tokenizer-out'] ? { tokenizerOut: values['tokenizer-out'] } : {}),
  };
  if (values.json) {
    console.log(JSON.stringify(summary, null, 2));
    return 0;
  }
  console.log(`wrote ${all.length} rows to ${values.out} (train ${lab.train.length}, dev ${lab.dev.length}, test ${lab.test.length}; seed ${seed})`);
  for (const s of ['train', 'dev', 'test'] as const) {
    const l = summary.labels[s];
    if (lab[s].length) console.log(`  ${s.padEnd(5)} label mean ${l.mean}  sd ${l.sd}  fractional ${l.fractional} of ${lab[s].length}`);
  }
  console.log('  train rows by family and rubric score (1..5):');
  for (const f of families) console.log(`    ${f.padEnd(11)} ${[1, 2, 3, 4, 5].map((k) => String(byFamilyScore[f]![String(k)] ?? 0).padStart(4)).join(' ')}`);
  const t = summary.tokens;
  console.log(`  tokens (${t.tokenizer.name}, compact template): total p50 ${t.total.p50}  p90 ${t.total.p90}  max ${t.total.max}; target (CoT + score + EOS) p50 ${t.target.p50}  max ${t.target.max}`);
  if (values['tokenizer-out']) console.log(`  tokenizer (${tokenizer.vocabSize} tokens) written to ${values['tokenizer-out']}`);
  return 0;
}

export const command: Command = {
  summary: 'inspect judge data files; write the built-in Rubric Lab dataset',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'inspect') return inspect(rest);
    if (sub === 'rubric-lab') return rubricLab(rest);
    throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'a subcommand is required (inspect or rubric-lab)');
  },
};
