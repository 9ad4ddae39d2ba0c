// `tract data`: look at judge data files and write the built-in Rubric Lab dataset.
//   tract data inspect <file> [--json] [--tokenizer <tok.bin|tokenizer.json|rubric-lab>] [--template …]
//                      [--seq-len N] [--prompt-cot-tokens N] [--show <id>]
//   tract data rubric-lab --out <file.jsonl> [--seed S] [--train N --dev N --test N] …
// The data code itself (src/data) never touches the file system; this file does the Node side:
// paths, streams, the output file.
// Prompts are also measured as the prompt-fit rule fits them (src/data/example.ts: the prompt gets
// seqLen + 1 − (CoT room + " So the overall score is " + score + EOS) ids, whatever the method): how
// many a run would cut or drop, and with --show one example's prompt exactly as a judge sees it.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ROW_BYTES,
  LAYOUT_TEXT,
  RUBRIC_LAB_DEFAULTS,
  RUBRIC_LAB_FAMILIES,
  buildExample,
  formatIssue,
  generateRubricLab,
  loadJudgeData,
  promptBudget,
  runPromptFit,
  toTractJsonl,
  trainRubricLabTokenizer,
  type JudgeExample,
  type LoadResult,
  type PromptFit,
  type TemplateName,
  type Tokenizer,
} from '../data/index.ts';
import { DEFAULT_CONFIG } from '../eval/config.ts';
import { loadCheckpoint } from '../model/checkpoint.ts';
import { MAX_CONFIG } from '../model/config.ts';
import { UsageError, numberFlag, parseFlags } from './args.ts';
import { loadTokenizer } from './files.ts';
import { EXIT, issueRecord } from './errors.ts';
import type { Command } from './main.ts';
import { inputFile, outputFile, writeFileAtomic } from './paths.ts';

const USAGE = `usage: tract data <subcommand> [flags]

  tract data inspect <file> [--json] [--tokenizer <t>] [--template <name>] [--errors N] [--max-bytes N] [--max-row-bytes N]
                    [--token-rows N] [--seq-len N] [--prompt-cot-tokens N] [--show <id>]
      Load a judge data file (a JSON array, JSON lines, or one pretty-printed JSON object; Feedback
      Collection, Prometheus benchmark or tract JSONL rows), say which layout it was read as, and
      report rows accepted/rejected with the first errors, the label distribution and mean, token
      lengths, and warnings (prompts cut to fit, invalid UTF-8 replaced).
      Exit status: 0 when every row loads; 1 when any row is rejected or reading stopped early (a
      truncated or oversized file), the report is printed all the same (with --json, its errors
      are the records described below); 2 for a usage error or a file that is not there.
        --tokenizer  a llama2.c tok*.bin, a tokenizer.json (tokenizer_config.json beside it is read),
                     or 'rubric-lab' (default: our BPE trained on the default Rubric Lab, 1024 tokens)
        --template   prometheus | compact | auto (default auto: compact when every row is Rubric Lab)
        --errors     how many errors to print (default 10)
        --max-bytes  refuse larger files (default ${DEFAULT_MAX_BYTES})
        --max-row-bytes  refuse rows (lines, elements, objects) longer than this, one by one
                     (default ${DEFAULT_MAX_ROW_BYTES})
        --token-rows token lengths over the first N accepted rows (default 5000)
        --seq-len    the prompt-fit rule's context (default: the default run's — the shipped base's
                     context, which tract run fine-tunes by default, else config model.seqLen)
        --prompt-cot-tokens  the rule's CoT room (default: the default config's longest CoT,
                     max(selfCot.maxTokens, eval.maxCotTokens)); prompts get
                     seqLen + 1 − (room + " So the overall score is " + score + EOS) ids
        --show       print one example (by id, or #N for the N-th accepted row) as the rule fits
                     it: the prompt a judge sees, and whether it was cut
        --json       one JSON object instead of text

  tract data rubric-lab --out <file.jsonl> [--seed S] [--train N] [--dev N] [--test N]
                        [--noise SD] [--tokenizer-out <tokenizer.json>] [--vocab-size N] [--json]
      Write the built-in dataset as tract JSONL: one row per example, all splits in one file, each
      row naming its split ("split": "train" | "dev" | "test"). Defaults: seed ${RUBRIC_LAB_DEFAULTS.seed}, train ${RUBRIC_LAB_DEFAULTS.train},
      dev ${RUBRIC_LAB_DEFAULTS.dev}, test ${RUBRIC_LAB_DEFAULTS.test}, noise ${RUBRIC_LAB_DEFAULTS.noise}. With --tokenizer-out, also train the BPE tokenizer on
      the train split (--vocab-size, default 1024) and save it as a Hugging Face tokenizer.json.`;

