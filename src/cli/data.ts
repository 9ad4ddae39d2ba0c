// `tract data`: look at judge data files and write the built-in Rubric Lab dataset.
//   tract data inspect <file> [--json] [--tokenizer <tok.bin|tokenizer.json|rubric-lab>] [--template …]
//                      [--seq-len N] [--prompt-cot-tokens N] [--show <id>]
//   tract data rubric-lab --out <file.jsonl> [--seed S] [--train N --dev N --test N] …
//   tract data export --format feedback-collection (<file> | --rubric-lab | --self-cots <file>) [--out …]
// The data code itself (src/data) never touches the file system; this file does the Node side:
// paths, streams, the output file.
// Prompts are also measured as the prompt-fit rule fits them (src/data/example.ts: the prompt gets
// seqLen + 1 − (CoT room + " So the overall score is " + score + EOS) ids, whatever the method): how
// many a run would cut or drop, and with --show one example's prompt exactly as a judge sees it.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ROW_BYTES,
  LAYOUT_TEXT,
  RUBRIC_LAB_DEFAULTS,
  RUBRIC_LAB_FAMILIES,
  allExamples,
  buildExample,
  formatIssue,
  generateRubricLab,
  loadJudgeData,
  promptBudget,
  runPromptFit,
  toTractJsonl,
  trainRubricLabTokenizer,
  type JudgeExample,
  type LoadIssue,
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
import { toFeedbackCollectionRows } from '../data/rows/feedbackCollectionWrite.ts';
import { EXIT, InputError, issueRecord } from './errors.ts';
import { readJsonFile } from './jsonInput.ts';
import { reportCandidates } from './trained_fit.ts';
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
                        [--noise SD] [--levels 5|10] [--tokenizer-out <tokenizer.json>] [--vocab-size N] [--json]
      Write the built-in dataset as tract JSONL: one row per example, all splits in one file, each
      row naming its split ("split": "train" | "dev" | "test"). Defaults: seed ${RUBRIC_LAB_DEFAULTS.seed}, train ${RUBRIC_LAB_DEFAULTS.train},
      dev ${RUBRIC_LAB_DEFAULTS.dev}, test ${RUBRIC_LAB_DEFAULTS.test}, noise ${RUBRIC_LAB_DEFAULTS.noise}. With --tokenizer-out, also train the BPE tokenizer on
      the train split (--vocab-size, default 1024) and save it as a Hugging Face tokenizer.json.
      --levels 10: the 1–10 variant (rubrics with ten levels, labels "1".."9" and "0" for 10; the
      arithmetic and word-limit families, whose defects span ten bands). Default 5, the paper's 1..5.

  tract data export --format feedback-collection [--out <file.jsonl>] [--split train|dev|test] [--json]
                    (<file> | --rubric-lab [--seed S --train N --dev N --test N --noise SD --levels 5|10])
                    [--self-cots runs/<dir>/seed-N/self-cot.jsonl]
      Write judge data as Feedback Collection JSONL, the layout the official TRACT code
      (github.com/d223302/TRACT) trains on: orig_instruction, orig_response, orig_reference_answer,
      orig_criteria, orig_score1_description..orig_score5_description (other digit scales: theirs,
      which the official code does not read), orig_feedback, orig_score,
      the Prometheus prompt as instruction, and output "<CoT> So the overall score is N [RESULT] N";
      also id, split, and tract_label/tract_scores (the regression label, which may be fractional:
      orig_score is the integer our target ends with; tract's loaders read all of it back). Rows
      go to stdout without --out.
        <file>        a loaded file (any layout tract data inspect reads)
        --rubric-lab  the built-in dataset (all splits unless --split)
        --self-cots   a run's self-generated CoTs as stage 2 trains on them (each training
                      example with its stage-1 model's CoT and the gold score); the examples come
                      from <file> (a run on your data) or else from the run's report.json (Rubric Lab)
        --split       only the rows of this split
        --json        a summary object on stdout (needs --out)
      Exit status 1 when any row is left out (no feedback to write, a CoT of an unknown example).`;

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

/** Rubric Lab's options from --seed, --train, --dev, --test, --noise (the defaults where absent). */
function rubricLabOptions(values: { seed?: string; train?: string; dev?: string; test?: string; noise?: string; levels?: string }) {
  const seedText = values.seed ?? String(RUBRIC_LAB_DEFAULTS.seed);
  if (values.levels !== undefined && values.levels !== '5' && values.levels !== '10') throw new UsageError(`--levels must be 5 (the paper's 1..5) or 10 (the 1–10 variant), got '${values.levels}'`);
  return {
    levels: (values.levels === '10' ? 10 : 5) as 5 | 10,
    seed: /^-?\d+$/.test(seedText) ? Number(seedText) : seedText,
    train: numberFlag('train', values.train, RUBRIC_LAB_DEFAULTS.train, { min: 0, max: 1_000_000, integer: true }),
    dev: numberFlag('dev', values.dev, RUBRIC_LAB_DEFAULTS.dev, { min: 0, max: 1_000_000, integer: true }),
    test: numberFlag('test', values.test, RUBRIC_LAB_DEFAULTS.test, { min: 0, max: 1_000_000, integer: true }),
    noise: numberFlag('noise', values.noise, RUBRIC_LAB_DEFAULTS.noise, { min: 0, max: 5 }),
  };
}

async function rubricLab(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    train: { type: 'string' },
    dev: { type: 'string' },
    test: { type: 'string' },
    noise: { type: 'string' },
    levels: { type: 'string' },
    'tokenizer-out': { type: 'string' },
    'vocab-size': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.out) throw new UsageError('--out <file.jsonl> is required');
  const opts = rubricLabOptions(values);
  const seed = opts.seed;
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
  console.log(`  train rows by family and rubric score (1..${opts.levels}):`);
  for (const f of families) console.log(`    ${f.padEnd(11)} ${Array.from({ length: opts.levels }, (_, i) => String(byFamilyScore[f]![String(i + 1)] ?? 0).padStart(4)).join(' ')}`);
  const t = summary.tokens;
  console.log(`  tokens (${t.tokenizer.name}, compact template): total p50 ${stat(t.total.p50)}  p90 ${stat(t.total.p90)}  max ${stat(t.total.max)}; target (CoT + score + EOS) p50 ${stat(t.target.p50)}  max ${stat(t.target.max)}`);
  console.log(`  ${fitLine(t.promptFit)}`);
  if (values['tokenizer-out']) console.log(`  tokenizer (${tokenizer.vocabSize} tokens) written to ${values['tokenizer-out']}`);
  return 0;
}

