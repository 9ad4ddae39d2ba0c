// Parses a full Prometheus absolute-grading prompt (as in the benchmark files' `instruction` field)
// back into its sections, so either template can re-render it. The template separates sections
// with a blank line and puts each header on its own line; we undo exactly that, so rendering the
// result with the 'prometheus' template gives the original prompt back.
import { PROMETHEUS_HEADERS } from './templates.ts';
import type { PromptFields } from './templates.ts';
import type { Rubric } from './types.ts';
import type { ScoreLevel } from './levels.ts';

/** On failure, `field` names the section ('response', 'reference answer', 'score rubric', …). */
export type SectionResult = { ok: true; fields: PromptFields } | { ok: false; field: string; message: string };

const ORDER = ['instruction', 'response', 'referenceAnswer', 'rubric', 'feedback'] as const;
/** How errors name each section. */
const SECTION_NAME: Record<(typeof ORDER)[number], string> = {
  instruction: 'instruction',
  response: 'response',
  referenceAnswer: 'reference answer',
  rubric: 'score rubric',
  feedback: 'feedback',
};

function stripSeparators(body: string): string {
  let s = body;
  if (s.startsWith('\r\n')) s = s.slice(2);
  else if (s.startsWith('\n')) s = s.slice(1);
  if (s.endsWith('\r\n\r\n')) s = s.slice(0, -4);
  else if (s.endsWith('\n\n')) s = s.slice(0, -2);
  else s = s.replace(/\s+$/, '');
  return s;
}

/** The label sequences a rubric section may use: digits from 1 (10 written "0"), from 0, or letters from A. */
const SEQUENCES: { labels: string[]; values: number[] }[] = [
  { labels: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'], values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  { labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
  { labels: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'], values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Splits "[criteria]\nScore 1: …\n…Score K: …" into a rubric: the "Score L:" lines in order, L
 * running 1, 2, … (10 written 0), or 0, 1, …, or A, B, … (valued 1..K), 2 ≤ K ≤ 10.
 */
export function parseRubricSection(text: string): { ok: true; rubric: Rubric } | { ok: false; message: string } {
  const find = (label: string, from: number) => {
    const re = new RegExp(`(^|\\n)[ \\t]*Score ${escape(label)}\\s*:`, 'g');
    re.lastIndex = from;
    return re.exec(text);
  };
  const seq = SEQUENCES.find((q) => find(q.labels[0], 0)) ?? SEQUENCES[0];
  const starts: number[] = [];
  const heads: number[] = [];
  let from = 0;
  for (const label of seq.labels) {
    const m = find(label, from);
    if (!m) break;
    starts.push(m.index + m[1]!.length);
    heads.push(m.index + m[0].length);
    from = m.index + m[0].length;
  }
  // Fewer than two levels, or a "Score …:" line after the last one in sequence (a level skipped):
  // name the label that should come next.
  const stray = starts.length > 0 && /(^|\n)[ \t]*Score \S{1,3}\s*:/.test(text.slice(from));
  if (starts.length < 2 || (stray && starts.length < seq.labels.length)) {
    const want = seq.labels[starts.length];
    return { ok: false, message: `expected a line starting "Score ${want}:" in the rubric${starts.length ? ` after "Score ${seq.labels[starts.length - 1]}:"` : ''}` };
  }
  let criteria = text.slice(0, starts[0]).trim();
  if (criteria.startsWith('[') && criteria.endsWith(']')) criteria = criteria.slice(1, -1);
  if (criteria.trim() === '') return { ok: false, message: `expected the criteria (e.g. "[Is the answer correct?]") before "Score ${seq.labels[0]}:"` };
  const levels: ScoreLevel[] = [];
  for (let k = 0; k < starts.length; k++) {
    const body = text.slice(heads[k], k < starts.length - 1 ? starts[k + 1]! - 1 : text.length);
    const d = body.replace(/^[ \t]?/, '').replace(/\s+$/, '');
    if (d.trim() === '') return { ok: false, message: `the description of "Score ${seq.labels[k]}:" is empty` };
    levels.push({ label: seq.labels[k], value: seq.values[k], description: d });
  }
  return { ok: true, rubric: { criteria, levels } };
}

/** The sections of a Prometheus prompt; on failure, which section could not be found and why. */
export function parsePrometheusPrompt(prompt: string): SectionResult {
  const pos: number[] = [];
  const lens: number[] = [];
  let from = 0;
  for (const key of ORDER) {
    let header: string = PROMETHEUS_HEADERS[key];
    // The reference answer's header names the scale's top label: "(Score 5)" on 1..5.
    if (key === 'referenceAnswer') {
      const m = /###Reference Answer \(Score [^)\n]{1,4}\):/.exec(prompt.slice(from));
      if (m) header = m[0];
    }
    const i = prompt.indexOf(header, from);
    if (i < 0) {
      const anywhere = prompt.indexOf(header) >= 0;
      return {
        ok: false,
        field: SECTION_NAME[key],
        message: anywhere
          ? `section header "${header}" is out of order (expected after ${pos.length ? `"${PROMETHEUS_HEADERS[ORDER[pos.length - 1]!]}"` : 'the task description'})`
          : `section header "${header}" not found in the prompt`,
      };
    }
    pos.push(i);
    lens.push(header.length);
    from = i + header.length;
  }
  const body = (k: number) => stripSeparators(prompt.slice(pos[k]! + lens[k]!, pos[k + 1]));
  const instruction = body(0);
  const response = body(1);
  const referenceAnswer = body(2);
  for (const [k, v] of [['instruction', instruction], ['response', response], ['referenceAnswer', referenceAnswer]] as const) {
    if (v.trim() === '') return { ok: false, field: SECTION_NAME[k], message: `section "${PROMETHEUS_HEADERS[k]}" is empty` };
  }
  const rubric = parseRubricSection(body(3));
  if (!rubric.ok) return { ok: false, field: SECTION_NAME.rubric, message: rubric.message };
  return { ok: true, fields: { instruction, response, referenceAnswer, rubric: rubric.rubric } };
}
