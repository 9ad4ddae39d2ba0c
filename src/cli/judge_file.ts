// Judging a whole file of rows (`tract eval`, `tract judge --out`): loading rows that may have no
// label, deciding each row's prompt before the GPU starts, running the batched Judge (the one `tract
// run`'s evaluation uses), and the one JSON line written per row.
//
// A row's prompt, under the prompt-fit rule of its setup (src/cli/judge_setup.ts), is one of:
//   fits     its whole prompt is within the rule's budget: the prompt `tract judge` builds;
//   cut      longer, and cutting was asked for: shortened (response and reference first, marked
//            "...") to the budget — or to --max-prompt-tokens — exactly as fitJudgePrompt cuts it;
//   overflow longer, and cutting was not asked for: no score, listed;
//   unfit    even emptied it exceeds the budget: no score, listed.
import { createReadStream } from 'node:fs';
import { encodePrompt, fitJudgePrompt, loadJudgeData, promptBudget, type JudgeExample, type LoadIssue, type PromptFit, type TemplateName, type Tokenizer } from '../data/index.ts';
import { requestGpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge, type JudgeOptions, type Judgement } from '../infer/judge.ts';
import { checkJudgement } from '../infer/judgement_check.ts';
import { DeviceModel } from '../model/device_model.ts';
import { InputError } from './errors.ts';
import type { JudgeSetup } from './judge_setup.ts';
import { inputFile } from './paths.ts';

/** A file's rows for judging: gold[i] is row i's label, or null when it has none. */
export interface JudgeRows {
  file: string;
  examples: JudgeExample[];
  gold: (number | null)[];
  /** Rows the loader rejected (file, line, row, field, message), and whether reading stopped early. */
  issues: LoadIssue[];
  rejected: number;
  fatal: boolean;
  warnings: string[];
}

/** Loads a Prometheus benchmark JSON, a Feedback Collection JSONL or tract JSONL; labels optional. */
export async function loadJudgeRows(spec: string, flag: string): Promise<JudgeRows> {
  const path = inputFile(spec, flag);
  const r = await loadJudgeData(createReadStream(path), { file: spec, labels: 'optional' });
  const unlabelled = new Set(r.unlabelled ?? []);
  if (r.examples.length === 0) {
    const total = r.rejected;
    throw new InputError(`${spec}: no row can be judged${total ? ` (${total} rejected)` : ''}`, { where: { file: spec }, issues: r.errors });
  }
  return {
    file: spec,
    examples: r.examples,
    gold: r.examples.map((ex) => (unlabelled.has(ex.id) ? null : ex.label)),
    issues: r.errors,
    rejected: r.rejected,
    fatal: r.fatal,
    warnings: r.warnings ?? [],
  };
}

export type PromptPlan =
  | { kind: 'fits'; ids: number }
  | { kind: 'cut'; ids: number; uncut: number }
  | { kind: 'overflow'; uncut: number }
  | { kind: 'unfit'; uncut: number };

/**
 * Each row's prompt plan under `rule`. `cutTo`: undefined → rows over the budget overflow (no
 * score); a number ≤ the budget → prompts over it are cut to it (Judge cuts them when given the
 * room of cutRuleFor(rule, budget, cutTo)).
 */
export function planPrompts(examples: readonly JudgeExample[], tokenizer: Tokenizer, template: TemplateName, rule: PromptFit, cutTo?: number): PromptPlan[] {
  const budget = promptBudget(tokenizer, rule);
  const limit = cutTo ?? budget;
  const cutRule = cutRuleFor(rule, budget, limit);
  return examples.map((ex) => {
    const uncut = encodePrompt(ex, tokenizer, template).length;
    if (uncut <= limit) return { kind: 'fits', ids: uncut };
    if (cutTo === undefined) return { kind: 'overflow', uncut };
    const p = fitJudgePrompt(ex, tokenizer, template, cutRule);
    return p ? { kind: 'cut', ids: p.ids.length, uncut } : { kind: 'unfit', uncut };
  });
}

/**
 * The rule whose budget is `limit` (≤ the rule's): the same context with a CoT room wider by
 * budget − limit. Prompts within `limit` are the same under both; longer ones are cut to `limit`.
 * (Judge takes the room as promptCotTokens; CoTs are still sampled up to maxCotTokens, but a read-out
 * cuts a CoT to the wider room: so only the rows to cut are judged with it, see judgeRange.)
 */
export function cutRuleFor(rule: PromptFit, budget: number, limit: number): PromptFit {
  return { seqLen: rule.seqLen, maxCotTokens: rule.maxCotTokens + (budget - limit) };
}