/** A run's self-CoT file (runs/<dir>/seed-N/self-cot.jsonl: {id, cot, label, settings} per line) as id → CoT, with its labels and the lines that are not rows. */
function readSelfCots(text: string, file: string): { cots: Map<string, string>; labels: Map<string, number>; at: Map<string, { line: number; index: number }>; issues: LoadIssue[] } {
  const cots = new Map<string, string>();
  const labels = new Map<string, number>();
  const where = new Map<string, { line: number; index: number }>();
  const issues: LoadIssue[] = [];
  let index = 0;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = { file, line: i + 1, index: index++ };
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      issues.push({ ...at, field: '(row)', message: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    const r = row as { id?: unknown; cot?: unknown; label?: unknown } | null;
    if (typeof r?.id !== 'string' || r.id === '') issues.push({ ...at, field: 'id', message: 'expected the id of a training example' });
    else if (typeof r.cot !== 'string') issues.push({ ...at, field: 'cot', message: 'expected the sampled CoT text' });
    else if (cots.has(r.id)) issues.push({ ...at, field: 'id', message: `duplicate id "${r.id}"` });
    else {
      cots.set(r.id, r.cot);
      where.set(r.id, { line: at.line, index: at.index });
      if (typeof r.label === 'number') labels.set(r.id, r.label);
    }
  });
  return { cots, labels, at: where, issues };
}

/** The Rubric Lab a run trained on, from its report.json (beside the self-CoT file's seed-N/ folder), or why it cannot be known. */
async function runRubricLab(selfCotPath: string): Promise<{ lab: JudgeExample[]; from: string }> {
  const candidates = reportCandidates(selfCotPath);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new UsageError(`--self-cots: no report.json of its run (looked at ${candidates.join(', ')}); say which data the run trained on: the file it was given (--data), or --rubric-lab with its --seed/--train/--dev/--test/--noise`);
  const report = (await readJsonFile(found, '--self-cots (its run\'s report.json)', { maxBytes: 256 * 2 ** 20 })) as { config?: { data?: { seed: number; train: number; dev: number; test: number; noise: number; levels?: 5 | 10 } }; data?: { source?: string } };
  if (report.data?.source) throw new UsageError(`--self-cots: that run trained on a file of its own (${report.data.source}): give that file too`);
  const d = report.config?.data;
  if (!d) throw new InputError(`${found}: no config.data (not a tract run's report.json?)`, { where: { file: found, field: 'config.data' } });
  return { lab: allExamples(generateRubricLab({ seed: d.seed, train: d.train, dev: d.dev, test: d.test, noise: d.noise, ...(d.levels ? { levels: d.levels } : {}) })), from: `Rubric Lab seed ${d.seed} (${found})` };
}