/** A statistic over zero values is null (JSON) and prints as "–" (text), never NaN. */
type Stat = number | null;
type Stats = { count: number; mean: Stat; p50: Stat; p90: Stat; p99: Stat; min: Stat; max: Stat };

/** How a statistic prints: "–" when there were no values to take it over. */
export const stat = (x: Stat): string => (x === null || !Number.isFinite(x) ? '–' : String(x));

function summarize(values: number[]): Stats {
  if (values.length === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, min: null, max: null };
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

export function labelReport(examples: readonly JudgeExample[]) {
  const labels = examples.map((e) => e.label);
  const distinct = countBy(labels, (l) => String(Math.round(l * 100) / 100));
  const bins: Record<string, number> = {};
  for (let lo = 1; lo < 5; lo += 0.5) bins[`${lo.toFixed(1)}-${(lo + 0.5).toFixed(1)}`] = 0;
  for (const l of labels) {
    const lo = Math.min(4.5, Math.floor(l * 2) / 2);
    bins[`${lo.toFixed(1)}-${(lo + 0.5).toFixed(1)}`]!++;
  }
  return {
    // Over zero labels there is no statistic: null, printed as "–".
    mean: labels.length ? Math.round(mean(labels) * 10000) / 10000 : null,
    sd: labels.length ? Math.round(standardDeviation(labels) * 10000) / 10000 : null,
    // A loop, not Math.min(...labels): spreading 100k+ arguments overflows the call stack.
    min: labels.length ? labels.reduce((a, b) => (b < a ? b : a)) : null,
    max: labels.length ? labels.reduce((a, b) => (b > a ? b : a)) : null,
    fractional: labels.filter((l) => !Number.isInteger(l)).length,
    histogram: bins,
    ...(Object.keys(distinct).length <= 25 ? { values: Object.fromEntries(Object.entries(distinct).sort(([a], [b]) => Number(a) - Number(b))) } : {}),
  };
}

/** The shipped base that `tract run` fine-tunes by default (public/base; see src/cli/run.ts). */
const SHIPPED_BASE = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/base/base.safetensors');

/**
 * The prompt-fit rule of the default run, as runExperiment derives it: the context of the model it
 * fine-tunes (the shipped base's when it is there, else DEFAULT_CONFIG.model.seqLen) and the longest
 * CoT of self-CoT sampling and evaluation. Flags override either.
 */
export function defaultRunFit(seqLen?: number, cotRoom?: number): PromptFit & { source: string } {
  let baseSeqLen: number | undefined;
  if (seqLen === undefined && existsSync(SHIPPED_BASE)) {
    try {
      baseSeqLen = loadCheckpoint(readFileSync(SHIPPED_BASE)).config.seqLen;
    } catch {
      baseSeqLen = undefined;
    }
  }
  const run = runPromptFit(DEFAULT_CONFIG, baseSeqLen);
  const fit = { seqLen: seqLen ?? run.seqLen, maxCotTokens: cotRoom ?? run.maxCotTokens };
  const whence = [
    seqLen !== undefined ? 'seqLen from --seq-len' : baseSeqLen !== undefined ? "seqLen: the shipped base's context" : 'seqLen: the default config',
    cotRoom !== undefined ? 'room from --prompt-cot-tokens' : 'room: the default config',
  ];
  return { ...fit, source: whence.join(', ') };
}

/** How the prompt-fit rule treats these examples' prompts: cut to the budget, or dropped (not even an emptied prompt fits). */
function fitReport(examples: readonly JudgeExample[], tokenizer: Tokenizer, template: TemplateName, fit: PromptFit & { source: string }) {
  const rule = { seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens };
  const cutIds: string[] = [];
  const droppedIds: string[] = [];
  let cotCut = 0;
  for (const ex of examples) {
    const b = buildExample(ex, { tokenizer, template, fit: rule });
    if (!b.ok) droppedIds.push(ex.id);
    else {
      if (b.example.truncated) cutIds.push(ex.id);
      if (b.example.cotCut) cotCut++;
    }
  }
  const n = examples.length;
  return {
    ...rule,
    source: fit.source,
    budget: promptBudget(tokenizer, rule),
    rows: n,
    cut: cutIds.length,
    cutRate: n ? Math.round((cutIds.length / n) * 10000) / 10000 : null,
    dropped: droppedIds.length,
    referenceCotsCut: cotCut,
    cutIds: cutIds.slice(0, 10),
    droppedIds: droppedIds.slice(0, 10),
  };
}

/** One example as the rule fits it (--show): the prompt and target a judge trained under it sees. */
function shownExample(ex: JudgeExample, tokenizer: Tokenizer, template: TemplateName, fit: PromptFit) {
  const b = buildExample(ex, { tokenizer, template, fit: { seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens } });
  if (!b.ok) return { id: ex.id, fits: false as const, note: b.reason };
  const e = b.example;
  return { id: ex.id, fits: true as const, prompt: e.prompt, target: e.target, promptIds: e.targetStart, ids: e.ids.length, truncated: e.truncated, cotCut: e.cotCut };
}

function tokenReport(examples: readonly JudgeExample[], tokenizer: Tokenizer, template: TemplateName, fit: PromptFit & { source: string }) {
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
    promptFit: fitReport(examples, tokenizer, template, fit),
  };
}

