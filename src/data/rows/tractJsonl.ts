// Our own JSONL rows, read and written:
//   { "id"?: string|int, "split"?: "train"|"dev"|"test", "source"?: string,
//     "instruction": str, "response": str, "reference_answer": str,
//     "rubric": { "criteria": str, "score1": str, …, "score5": str }
//               (K levels: score1..scoreK, K ≤ 10, valued 1..K; or score0..score9, valued 0..9;
//                or "levels": [{ "label": str, "value": number, "description": str }, …], 2..10 of them),
//     "feedback"?: str, "feedback_score"?: a level's value,
//     "score"?: number  |  "scores"?: [number, …]   (exactly one of the two; within the levels' range),
//     "meta"?: object }
// Rubric Lab writes this format with split, feedback, feedback_score, scores and meta filled in.
import { statedScore } from '../templates.ts';
import type { JudgeExample, Rubric, Split } from '../types.ts';
import { RowCheck, describeValue, isObject, mean, optionalId, optionalText, requireText } from './fields.ts';
import { checkScoreOn, checkScoresOn, readLevels, rubricJson } from './rubricFields.ts';

const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

export function parseTractRow(row: Record<string, unknown>, c: RowCheck): JudgeExample | undefined {
  const id = optionalId(c, row, 'id');
  const instruction = requireText(c, row, 'instruction');
  const response = requireText(c, row, 'response');
  const referenceAnswer = requireText(c, row, 'reference_answer');
  let rubric: Rubric | undefined;
  if (!isObject(row.rubric)) c.fail('rubric', `expected an object {criteria, score1..score5}, got ${describeValue(row.rubric)}`);
  else {
    const r = row.rubric;
    const criteria = requireText(c, r, 'criteria', 'rubric.criteria');
    const levels = readLevels(c, r, 'rubric', { prefix: 'score', levels: 'levels' });
    if (criteria && levels) rubric = { criteria, levels };
  }
  const levels = rubric?.levels;
  const feedback = optionalText(c, row, 'feedback');
  let feedbackScore: number | undefined;
  if (row.feedback_score !== undefined) feedbackScore = checkScoreOn(c, row.feedback_score, 'feedback_score', levels, { level: true });
  let scores: number[] | undefined;
  if (row.score !== undefined && row.scores !== undefined) c.fail('score', 'give either "score" or "scores", not both');
  else if (row.scores !== undefined) scores = checkScoresOn(c, row.scores, 'scores', levels);
  else if (row.score !== undefined) {
    const s = checkScoreOn(c, row.score, 'score', levels);
    if (s !== undefined) scores = [s];
  } else c.fail('score', `expected "score" (a number from ${levels ? levels[0].value : 1} to ${levels ? levels[levels.length - 1].value : 5}) or "scores" (an array of them); neither is present`);
  let split: Split | undefined;
  if (row.split !== undefined) {
    if (SPLITS.includes(row.split as Split)) split = row.split as Split;
    else c.fail('split', `expected "train", "dev" or "test", got ${describeValue(row.split)}`);
  }
  if (row.source !== undefined && typeof row.source !== 'string') c.fail('source', `expected a string, got ${describeValue(row.source)}`);
  if (row.meta !== undefined && !isObject(row.meta)) c.fail('meta', `expected an object, got ${describeValue(row.meta)}`);
  if (feedback !== undefined && feedbackScore !== undefined) {
    const stated = statedScore(feedback, levels);
    if (stated !== undefined && stated !== feedbackScore) c.fail('feedback_score', `is ${feedbackScore} but the feedback ends with score ${stated}`);
  }
  if (!c.ok || !instruction || !response || !referenceAnswer || !rubric || !scores) return undefined;
  const fs = feedbackScore ?? (feedback !== undefined ? statedScore(feedback, rubric.levels) : undefined);
  return {
    id: id ?? `row-${c.index}`,
    instruction,
    response,
    referenceAnswer,
    rubric,
    ...(feedback !== undefined ? { feedback } : {}),
    ...(fs !== undefined ? { feedbackScore: fs } : {}),
    scores,
    label: mean(scores),
    source: row.source === 'rubric-lab' ? 'rubric-lab' : 'tract-jsonl',
    ...(split ? { split } : {}),
    ...(isObject(row.meta) ? { extras: row.meta } : {}),
  };
}

/** One JSONL line (without the newline) for an example, in the format above. */
export function toTractJsonl(ex: JudgeExample): string {
  const row: Record<string, unknown> = { id: ex.id };
  if (ex.split) row.split = ex.split;
  row.source = ex.source;
  row.instruction = ex.instruction;
  row.response = ex.response;
  row.reference_answer = ex.referenceAnswer;
  row.rubric = rubricJson(ex.rubric);
  if (ex.feedback !== undefined) row.feedback = ex.feedback;
  if (ex.feedbackScore !== undefined) row.feedback_score = ex.feedbackScore;
  row.scores = ex.scores;
  if (ex.extras) row.meta = ex.extras;
  return JSON.stringify(row);
}