async function exportData(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      format: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'rubric-lab': { type: 'boolean' },
      seed: { type: 'string' },
      train: { type: 'string' },
      dev: { type: 'string' },
      test: { type: 'string' },
      noise: { type: 'string' },
    levels: { type: 'string' },
      'self-cots': { type: 'string' },
      split: { type: 'string' },
    },
    true,
  );
  if (values.format !== 'feedback-collection') throw new UsageError(`--format must be feedback-collection, got ${values.format === undefined ? 'nothing' : `'${values.format}'`}`);
  if (positionals.length > 1) throw new UsageError(`export takes at most one file, got ${positionals.length}`);
  const file = positionals[0];
  const lab = !!values['rubric-lab'];
  if (file && lab) throw new UsageError('give a file or --rubric-lab, not both');
  if (!file && !lab && !values['self-cots']) throw new UsageError('what to export: a file, --rubric-lab, or a run\'s --self-cots');
  const labFlags = (['seed', 'train', 'dev', 'test', 'noise'] as const).filter((k) => values[k] !== undefined);
  if (labFlags.length && !lab) throw new UsageError(`--${labFlags[0]} goes with --rubric-lab`);
  const split = values.split;
  if (split !== undefined && !['train', 'dev', 'test'].includes(split)) throw new UsageError(`--split must be train, dev or test, got '${split}'`);
  // With --json the summary is stdout's one object, so the rows need a file of their own.
  if (values.json && !values.out) throw new UsageError('--json needs --out (without it the rows go to stdout)');
  const outPath = values.out === undefined ? undefined : await outputFile(values.out, '--out');
  const selfCotPath = values['self-cots'] === undefined ? undefined : inputFile(values['self-cots'], '--self-cots');

  const issues: LoadIssue[] = [];
  let examples: JudgeExample[];
  let source: string;
  // Where a row that cannot be written came from: its file, and its row when that is known.
  let where: (ex: JudgeExample, position: number) => Pick<LoadIssue, 'file' | 'line' | 'index'>;
  if (file) {
    inputFile(file, 'export');
    const loaded = await loadJudgeData(createReadStream(file), { file });
    issues.push(...loaded.errors);
    examples = loaded.examples;
    source = file;
    // The n-th example is the file's row n only when no row before it was rejected.
    const clean = loaded.rejected === 0 && !loaded.fatal;
    where = (_ex, position) => (clean ? { file, index: position } : { file });
  } else if (lab) {
    const o = rubricLabOptions(values);
    examples = allExamples(generateRubricLab(o));
    source = `Rubric Lab seed ${o.seed}`;
    where = () => ({ file: source });
  } else {
    const r = await runRubricLab(selfCotPath!);
    examples = r.lab;
    source = r.from;
    where = () => ({ file: source });
  }
  let selfCots: Map<string, string> | undefined;
  if (selfCotPath) {
    const spec = values['self-cots']!;
    const read = readSelfCots(await readFile(selfCotPath, 'utf8'), spec);
    issues.push(...read.issues);
    const byId = new Map(examples.map((e) => [e.id, e]));
    // A CoT of an example the data does not have, or of one with another label, means the data is not the run's.
    for (const [id] of read.cots) {
      const ex = byId.get(id);
      if (!ex) issues.push({ file: spec, ...read.at.get(id), field: 'id', message: `no example "${id}" in ${source}: is it the data the run trained on?` });
      else if (read.labels.has(id) && Math.abs(read.labels.get(id)! - ex.label) > 1e-9) issues.push({ file: spec, ...read.at.get(id), field: 'label', message: `${id}: label ${read.labels.get(id)} here but ${ex.label} in ${source}: is it the data the run trained on?` });
    }
    selfCots = read.cots;
    where = (ex) => ({ file: spec, ...read.at.get(ex.id) });
    // Stage 2 trains on the training examples' own CoTs: only the examples that have one.
    examples = examples.filter((e) => read.cots.has(e.id));
    source = `the self-CoTs of ${spec} on ${source}`;
  }
  if (split !== undefined) examples = examples.filter((e) => e.split === split);
  const made = toFeedbackCollectionRows(examples, { where, selfCots });
  issues.push(...made.issues);
  const rows = made.rows;
  if (rows.length === 0 && issues.length) throw new InputError(`nothing to export from ${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, { issues });
  const text = rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  if (outPath) await writeFileAtomic(outPath, text);
  // A pipe takes this in pieces; main.ts exits only once stdout has taken all of it.
  else process.stdout.write(text);
  const summary = {
    format: 'feedback-collection',
    source,
    out: values.out ?? null,
    rows: rows.length,
    splits: countBy(examples, (e) => e.split ?? '(none)'),
    fractionalLabels: rows.filter((r) => r.tract_label !== Number(r.orig_score)).length,
    errorCount: issues.length,
    errors: issues.slice(0, 100).map(issueRecord),
  };
  const say = (line: string) => (outPath ? console.log(line) : console.error(line));
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else {
    say(`wrote ${rows.length} Feedback Collection rows from ${source}${outPath ? ` to ${values.out}` : ''}`);
    if (summary.fractionalLabels) say(`note: ${summary.fractionalLabels} rows have a fractional label; orig_score and output carry the integer our target text ends with, tract_label the label itself`);
    if (issues.length) {
      console.error(`${issues.length} problem${issues.length === 1 ? '' : 's'} (those rows are left out):`);
      for (const i of issues.slice(0, 10)) console.error(`  ${formatIssue(i)}`);
      if (issues.length > 10) console.error(`  …and ${issues.length - 10} more`);
    }
  }
  // Any row left out is input rejected in part: 1, as for every command.
  return issues.length ? EXIT.rejected : EXIT.ok;
}

export const command: Command = {
  summary: 'inspect judge data files; write Rubric Lab; export data for the official TRACT code',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'inspect') return inspect(rest);
    if (sub === 'rubric-lab') return rubricLab(rest);
    if (sub === 'export') return exportData(rest);
    throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'a subcommand is required (inspect, rubric-lab or export)');
  },
};
