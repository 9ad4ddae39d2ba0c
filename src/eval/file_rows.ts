// Judging the rows of a file (`tract eval`, `tract judge --out`, the app's Evaluate view for a file
// opened in the Data view): deciding each row's prompt before the GPU starts, running the batched
// Judge (the one `tract run`'s evaluation uses) and the one JSON line per row that all of them
// write. Browser-safe: the caller loads the rows and owns the Judge.
//
// A row's prompt, under a prompt-fit rule (the judge's context and CoT room), is one of:
//   fits     its whole prompt is within the rule's budget: the prompt `tract judge` builds;
//   cut      longer, and cutting was asked for: shortened (response and reference first, marked
//            "...") to the budget — or to --max-prompt-tokens — exactly as fitJudgePrompt cuts it;
//   overflow longer, and cutting was not asked for: no score, listed;
//   unfit    even emptied it exceeds the budget: no score, listed.
import { encodePrompt, fitJudgePrompt, promptBudget, type JudgeExample, type PromptFit, type TemplateName, type Tokenizer } from '../data/index.ts';
import type { Judge, JudgeOptions, Judgement } from '../infer/judge.ts';
import { checkJudgement } from '../infer/judgement_check.ts';

/** The rows to judge: gold[i] is row i's label, or null when it has none. */
export interface FileRows {
  examples: readonly JudgeExample[];
  gold: readonly (number | null)[];
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

/**
 * Judges rows[from, to) (indices into `examples`): the rows with a prompt are judged in one batched
 * CoT-RAIL call (prompts of one length share a batch, as in `tract run`'s evaluation); the rest get
 * their skipped line. Lines come back in row order. `judge` may be null when no row has a prompt.
 * `cutOptions`: the options for rows whose prompt is cut (a wider CoT room that cuts them shorter,
 * tract eval --max-prompt-tokens below the budget); they are judged in a second call, so that the
 * rows that fit keep exactly `options` (the prompt and CoT room tract judge uses).
 */
export async function judgeRange(
  judge: Pick<Judge, 'cotRail'> | null,
  budget: number,
  rows: FileRows,
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
    out.push(j ? scoredLine(ex, rows.gold[i], j, plan, options.renormalize ?? false) : skippedLine(ex, rows.gold[i], plan as PromptPlan & { kind: 'overflow' | 'unfit' }, budget));
  }
  return out;
}
