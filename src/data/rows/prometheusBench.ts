// Prometheus benchmark rows (e.g. mt_bench_eval.json): idx, instruction (the full absolute-grading
// prompt), gpt4_score [n], gpt4_feedback [n], plus optional response_source and category.
// The sections are parsed out of the prompt; the label is the mean of the scores. The reference
// CoT is the feedback whose score is closest to that mean (the first on ties), and its score is the
// one the target states.
import { parsePrometheusPrompt } from '../promptSections.ts';
import type { JudgeExample } from '../types.ts';
import { RowCheck, describeValue, mean, requireText } from './fields.ts';
import { checkScoresOn } from './rubricFields.ts';

export function isPrometheusBenchRow(row: Record<string, unknown>): boolean {
  return 'gpt4_score' in row || (typeof row.instruction === 'string' && row.instruction.includes('###Response to evaluate:') && !('response' in row));
}

export function parsePrometheusBenchRow(row: Record<string, unknown>, c: RowCheck): JudgeExample | undefined {
  const idx = row.idx;
  if (idx !== undefined && !(typeof idx === 'string' && idx.trim() !== '') && !(typeof idx === 'number' && Number.isInteger(idx))) {
    c.fail('idx', `expected an integer or a non-empty string, got ${describeValue(idx)}`);
  }
  const source = row.response_source;
  if (source !== undefined && typeof source !== 'string') c.fail('response_source', `expected a string, got ${describeValue(source)}`);
  const prompt = requireText(c, row, 'instruction');
  let sections;
  if (prompt !== undefined) {
    const parsed = parsePrometheusPrompt(prompt);
    if (parsed.ok) sections = parsed.fields;
    else c.fail(`instruction (${parsed.field} section)`, parsed.message);
  }
  // Scores are the rubric's level values (1..5 unless the prompt's rubric has other levels).
  const scores = checkScoresOn(c, row.gpt4_score, 'gpt4_score', sections?.rubric.levels, { level: true });
  let feedbacks: string[] | undefined;
  if (row.gpt4_feedback !== undefined) {
    const f = row.gpt4_feedback;
    if (!Array.isArray(f)) c.fail('gpt4_feedback', `expected an array of strings, got ${describeValue(f)}`);
    else {
      f.forEach((x, i) => {
        if (typeof x !== 'string' || x.trim() === '') c.fail(`gpt4_feedback[${i}]`, `expected a non-empty string, got ${describeValue(x)}`);
      });
      if (scores && f.length !== scores.length) c.fail('gpt4_feedback', `expected ${scores.length} feedbacks (one per gpt4_score), got ${f.length}`);
      feedbacks = f as string[];
    }
  }
  if (!c.ok || !sections || !scores) return undefined;
  const label = mean(scores);
  let pick: number | undefined;
  if (feedbacks) {
    pick = 0;
    scores.forEach((s, i) => {
      if (Math.abs(s - label) < Math.abs(scores[pick!]! - label)) pick = i;
    });
  }
  const id = idx === undefined ? `row-${c.index}` : typeof source === 'string' && source !== '' ? `${idx}:${source}` : String(idx);
  const extras: Record<string, unknown> = {};
  for (const k of ['idx', 'category', 'response_source']) if (row[k] !== undefined) extras[k] = row[k];
  if (feedbacks) extras.feedbacks = feedbacks;
  return {
    id,
    ...sections,
    ...(pick !== undefined ? { feedback: feedbacks![pick]!, feedbackScore: scores[pick]! } : {}),
    scores,
    label,
    source: 'prometheus-bench',
    extras,
  };
}
