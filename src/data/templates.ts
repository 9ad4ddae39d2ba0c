// The prompt templates (DESIGN.md §2), the target text, and the parser for generated judgements.
//
// prometheus: Prometheus' absolute-grading prompt, verbatim (for imported models and real data;
//             rendering the sections parsed from an mt_bench_eval.json prompt gives it back byte for byte).
// compact:    the same sections with almost no boilerplate, for tiny models with 256–512 tokens of context.
//             The rubric comes first, so the response and the reference answer sit right before
//             "Feedback:": a small model's CoT copies from them, and it copies from near text far
//             better (dev split, docs/dev-table.md: stage 1 r 0.49 with the rubric last, 0.65 first).
//
// Target text: `<CoT> So the overall score is L` then EOS, L the label of the target's level (the
// EOS is a token, added by example.ts). A rubric's levels (src/data/levels.ts) decide the labels; on
// the default scale 1..5 every prompt is byte for byte what it was before scales existed.
import type { JudgeExample, Rubric } from './types.ts';
import { SCORE_PROMPT_SUFFIX } from './tokenizers/scoreTokens.ts';
import { digitLevels, isDefaultScale, isDigitScale, nearestLevel, type ScoreLevel } from './levels.ts';

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
  return `[${r.criteria}]\n${r.levels.map((l) => `Score ${l.label}: ${l.description}`).join('\n')}`;
}

/** The scale in the Prometheus task description: "an integer between 1 and 5", "an integer between
 *  1 and 10 (10 written as 0)", or "one of A, B or C". */
