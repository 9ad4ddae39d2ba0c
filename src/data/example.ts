// Turning a JudgeExample into tokens for training and inference, with the exact spans.
//
// Sequence layout (ids), one example:
//   [BOS] prompt…  cot… " So the overall score is "  N  [EOS]
//   0     1..       targetStart ...                 scoreIndex  scoreIndex+1
// The prompt is encode(renderPrompt(…), {bos}), the target prefix is encode(scorePrefix(cot)) —
// encoded on its own, exactly as readoutIds does at inference — then the score digit's token and
// EOS. For next-token training, position t predicts ids[t+1]: the logits that predict the score are
// at t = scoreIndex − 1.
//
// Truncation shortens the response and the reference answer first (capping both at the same
// length, so the longer one loses most), then the instruction, and marks each cut with "...". An
// example that cannot fit even with those emptied is dropped.
//
// The prompt-fit rule (PromptFit, fitJudgePrompt): training (every method, label-only included),
// self-CoT sampling and every read-out give the prompt the same budget,
//   promptBudget = seqLen + 1 − (maxCotTokens + tokens of " So the overall score is " + score + EOS),
// so the same example gets the same prompt ids everywhere and no method sees a cut another does not.
// A CoT longer than maxCotTokens is cut (fitCot, at a word boundary) instead of the prompt.
import { renderPrompt, scorePrefix, targetLevelIndex, cotFromFeedback, SCORE_PROMPT_SUFFIX, type PromptFields, type TemplateName } from './templates.ts';
import { levelTokenIds } from './tokenizers/scoreTokens.ts';
import type { Tokenizer } from './tokenizers/types.ts';
import type { JudgeExample } from './types.ts';
import type { ScoreLevel } from './levels.ts';

export const TRUNCATION_MARK = '...';

export interface BuildOptions {
  tokenizer: Tokenizer;
  template: TemplateName;
  /** Replace the reference CoT (stage 2 trains on self-generated CoTs; '' = label only, no CoT). */
  cot?: string;
  /** Most ids the sequence may have (a [B, T] row holds T + 1 ids: T inputs and their next tokens);
   *  the prompt is cut to leave exactly what this target needs (data inspection, not training). */
  maxIds?: number;
  /** The prompt-fit rule instead of maxIds (training): the prompt gets promptBudget ids whatever the
   *  target, and a CoT longer than fit.maxCotTokens is cut to it. */
  fit?: PromptFit;
}

export interface BuiltExample {
  id: string;
  prompt: string;
  /** The target text without EOS: `<cot> So the overall score is L`. */
  target: string;
  cot: string;
  /** The value of the target's level (its label ends the target). */
  scoreDigit: number;
  /** Its index in the rubric's levels (the score token is levelTokenIds(…)[scoreLevel]). */
  scoreLevel: number;
  /** The rubric's levels: the scale RAFT reads this example's score on. */
  levels: readonly ScoreLevel[];
  label: number;
  ids: Int32Array;
  /** Index in ids of the first target (CoT) token. */
  targetStart: number;
  /** Index in ids of the score token; ids[scoreIndex + 1] is EOS. */
  scoreIndex: number;
  /** The prompt was shortened to fit. */
  truncated: boolean;
  /** The CoT was cut to fit.maxCotTokens (only with the prompt-fit rule). */
  cotCut: boolean;
}

export type BuildResult = { ok: true; example: BuiltExample } | { ok: false; id: string; reason: string };

/** The reference CoT of an example: its feedback cut before "[RESULT]" / "So the overall" ('' when there is none). */
export function referenceCot(ex: JudgeExample): string {
  return ex.feedback !== undefined ? cotFromFeedback(ex.feedback) : '';
}

function cut(text: string, cap: number): string {
  if (text.length <= cap) return text;
  let head = text.slice(0, cap);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1); // never split a surrogate pair
  return head.replace(/\s+$/, '') + TRUNCATION_MARK;
}

/**
 * Shortens prompt fields until `measure` (token count) is at most `budget`. Returns the fields and
 * whether they were cut, or undefined when even empty fields do not fit.
 */
