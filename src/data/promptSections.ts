// Parses a full Prometheus absolute-grading prompt (as in the benchmark files' `instruction` field)
// back into its sections, so either template can re-render it. The template separates sections
// with a blank line and puts each header on its own line; we undo exactly that, so rendering the
// result with the 'prometheus' template gives the original prompt back.
import { PROMETHEUS_HEADERS } from './templates.ts';
import type { PromptFields } from './templates.ts';
import type { Rubric } from './types.ts';

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

/** Splits "[criteria]\nScore 1: …\n…Score 5: …" into a rubric. */
export function parseRubricSection(text: string): { ok: true; rubric: Rubric } | { ok: false; message: string } {
  const starts: number[] = [];
  let from = 0;
  for (let k = 1; k <= 5; k++) {
    const re = new RegExp(`(^|\\n)[ \\t]*Score ${k}\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m) return { ok: false, message: `expected a line starting "Score ${k}:" in the rubric${k > 1 ? ` after "Score ${k - 1}:"` : ''}` };
    starts.push(m.index + m[1]!.length);
    from = m.index + m[0].length;
  }
  let criteria = text.slice(0, starts[0]).trim();
  if (criteria.startsWith('[') && criteria.endsWith(']')) criteria = criteria.slice(1, -1);
  if (criteria.trim() === '') return { ok: false, message: 'expected the criteria (e.g. "[Is the answer correct?]") before "Score 1:"' };
  const desc: string[] = [];
  for (let k = 0; k < 5; k++) {
    const body = text.slice(starts[k], k < 4 ? starts[k + 1]! - 1 : text.length);
    const d = body.replace(/^[ \t]*Score \d\s*:[ \t]?/, '').replace(/\s+$/, '');
    if (d.trim() === '') return { ok: false, message: `the description of "Score ${k + 1}:" is empty` };
    desc.push(d);
  }
  return { ok: true, rubric: { criteria, score1: desc[0]!, score2: desc[1]!, score3: desc[2]!, score4: desc[3]!, score5: desc[4]! } };
}

/** The sections of a Prometheus prompt; on failure, which section could not be found and why. */
export function parsePrometheusPrompt(prompt: string): SectionResult {
  const pos: number[] = [];
  let from = 0;
  for (const key of ORDER) {
    const header = PROMETHEUS_HEADERS[key];
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
    from = i + header.length;
  }
  const body = (k: number) => stripSeparators(prompt.slice(pos[k]! + PROMETHEUS_HEADERS[ORDER[k]!].length, pos[k + 1]));
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