function fitLine(f: ReturnType<typeof fitReport>): string {
  const pct = f.cutRate === null ? '–' : `${(f.cutRate * 100).toFixed(1)}%`;
  return `prompt fit: seqLen ${f.seqLen}, CoT room ${f.maxCotTokens} → at most ${f.budget} prompt ids (${f.source}): ${f.cut} of ${f.rows} prompts cut (${pct}), ${f.dropped} dropped${f.referenceCotsCut ? `, ${f.referenceCotsCut} reference CoTs cut to the room` : ''}`;
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
      'max-row-bytes': { type: 'string' },
      'token-rows': { type: 'string' },
      'seq-len': { type: 'string' },
      'prompt-cot-tokens': { type: 'string' },
      show: { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(`inspect takes exactly one file, got ${positionals.length}`);
  const template = values.template ?? 'auto';
  if (!['prometheus', 'compact', 'auto'].includes(template)) throw new UsageError(`--template must be prometheus, compact or auto, got '${template}'`);
  const showErrors = numberFlag('errors', values.errors, 10, { min: 0, max: 1_000_000, integer: true });
  const maxBytes = numberFlag('max-bytes', values['max-bytes'], DEFAULT_MAX_BYTES, { min: 1, integer: true });
  const maxRowBytes = numberFlag('max-row-bytes', values['max-row-bytes'], DEFAULT_MAX_ROW_BYTES, { min: 1, integer: true });
  const tokenRows = numberFlag('token-rows', values['token-rows'], 5000, { min: 1, max: 10_000_000, integer: true });
  const fit = defaultRunFit(
    values['seq-len'] === undefined ? undefined : numberFlag('seq-len', values['seq-len'], 0, { min: 1, max: MAX_CONFIG.seqLen, integer: true }),
    values['prompt-cot-tokens'] === undefined ? undefined : numberFlag('prompt-cot-tokens', values['prompt-cot-tokens'], 0, { min: 0, max: MAX_CONFIG.seqLen, integer: true }),
  );
  const file = positionals[0]!;
  // A file that is not there (or not a regular file) is a usage error, as for every flag's file.
  inputFile(file, 'inspect');
  const tokenizer = await loadTokenizer(values.tokenizer ?? 'rubric-lab');
  const result: LoadResult = await loadJudgeData(createReadStream(file), { file, maxBytes, maxRowBytes });
  const ex = result.examples;
  const chosen: TemplateName = template === 'auto' ? (ex.length > 0 && ex.every((e) => e.source === 'rubric-lab') ? 'compact' : 'prometheus') : (template as TemplateName);
  let shown: ReturnType<typeof shownExample> | undefined;
  if (values.show !== undefined) {
    const at = /^#\d+$/.test(values.show) ? Number(values.show.slice(1)) : -1;
    const target = at >= 0 ? ex[at] : ex.find((e) => e.id === values.show);
    if (!target) throw new UsageError(`--show: no accepted row ${at >= 0 ? `#${at} (there are ${ex.length})` : `with id '${values.show}'`}`);
    shown = shownExample(target, tokenizer, chosen, fit);
  }
  const tokens = tokenReport(ex.slice(0, tokenRows), tokenizer, chosen, fit);
  const warnings = [...(result.warnings ?? [])];
  const pf = tokens.promptFit;
  if (pf.cut > 0) warnings.push(`${pf.cut} of ${pf.rows} prompts are cut to fit the prompt-fit rule (seqLen ${pf.seqLen}, CoT room ${pf.maxCotTokens}): a judge sees them shortened, marked "..." (first: ${pf.cutIds.join(', ')})`);
  if (pf.dropped > 0) warnings.push(`${pf.dropped} of ${pf.rows} examples do not fit even with an emptied prompt and would be dropped (first: ${pf.droppedIds.join(', ')})`);
  if (tokens.total.count < ex.length) warnings.push(`token statistics and the prompt fit cover the first ${tokens.total.count} of ${ex.length} rows (--token-rows)`);
  const report = {
    file,
    format: result.format ?? null,
    accepted: result.accepted,
    rejected: result.rejected,
    fatal: result.fatal,
    errorCount: result.errors.length,
    // The CLI's error records (row, not the loader's index), as every command's --json gives them.
    errors: result.errors.slice(0, showErrors).map(issueRecord),
    sources: countBy(ex, (e) => e.source),
    splits: countBy(ex, (e) => e.split ?? '(none)'),
    withFeedback: ex.filter((e) => e.feedback !== undefined).length,
    labels: labelReport(ex),
    tokens,
    warnings,
    ...(shown ? { shown } : {}),
  };
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const t = report.tokens;
    const fmt = (s: Stats) => `p50 ${stat(s.p50)}  p90 ${stat(s.p90)}  p99 ${stat(s.p99)}  max ${stat(s.max)}  mean ${stat(s.mean)}`;
    console.log(`file:      ${file}`);
    console.log(`read as:   ${result.format ? LAYOUT_TEXT[result.format] : '(nothing readable)'}`);
    console.log(`rows:      ${report.accepted} accepted, ${report.rejected} rejected${report.fatal ? '  (reading stopped early, see errors)' : ''}`);
    console.log(`sources:   ${Object.entries(report.sources).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    console.log(`splits:    ${Object.entries(report.splits).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    console.log(`feedback:  ${report.withFeedback} of ${ex.length} rows have a reference CoT`);
    const l = report.labels;
    console.log(`labels:    mean ${stat(l.mean)}  sd ${stat(l.sd)}  min ${stat(l.min)}  max ${stat(l.max)}  fractional ${l.fractional}`);
    console.log(`           ${Object.entries(l.histogram).map(([k, v]) => `${k}: ${v}`).join('  ')}`);
    console.log(`tokens:    ${t.tokenizer.name} (${t.tokenizer.kind}, ${t.tokenizer.vocabSize}), template ${t.template}${t.total.count < ex.length ? `, first ${t.total.count} rows` : ''}`);
    console.log(`  prompt   ${fmt(t.prompt)}`);
    console.log(`  target   ${fmt(t.target)}`);
    console.log(`  total    ${fmt(t.total)}`);
    console.log(`  rows longer than T: ${Object.entries(t.overSeqLen).map(([k, v]) => `T=${k}: ${v}`).join('  ')}`);
    console.log(`  ${fitLine(t.promptFit)}`);
    if (shown) {
      if (!shown.fits) console.log(`example ${shown.id} does not fit the prompt-fit rule: ${shown.note}`);
      else {
        const how = shown.truncated ? 'CUT to fit (response and reference answer shortened, each cut marked "...")' : 'uncut';
        console.log(`example ${shown.id} as a judge sees it: prompt ${shown.promptIds} ids, ${how}${shown.cotCut ? '; reference CoT cut to the room' : ''}`);
        console.log('--- prompt ---');
        console.log(shown.prompt);
        console.log('--- target ---');
        console.log(shown.target);
      }
    }
    for (const w of warnings) console.log(`warning: ${w}`);
    if (result.errors.length) {
      console.log(`errors (${showErrors < result.errors.length ? `first ${showErrors} of ` : ''}${result.errors.length}):`);
      for (const e of result.errors.slice(0, showErrors)) console.log(`  ${formatIssue(e)}`);
    }
  }
  // Any rejected row, or a file that stopped early, is input rejected in part: 1, as for every command.
  return result.accepted > 0 && result.rejected === 0 && !result.fatal && result.errors.length === 0 ? EXIT.ok : EXIT.rejected;
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
  const outPath = await outputFile(values.out, '--out');
  const tokOutPath = values['tokenizer-out'] === undefined ? undefined : await outputFile(values['tokenizer-out'], '--tokenizer-out');
  const lab = generateRubricLab(opts);
  const all = [...lab.train, ...lab.dev, ...lab.test];
  await writeFileAtomic(outPath, all.map(toTractJsonl).join('\n') + (all.length ? '\n' : ''));

  const tokenizer = trainRubricLabTokenizer(lab.train.length ? lab.train : all, { vocabSize });
  if (tokOutPath) await writeFileAtomic(tokOutPath, JSON.stringify(tokenizer.toTokenizerJson()));
  const families = RUBRIC_LAB_FAMILIES.map((f) => f.name);
  const byFamilyScore = Object.fromEntries(families.map((f) => [f, countBy(lab.train.filter((e) => e.extras?.family === f), (e) => String(e.feedbackScore))]));
  const summary = {
    out: values.out,
    seed,
    rows: { train: lab.train.length, dev: lab.dev.length, test: lab.test.length },
    labels: Object.fromEntries((['train', 'dev', 'test'] as const).map((s) => [s, labelReport(lab[s])])),
    trainByFamilyAndScore: byFamilyScore,
    tokens: tokenReport(all, tokenizer, 'compact', defaultRunFit()),
    ...(values['tokenizer-out'] ? { tokenizerOut: values['tokenizer-out'] } : {}),
  };
  if (values.json) {
    console.log(JSON.stringify(summary, null, 2));
    return 0;
  }
  console.log(`wrote ${all.length} rows to ${values.out} (train ${lab.train.length}, dev ${lab.dev.length}, test ${lab.test.length}; seed ${seed})`);
  for (const s of ['train', 'dev', 'test'] as const) {
    const l = summary.labels[s];
    if (lab[s].length) console.log(`  ${s.padEnd(5)} label mean ${stat(l.mean)}  sd ${stat(l.sd)}  fractional ${l.fractional} of ${lab[s].length}`);
  }
  console.log('  train rows by family and rubric score (1..5):');
  for (const f of families) console.log(`    ${f.padEnd(11)} ${[1, 2, 3, 4, 5].map((k) => String(byFamilyScore[f]![String(k)] ?? 0).padStart(4)).join(' ')}`);
  const t = summary.tokens;
  console.log(`  tokens (${t.tokenizer.name}, compact template): total p50 ${stat(t.total.p50)}  p90 ${stat(t.total.p90)}  max ${stat(t.total.max)}; target (CoT + score + EOS) p50 ${stat(t.target.p50)}  max ${stat(t.target.max)}`);
  console.log(`  ${fitLine(t.promptFit)}`);
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