export function fitPromptFields(f: PromptFields, measure: (f: PromptFields) => number, budget: number): { fields: PromptFields; truncated: boolean } | undefined {
  if (measure(f) <= budget) return { fields: f, truncated: false };
  const longest = Math.max(f.response.length, f.referenceAnswer.length);
  const capBoth = (cap: number): PromptFields => ({ ...f, response: cut(f.response, cap), referenceAnswer: cut(f.referenceAnswer, cap) });
  // Largest cap that fits (binary search; token counts grow with the cap, near enough monotone).
  const search = (hi: number, make: (cap: number) => PromptFields): PromptFields | undefined => {
    if (measure(make(0)) > budget) return undefined;
    let lo = 0;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(make(mid)) <= budget) lo = mid;
      else hi = mid - 1;
    }
    return make(lo);
  };
  const both = search(longest, capBoth);
  if (both) return { fields: both, truncated: true };
  const emptied = capBoth(0);
  const withInstruction = search(f.instruction.length, (cap) => ({ ...emptied, instruction: cut(f.instruction, cap) }));
  return withInstruction ? { fields: withInstruction, truncated: true } : undefined;
}

/** BOS + the prompt's tokens. */
export function encodePrompt(f: PromptFields, tokenizer: Tokenizer, template: TemplateName): number[] {
  return tokenizer.encode(renderPrompt(f, template), { bos: true });
}

/**
 * Prompt ids for inference, shortened (response and reference first) so that at most `maxIds`
 * remain; leave room for the CoT to be generated. Undefined when it cannot fit.
 */
export function encodePromptWithin(ex: PromptFields, tokenizer: Tokenizer, template: TemplateName, maxIds: number): { ids: number[]; truncated: boolean } | undefined {
  const fit = fitPromptFields(ex, (f) => encodePrompt(f, tokenizer, template).length, maxIds);
  return fit && { ids: encodePrompt(fit.fields, tokenizer, template), truncated: fit.truncated };
}

/** The prompt-fit rule's parameters: one pair for a whole experiment (DESIGN.md §1, issue 11). */
export interface PromptFit {
  /** T: a training row holds T + 1 ids; a read-out or a generation at most T positions. */
  seqLen: number;
  /** Longest CoT in tokens: what self-CoT sampling and evaluation may generate; a longer training
   *  CoT is cut to it. */
  maxCotTokens: number;
}

/** Tokens of " So the overall score is ": the larger of its two encodings (after a CoT, and alone
 *  as the label-only target "So the overall score is "), so the reserve covers both. */
export function scoreSuffixTokens(tokenizer: Tokenizer): number {
  return Math.max(tokenizer.encode(SCORE_PROMPT_SUFFIX).length, tokenizer.encode(scorePrefix('')).length);
}

/** Most prompt ids (BOS included) under the rule: seqLen + 1 − (maxCotTokens + suffix + score + EOS). */
export function promptBudget(tokenizer: Tokenizer, fit: PromptFit): number {
  if (!Number.isInteger(fit.seqLen) || fit.seqLen < 1) throw new RangeError(`prompt fit: seqLen must be a positive integer, got ${fit.seqLen}`);
  if (!Number.isInteger(fit.maxCotTokens) || fit.maxCotTokens < 0) throw new RangeError(`prompt fit: maxCotTokens must be an integer ≥ 0, got ${fit.maxCotTokens}`);
  return fit.seqLen + 1 - (fit.maxCotTokens + scoreSuffixTokens(tokenizer) + 2);
}

/**
 * The prompt of an example under the prompt-fit rule: what training, self-CoT sampling and every
 * read-out use (ids start with BOS). Undefined when even an emptied prompt exceeds the budget.
 */
export function fitJudgePrompt(ex: PromptFields, tokenizer: Tokenizer, template: TemplateName, fit: PromptFit): { ids: number[]; prompt: string; truncated: boolean } | undefined {
  return fitWithin(ex, tokenizer, template, promptBudget(tokenizer, fit));
}

/**
 * A CoT cut from its end at a word boundary until `<cot> So the overall score is ` takes at most
 * maxCotTokens + scoreSuffixTokens tokens (the room the rule reserves); unchanged when it fits.
 */
