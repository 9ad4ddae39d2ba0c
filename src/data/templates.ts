// The prompt templates (DESIGN.md §2), the target text, and the parser for generated judgements.
//
// prometheus: Prometheus' absolute-grading prompt, verbatim (for imported models and real data;
//             rendering the sections parsed from an mt_bench_eval.json prompt gives it back byte for byte).
// compact:    the same sections with almost no boilerplate, for tiny models with 256–512 tokens of context.
//             The rubric comes first, so the response and the reference answer sit right before
//             "Feedback:": a small model's CoT copies from them, and it copies from near text far
//             better (dev split, docs/dev-table.md: stage 1 r 0.49 with the rubric last, 0.65 first).
//
// Target text: `<CoT> So the overall score is N` then EOS (the EOS is a token, added by example.ts).
import type { JudgeExample, Rubric } from './types.ts';
import { SCORE_PROMPT_SUFFIX } from './tokenizers/scoreTokens.ts';

export { SCORE_PROMPT_SUFFIX };

export type TemplateName = 'prometheus' | 'compact';
export const TEMPLATE_NAMES: readonly TemplateName[] = ['prometheus', 'compact'];

/** The parts of an example a prompt is made of. */
export interface PromptFields {
  instruction: string;
  response: string;
  referenceAnswer: string;
  rubric: Rubric;
}

export const PROMETHEUS_TASK_DESCRIPTION =
  '###Task Description:\n' +
  'An instruction (might include an Input inside it), a response to evaluate, a reference answer that gets a score of 5, and a score rubric representing a evaluation criteria are given.\n' +
  '1. Write a detailed feedback that assess the quality of the response strictly based on the given score rubric, not evaluating in general.\n' +
  '2. After writing a feedback, write a score that is an integer between 1 and 5. You should refer to the score rubric.\n' +
  '3. The output format should look as follows: "Feedback: (write a feedback for criteria) [RESULT] (an integer number between 1 and 5)"\n' +
  '4. Please do not generate any other opening, closing, and explanations.';

/** Section headers of the Prometheus prompt, in order. */
export const PROMETHEUS_HEADERS = {
  instruction: '###The instruction to evaluate:',
  response: '###Response to evaluate:',
  referenceAnswer: '###Reference Answer (Score 5):',
  rubric: '###Score Rubrics:',
  feedback: '###Feedback:',
} as const;

export function renderPrometheusRubric(r: Rubric): string {
  return `[${r.criteria}]\nScore 1: ${r.score1}\nScore 2: ${r.score2}\nScore 3: ${r.score3}\nScore 4: ${r.score4}\nScore 5: ${r.score5}`;
}

export function renderPrompt(f: PromptFields, template: TemplateName): string {
  if (template === 'prometheus') {
    const h = PROMETHEUS_HEADERS;
    return (
      `${PROMETHEUS_TASK_DESCRIPTION}\n\n` +
      `${h.instruction}\n${f.instruction}\n\n` +
      `${h.response}\n${f.response}\n\n` +
      `${h.referenceAnswer}\n${f.referenceAnswer}\n\n` +
      `${h.rubric}\n${renderPrometheusRubric(f.rubric)}\n\n` +
      `${h.feedback} `
    );
  }
  const r = f.rubric;
  return (
    `Rubric: ${r.criteria}\n1: ${r.score1}\n2: ${r.score2}\n3: ${r.score3}\n4: ${r.score4}\n5: ${r.score5}\n` +
    `Task: ${f.instruction}\n` +
    `Response: ${f.response}\n` +
    `Reference: ${f.referenceAnswer}\n` +
    `Feedback:`
  );
}

const RESULT_RE = /\[RESULT\]/i;
const SO_THE_OVERALL_RE = /So the overall/i;

/**
 * The chain of thought inside a feedback: the text before "[RESULT]" or "So the overall",
 * whichever comes first, trimmed.
 */
export function cotFromFeedback(feedback: string): string {
  let end = feedback.length;
  for (const re of [RESULT_RE, SO_THE_OVERALL_RE]) {
    const m = re.exec(feedback);
    if (m && m.index < end) end = m.index;
  }
  return feedback.slice(0, end).trim();
}

/** The text that precedes the score digit: `<CoT> So the overall score is ` (no CoT: `So the overall score is `). */
export function scorePrefix(cot: string): string {
  const c = cot.trim();
  return c === '' ? SCORE_PROMPT_SUFFIX.trimStart() : c + SCORE_PROMPT_SUFFIX;
}

/** `<CoT> So the overall score is N` — the target text without EOS. */
export function targetText(cot: string, score: number): string {
  return scorePrefix(cot) + String(score);
}

/** A "[RESULT] N" or "… So the overall score is N" feedback rewritten to the target form. */
export function rewriteFeedback(feedback: string, score: number): string {
  return targetText(cotFromFeedback(feedback), score);
}

/** The integer 1..5 a feedback states ("[RESULT] 4", "[RESULT] Score: 4", "So the overall score is 4"), if any. */
export function statedScore(feedback: string): number | undefined {
  const p = parseJudgeOutput(feedback);
  return p.status === 'ok' ? p.score! : undefined;
}

/** The score digit a target ends with: the feedback's own score, else the rounded label. */
export function targetScore(ex: Pick<JudgeExample, 'feedbackScore' | 'label'>): number {
  if (ex.feedbackScore !== undefined) return ex.feedbackScore;
  return Math.min(5, Math.max(1, Math.round(ex.label)));
}

export type ParseStatus = 'ok' | 'missing' | 'malformed';

export interface ParsedJudgement {
  /** The chain of thought (everything before the score sentence), trimmed. */
  cot: string;
  /** 1..5 when status is 'ok', else null. */
  score: number | null;
  status: ParseStatus;
  /** For 'malformed': what stood where the score should be. */
  found?: string;
}

/**
 * Splits generated text into CoT and score. Never throws. Understands
 * "… So the overall score is N" and "… [RESULT] N" (also "[RESULT] Score: N"). A score that is not
 * a single integer 1..5 ("7", "4.5", "four", nothing) gives status 'malformed' or 'missing'.
 */
export function parseJudgeOutput(text: string): ParsedJudgement {
  const s = typeof text === 'string' ? text : '';
  const cot = cotFromFeedback(s);
  const so = /So the overall score is\b/i.exec(s);
  const res = RESULT_RE.exec(s);
  const marker = so && (!res || so.index <= res.index) ? so : res;
  if (!marker) return { cot, score: null, status: 'missing' };
  let after = s.slice(marker.index + marker[0].length);
  after = after.replace(/^\s*(?:score\s*[:=]?\s*)?/i, '');
  if (after.trim() === '') return { cot, score: null, status: 'missing' };
  const m = /^([1-5])(?![\d.,]\d|\d)/.exec(after);
  if (m) return { cot, score: Number(m[1]), status: 'ok' };
  return { cot, score: null, status: 'malformed', found: after.trim().split(/\s+/)[0]!.slice(0, 20) };
}