/** The JSON line of one row (`tract eval --out`, `tract judge --out`). */
export interface RowLine {
  id: string;
  gold: number | null;
  /** Absent when the row was not scored (see skipped / error). */
  yhat?: number;
  decoded?: number;
  probs?: number[];
  mass?: number;
  cots?: string[];
  samples?: { yhat: number; probs: number[]; mass: number; decoded: number }[];
  prompt: { ids: number; cut: boolean } | { uncut: number; budget: number };
  skipped?: 'overflow' | 'unfit';
  error?: string;
  warnings?: string[];
}

export function scoredLine(ex: JudgeExample, gold: number | null, j: Judgement, plan: PromptPlan, renormalize: boolean): RowLine {
  const checked = checkJudgement(j, renormalize);
  const prompt = { ids: plan.kind === 'fits' || plan.kind === 'cut' ? plan.ids : 0, cut: plan.kind === 'cut' };
  if (checked.error) return { id: ex.id, gold, prompt, error: checked.error };
  return {
    id: ex.id,
    gold,
    yhat: j.yhat,
    decoded: j.decoded,
    probs: j.probs,
    mass: j.mass,
    cots: j.cots,
    samples: j.samples.map((s) => ({ yhat: s.yhat, probs: s.probs, mass: s.mass, decoded: s.decoded })),
    prompt,
    ...(checked.warnings.length ? { warnings: checked.warnings } : {}),
  };
}

export function skippedLine(ex: JudgeExample, gold: number | null, plan: PromptPlan & { kind: 'overflow' | 'unfit' }, budget: number): RowLine {
  const error =
    plan.kind === 'overflow'
      ? `the prompt takes ${plan.uncut} ids, over the budget of ${budget} the context leaves: not scored (--max-prompt-tokens cuts it instead)`
      : `even with the response, reference answer and instruction emptied the prompt exceeds the budget of ${budget} ids: not scored`;
  return { id: ex.id, gold, prompt: { uncut: plan.uncut, budget }, skipped: plan.kind, error };
}

/** The GPU judge of a setup, `batch` sequences at a time; destroy() frees it. */
export async function openJudge(s: JudgeSetup, batch: number): Promise<{ judge: Judge; destroy(): void }> {
  const gpu = await requestGpu();
  const model = new DeviceModel(gpu, s.loaded.config);
  model.upload(s.loaded.params);
  const gen = new Generator(model, batch, s.loaded.config.seqLen);
  return {
    judge: new Judge(gen, s.tokenizer),
    destroy() {
      gen.destroy();
      model.destroy();
      gpu.destroy();
    },
  };
}

/**
 * Judges rows[from, to) (indices into `examples`): the rows with a prompt are judged in one batched
 * CoT-RAIL call (prompts of one length share a batch, as in `tract run`'s evaluation); the rest get
 * their skipped line. Lines come back in row order. `judge` may be null when no row has a prompt.
 * `cutOptions`: the options for rows whose prompt is cut (a wider CoT room that cuts them shorter,
 * tract eval --max-prompt-tokens below the budget); they are judged in a second call, so that the
 * rows that fit keep exactly `options` (the prompt and CoT room tract judge uses).
 */
export async function judgeRange(
  judge: Judge | null,
  s: JudgeSetup,
  rows: Pick<JudgeRows, 'examples' | 'gold'>,
  plans: readonly PromptPlan[],
  range: { from: number; to: number },
  options: JudgeOptions,
  cutOptions?: JudgeOptions,
): Promise<RowLine[]> {
  const groups: { idx: number[]; options: JudgeOptions }[] = [{ idx: [], options }];
  if (cutOptions) groups.push({ idx: [], options: cutOptions });
  for (let i = range.from; i < range.to; i++) {
    const k = plans[i].kind;
    if (k === 'fits' || k === 'cut') groups[k === 'cut' && cutOptions ? 1 : 0].idx.push(i);
  }
  const total = groups.reduce((a, g) => a + g.idx.length, 0);
  if (total && !judge) throw new Error('judgeRange: rows to judge but no judge');
  const byRow = new Map<number, Judgement>();
  let before = 0;
  for (const g of groups) {
    if (!g.idx.length) continue;
    const offset = before;
    const onProgress = g.options.onProgress && ((d: number) => g.options.onProgress!(offset + d, total));
    const judged = await judge!.cotRail(g.idx.map((i) => rows.examples[i]), { ...g.options, onProgress });
    g.idx.forEach((i, k) => byRow.set(i, judged[k]));
    before += g.idx.length;
  }
  const out: RowLine[] = [];
  for (let i = range.from; i < range.to; i++) {
    const ex = rows.examples[i];
    const plan = plans[i];
    const j = byRow.get(i);
    out.push(j ? scoredLine(ex, rows.gold[i], j, plan, options.renormalize ?? false) : skippedLine(ex, rows.gold[i], plan as PromptPlan & { kind: 'overflow' | 'unfit' }, s.budget));
  }
  return out;
}