export function fitCot(cot: string, tokenizer: Tokenizer, maxCotTokens: number): { cot: string; cut: boolean } {
  const limit = maxCotTokens + scoreSuffixTokens(tokenizer);
  const fits = (c: string) => tokenizer.encode(scorePrefix(c)).length <= limit;
  const c0 = cot.trim();
  if (fits(c0)) return { cot: c0, cut: false };
  // Words with their leading whitespace; the largest prefix that fits (binary search: token counts
  // grow with the words kept, near enough monotone).
  const words = c0.match(/\s*\S+/g) ?? [];
  const head = (k: number) => words.slice(0, k).join('').trim();
  let lo = 0;
  let hi = words.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(head(mid))) lo = mid;
    else hi = mid - 1;
  }
  return { cot: head(lo), cut: true };
}

/** The prompt cut to at most `budget` ids (what a target of known length leaves). */
function fitWithin(ex: PromptFields, tokenizer: Tokenizer, template: TemplateName, budget: number): { ids: number[]; prompt: string; truncated: boolean } | undefined {
  const f = fitPromptFields(ex, (x) => encodePrompt(x, tokenizer, template).length, budget);
  if (!f) return undefined;
  const prompt = renderPrompt(f.fields, template);
  return { ids: tokenizer.encode(prompt, { bos: true }), prompt, truncated: f.truncated };
}

export function buildExample(ex: JudgeExample, options: BuildOptions): BuildResult {
  const { tokenizer, template, fit: rule } = options;
  if (rule && options.maxIds !== undefined) throw new Error('buildExample: give maxIds or fit, not both');
  const given = (options.cot ?? referenceCot(ex)).trim();
  const { cot, cut: cotCut } = rule ? fitCot(given, tokenizer, rule.maxCotTokens) : { cot: given, cut: false };
  const level = targetLevelIndex(ex);
  const { label, value } = ex.rubric.levels[level];
  const scoreIds = levelTokenIds(tokenizer, ex.rubric.levels);
  const targetIds = tokenizer.encode(scorePrefix(cot));
  const tail = targetIds.length + 2; // + score + EOS
  const maxIds = rule ? rule.seqLen + 1 : options.maxIds ?? Infinity;
  // The rule's budget does not depend on this target (every method gets the same prompt);
  // without it the prompt keeps all the room this target leaves.
  const fit = rule ? fitJudgePrompt(ex, tokenizer, template, rule) : fitWithin(ex, tokenizer, template, maxIds - tail);
  if (!fit) {
    const reason = rule
      ? `even an emptied prompt exceeds the prompt budget of ${promptBudget(tokenizer, rule)} ids (seqLen ${rule.seqLen}, maxCotTokens ${rule.maxCotTokens}); it does not fit in ${maxIds}`
      : `the CoT and score take ${tail} tokens and even an emptied prompt does not fit in ${maxIds}`;
    return { ok: false, id: ex.id, reason };
  }
  const { prompt, ids: promptIds } = fit;
  const ids = Int32Array.from([...promptIds, ...targetIds, scoreIds[level]!, tokenizer.eos]);
  if (ids.length > maxIds) throw new Error(`example ${ex.id}: ${ids.length} ids exceed ${maxIds} (the prompt-fit rule's reserve is too small for this tokenizer)`);
  return {
    ok: true,
    example: {
      id: ex.id,
      prompt,
      target: scorePrefix(cot) + label,
      cot,
      scoreDigit: value,
      scoreLevel: level,
      levels: ex.rubric.levels,
      label: ex.label,
      ids,
      targetStart: promptIds.length,
      scoreIndex: promptIds.length + targetIds.length,
      truncated: fit.truncated,
      cotCut,
    },
  };
}

/**
 * The CoT-RAIL read-out: prompt ids + encode(`<cot> So the overall score is `). The logits at the
 * last position (`scorePosition`) are the score token's distribution.
 */
export function readoutIds(promptIds: readonly number[], cot: string, tokenizer: Tokenizer): { ids: Int32Array; scorePosition: number } {
  const ids = Int32Array.from([...promptIds, ...tokenizer.encode(scorePrefix(cot))]);
  return { ids, scorePosition: ids.length - 1 };
}