function scaleWords(levels: readonly ScoreLevel[]): string {
  if (isDigitScale(levels)) {
    const top = levels[levels.length - 1].value;
    return `an integer between ${levels[0].value} and ${top}${top >= 10 ? ` (${top} written as ${top % 10})` : ''}`;
  }
  const labels = levels.map((l) => l.label);
  return `one of ${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

/** The top level as the task description names it: its value on a digit scale, else its label. */
function topName(levels: readonly ScoreLevel[]): string {
  const top = levels[levels.length - 1];
  return top.label === String(top.value % 10) ? String(top.value) : top.label;
}

/** The Prometheus task description for a scale (verbatim for 1..5). */
export function prometheusTaskDescription(levels: readonly ScoreLevel[]): string {
  if (isDefaultScale(levels)) return PROMETHEUS_TASK_DESCRIPTION;
  const words = scaleWords(levels);
  return PROMETHEUS_TASK_DESCRIPTION.replace('gets a score of 5', `gets a score of ${topName(levels)}`)
    .replace('write a score that is an integer between 1 and 5', `write a score that is ${words}`)
    .replace('(an integer number between 1 and 5)', `(${words.replace(/^an integer/, 'an integer number')})`);
}

/** "###Reference Answer (Score 5):", with the scale's top level. */
export function referenceAnswerHeader(levels: readonly ScoreLevel[]): string {
  return PROMETHEUS_HEADERS.referenceAnswer.replace('(Score 5)', `(Score ${topName(levels)})`);
}

export function renderPrompt(f: PromptFields, template: TemplateName): string {
  if (template === 'prometheus') {
    const h = PROMETHEUS_HEADERS;
    return (
      `${prometheusTaskDescription(f.rubric.levels)}\n\n` +
      `${h.instruction}\n${f.instruction}\n\n` +
      `${h.response}\n${f.response}\n\n` +
      `${referenceAnswerHeader(f.rubric.levels)}\n${f.referenceAnswer}\n\n` +
      `${h.rubric}\n${renderPrometheusRubric(f.rubric)}\n\n` +
      `${h.feedback} `
    );
  }
  const r = f.rubric;
  return (
    `Rubric: ${r.criteria}\n${r.levels.map((l) => `${l.label}: ${l.description}\n`).join('')}` +
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

/** `<CoT> So the overall score is L` — the target text without EOS (L a level's label, or a number, written as is). */
export function targetText(cot: string, label: string | number): string {
  return scorePrefix(cot) + String(label);
}

/** A "[RESULT] N" or "… So the overall score is N" feedback rewritten to the target form. */
export function rewriteFeedback(feedback: string, label: string | number): string {
  return targetText(cotFromFeedback(feedback), label);
}

/** The level value a feedback states ("[RESULT] 4", "[RESULT] Score: 4", "So the overall score is 4"), if any. */
export function statedScore(feedback: string, levels?: readonly ScoreLevel[]): number | undefined {
  const p = parseJudgeOutput(feedback, levels);
  return p.status === 'ok' ? p.score! : undefined;
}

/** The index of the level a target ends with: the feedback's own score's, else the level nearest the label. */
export function targetLevelIndex(ex: Pick<JudgeExample, 'feedbackScore' | 'label' | 'rubric'>): number {
  const levels = ex.rubric.levels;
  if (ex.feedbackScore !== undefined) {
    const i = levels.findIndex((l) => l.value === ex.feedbackScore);
    if (i >= 0) return i;
  }
  return nearestLevel(levels, ex.feedbackScore ?? ex.label);
}

/** The level a target ends with. */
export function targetLevel(ex: Pick<JudgeExample, 'feedbackScore' | 'label' | 'rubric'>): ScoreLevel {
  return ex.rubric.levels[targetLevelIndex(ex)];
}

/** The value of the level a target ends with: the feedback's own score, else the label rounded to a level. */
export function targetScore(ex: Pick<JudgeExample, 'feedbackScore' | 'label' | 'rubric'>): number {
  return targetLevel(ex).value;
}

export type ParseStatus = 'ok' | 'missing' | 'malformed';

export interface ParsedJudgement {
  /** The chain of thought (everything before the score sentence), trimmed. */
  cot: string;
  /** The stated level's value when status is 'ok', else null. */
  score: number | null;
  /** The stated level's label when status is 'ok'. */
  label?: string;
  status: ParseStatus;
  /** For 'malformed': what stood where the score should be. */
  found?: string;
}

const DEFAULT_LEVELS = digitLevels(['', '', '', '', ''], 1);

/**
 * Splits generated text into CoT and score. Never throws. Understands
 * "… So the overall score is L" and "… [RESULT] L" (also "[RESULT] Score: L"), L one of the levels'
 * labels (default "1".."5"). Anything else ("7" on a 1..5 scale, "4.5", "four", nothing) gives
 * status 'malformed' or 'missing'.
 */
export function parseJudgeOutput(text: string, levels: readonly ScoreLevel[] = DEFAULT_LEVELS): ParsedJudgement {
  const s = typeof text === 'string' ? text : '';
  const cot = cotFromFeedback(s);
  const so = /So the overall score is\b/i.exec(s);
  const res = RESULT_RE.exec(s);
  const marker = so && (!res || so.index <= res.index) ? so : res;
  if (!marker) return { cot, score: null, status: 'missing' };
  let after = s.slice(marker.index + marker[0].length);
  after = after.replace(/^\s*(?:score\s*[:=]?\s*)?/i, '');
  if (after.trim() === '') return { cot, score: null, status: 'missing' };
  // The longest label the text starts with, not followed by more of a number or a word.
  const hit = [...levels]
    .sort((a, b) => b.label.length - a.label.length)
    .find((l) => {
      const rest = after.slice(l.label.length);
      return after.startsWith(l.label) && !/^(?:[\d.,]\d|\d)/.test(rest) && !(/[A-Za-z]$/.test(l.label) && /^[A-Za-z]/.test(rest));
    });
  if (hit) return { cot, score: hit.value, label: hit.label, status: 'ok' };
  return { cot, score: null, status: 'malformed', found: after.trim().split(/\s+/)[0]!.slice(0, 20) };
}
