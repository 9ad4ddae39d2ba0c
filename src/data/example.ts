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
// Truncation never touches the CoT or the score: it shortens the response and the reference answer
// first (capping both at the same length, so the longer one loses most), then the instruction, and
// marks each cut with "...". An example that cannot fit even with those emptied is dropped.
import { renderPrompt, scorePrefix, targetScore, cotFromFeedback, type PromptFields, type TemplateName } from './templates.ts';
import type { Tokenizer } from './tokenizers/types.ts';
import type { JudgeExample } from './types.ts';

export const TRUNCATION_MARK = '...';

export interface BuildOptions {
  tokenizer: Tokenizer;
  template: TemplateName;
  /** Replace the reference CoT (stage 2 trains on self-generated CoTs; '' = label only, no CoT). */
  cot?: string;
  /** Most ids the sequence may have (a [B, T] row holds T + 1 ids: T inputs and their next tokens). */
  maxIds?: number;
}

export interface BuiltExample {
  id: string;
  prompt: string;
  /** The target text without EOS: `<cot> So the overall score is N`. */
  target: string;
  cot: string;
  scoreDigit: number;
  label: number;
  ids: Int32Array;
  /** Index in ids of the first target (CoT) token. */
  targetStart: number;
  /** Index in ids of the score token; ids[scoreIndex + 1] is EOS. */
  scoreIndex: number;
  truncated: boolean;
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

export function buildExample(ex: JudgeExample, options: BuildOptions): BuildResult {
  const { tokenizer, template } = options;
  const cot = (options.cot ?? referenceCot(ex)).trim();
  const digit = targetScore(ex);
  const scoreIds = tokenizer.scoreTokenIds();
  const targetIds = tokenizer.encode(scorePrefix(cot));
  const tail = targetIds.length + 2; // + score + EOS
  const budget = (options.maxIds ?? Infinity) - tail;
  const fit = fitPromptFields(ex, (f) => encodePrompt(f, tokenizer, template).length, budget);
  if (!fit) {
    return { ok: false, id: ex.id, reason: `the CoT and score take ${tail} tokens and even an emptied prompt does not fit in ${options.maxIds}` };
  }
  const prompt = renderPrompt(fit.fields, template);
  const promptIds = tokenizer.encode(prompt, { bos: true });
  const ids = Int32Array.from([...promptIds, ...targetIds, scoreIds[digit - 1]!, tokenizer.eos]);
  return {
    ok: true,
    example: {
      id: ex.id,
      prompt,
      target: scorePrefix(cot) + digit,
      cot,
      scoreDigit: digit,
      label: ex.label,
      ids,
      targetStart: promptIds.length,
      scoreIndex: promptIds.length + targetIds.length,
      truncated: fit.truncated,
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
