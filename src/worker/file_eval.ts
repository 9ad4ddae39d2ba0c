// The Evaluate view's file evaluation: every example of the Data view's dataset judged by the
// current model, with what `tract eval` does — the same prompt plans (a row over the prompt budget
// gets no score and is listed, unless cutting is asked for), the same batched CoT-RAIL Judge and
// JudgeOptions, the same row lines (its --out) and summary (r, ρ, τ-b, RMSE with bootstrap CIs,
// per rubric). The CoT settings are the model's trained fit, as the Playground and `tract judge`
// take them, so with greedy CoTs a row's ŷ is the one `tract eval --greedy` gives it.
//
// Rows are judged in chunks of CHUNK (one batched Judge call each), so progress arrives as rows
// finish and a cancel takes effect after the chunk in flight.
import { judgeCotSettings, promptBudget, type JudgeExample, type LoadIssue } from '../data/index.ts';
import { judgeRange, planPrompts, type RowLine } from '../eval/file_rows.ts';
import { evalSummary } from '../eval/file_summary.ts';
import { adapterName, type Gpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge, type JudgeOptions } from '../infer/judge.ts';
import { DeviceModel } from '../model/device_model.ts';
import type { LoadedModel } from './models.ts';
import { cotRailOptions } from './playground.ts';
import type { FileEvalRequest, FileEvalResult } from './protocol.ts';
import { readableTokenizer } from './readable_tokenizer.ts';

/** Sequences on the GPU at once (tract eval's default --batch) and rows per Judge call. */
export const FILE_EVAL_BATCH = 64;
const CHUNK = 64;
export const MAX_FILE_EVAL_COTS = 8;

export class FileEvalCancelled extends Error {
  constructor() {
    super('the evaluation was cancelled');
  }
}

export function checkFileEvalRequest(r: FileEvalRequest): void {
  if (!Number.isInteger(r.nCot) || r.nCot < 1 || r.nCot > MAX_FILE_EVAL_COTS) throw new Error(`CoTs per row must be 1..${MAX_FILE_EVAL_COTS}, got ${r.nCot}`);
  if (!Number.isInteger(r.seed) || r.seed < 0) throw new Error(`the seed must be an integer ≥ 0, got ${r.seed}`);
  if (!Number.isInteger(r.bootstrap) || r.bootstrap < 0 || r.bootstrap > 100_000) throw new Error(`bootstrap resamples must be 0..100000, got ${r.bootstrap}`);
}

export async function evaluateFile(
  gpu: Gpu,
  loaded: LoadedModel,
  dataset: { name: string; examples: readonly JudgeExample[]; rejected: number; errors: readonly LoadIssue[] },
  r: FileEvalRequest,
  hooks: { onProgress(done: number, total: number): void; cancelled(): boolean },
): Promise<FileEvalResult> {
  checkFileEvalRequest(r);
  if (!loaded.summary.judge.ok) throw new Error(`${loaded.summary.name} cannot judge: ${loaded.summary.judge.reason}`);
  if (!loaded.tokenizer) throw new Error(`${loaded.summary.name} has no tokenizer`);
  if (dataset.examples.length === 0) throw new Error('the Data view has no examples to evaluate: open a file (or generate Rubric Lab) there first');
  const tokenizer = readableTokenizer(loaded.tokenizer);
  const template = loaded.summary.template;
  // The CoT length and prompt room `tract judge` takes with no flags: the model's trained fit.
  const cot = judgeCotSettings({ trained: loaded.summary.promptFit, missing: loaded.summary.promptFitMissing, seqLen: loaded.config.seqLen, names: { maxCot: 'max CoT tokens', promptCot: 'the prompt room' } });
  const rule = { seqLen: loaded.config.seqLen, maxCotTokens: cot.promptCotTokens };
  const budget = promptBudget(tokenizer, rule);
  const cutTo = r.cut ? budget : undefined;
  const plans = planPrompts(dataset.examples, tokenizer, template, rule, cutTo);
  const rows = { examples: dataset.examples, gold: dataset.examples.map((ex) => ex.label) };
  const options: JudgeOptions = cotRailOptions(template, cot, r);
  // Cutting (to the budget) is the rule's own prompt fit, so one set of options serves every row.
  const toJudge = plans.filter((p) => p.kind === 'fits' || p.kind === 'cut').length;
  const started = performance.now();
  const model = new DeviceModel(gpu, loaded.config);
  const lines: RowLine[] = [];
  let gen: Generator | null = null;
  try {
    model.upload(loaded.params);
    gen = new Generator(model, FILE_EVAL_BATCH, loaded.config.seqLen);
    const judge = new Judge(gen, tokenizer);
    let judged = 0;
    hooks.onProgress(0, toJudge);
    for (let from = 0; from < dataset.examples.length; from += CHUNK) {
      if (hooks.cancelled()) throw new FileEvalCancelled();
      const to = Math.min(dataset.examples.length, from + CHUNK);
      const inChunk = plans.slice(from, to).filter((p) => p.kind === 'fits' || p.kind === 'cut').length;
      const base = judged;
      const chunk = await judgeRange(inChunk ? judge : null, budget, rows, plans, { from, to }, { ...options, onProgress: (d) => hooks.onProgress(base + d, toJudge) });
      lines.push(...chunk);
      judged += inChunk;
      hooks.onProgress(judged, toJudge);
    }
  } finally {
    gen?.destroy();
    model.destroy();
  }
  const summary = evalSummary({
    file: dataset.name,
    checkpoint: loaded.summary.name,
    rows: { ...rows, rejected: dataset.rejected },
    lines,
    plans,
    cutTo,
    budget,
    promptFit: { seqLen: rule.seqLen, promptCotTokens: cot.promptCotTokens, maxCotTokens: cot.maxCotTokens, asTrained: cot.asTrained, trained: loaded.summary.promptFit ?? null },
    settings: { nCot: r.nCot, greedy: r.greedy, repetitionPenalty: 1, template, renormalize: r.renormalize, seed: r.seed, batch: FILE_EVAL_BATCH, bootstrap: r.bootstrap },
    seconds: (performance.now() - started) / 1000,
    out: null,
    errors: dataset.errors.map((e) => ({ file: e.file, line: e.line, row: e.index, field: e.field, message: e.message })),
  });
  return { summary, lines, model: loaded.summary.name, backend: `WebGPU on ${adapterName(gpu.adapter)}`, promptFit: { note: cot.note, warnings: cot.warnings } };
}
