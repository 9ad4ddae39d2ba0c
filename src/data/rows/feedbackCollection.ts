// Feedback Collection rows (the Prometheus training set): orig_instruction, orig_response,
// orig_reference_answer, orig_criteria, orig_score1_description … orig_score5_description,
// orig_feedback, orig_score. orig_score may be a numeric string, as in the published files. Other
// digit scales give orig_score1..K_description (K ≤ 10) or orig_score0..9_description.
// Rows that `tract data export --format feedback-collection` wrote also carry what the layout has no
// field for (feedbackCollectionWrite.ts), read back here so an export loads as the examples it came
// from: split, and tract_scores (the annotators' scores; the label is their mean, which may be
// fractional where orig_score is the integer the target ends with) with tract_label, their mean.
import type { JudgeExample, Rubric, Split } from '../types.ts';
import { statedScore } from '../templates.ts';
import { RowCheck, describeValue, mean, optionalId, requireText } from './fields.ts';
import { checkScoreOn, checkScoresOn, readLevels } from './rubricFields.ts';

export function isFeedbackCollectionRow(row: Record<string, unknown>): boolean {
  return 'orig_instruction' in row || 'orig_criteria' in row;
}

export function parseFeedbackCollectionRow(row: Record<string, unknown>, c: RowCheck): JudgeExample | undefined {
  const id = optionalId(c, row, 'id');
  const instruction = requireText(c, row, 'orig_instruction');
  const response = requireText(c, row, 'orig_response');
  const referenceAnswer = requireText(c, row, 'orig_reference_answer');
  let criteria = requireText(c, row, 'orig_criteria');
  if (criteria && criteria.trim().startsWith('[') && criteria.trim().endsWith(']')) criteria = criteria.trim().slice(1, -1);
  const levels = readLevels(c, row, '', { prefix: 'orig_score', suffix: '_description' });
  const feedback = requireText(c, row, 'orig_feedback');
  const score = checkScoreOn(c, row.orig_score, 'orig_score', levels, { level: true, allowString: true });
  const tractScores = row.tract_scores === undefined ? undefined : checkScoresOn(c, row.tract_scores, 'tract_scores', levels);
  if (tractScores && row.tract_label !== undefined && !(typeof row.tract_label === 'number' && Math.abs(row.tract_label - mean(tractScores)) <= 1e-9)) {
    c.fail('tract_label', `expected the mean of tract_scores, ${mean(tractScores)}, got ${describeValue(row.tract_label)}`);
  }
  let split: Split | undefined;
  if (row.split !== undefined) {
    if (row.split === 'train' || row.split === 'dev' || row.split === 'test') split = row.split;
    else c.fail('split', `expected "train", "dev" or "test", got ${describeValue(row.split)}`);
  }
  if (!c.ok || !instruction || !response || !referenceAnswer || !criteria || !levels || !feedback || score === undefined) return undefined;
  const rubric: Rubric = { criteria, levels };
  const stated = statedScore(feedback, levels);
  if (stated !== undefined && stated !== score) {
    return c.fail('orig_feedback', `the feedback ends with score ${stated} but orig_score is ${score}`);
  }
  return {
    id: id ?? `row-${c.index}`,
    instruction,
    response,
    referenceAnswer,
    rubric,
    feedback,
    feedbackScore: score,
    scores: tractScores ?? [score],
    label: tractScores ? mean(tractScores) : score,
    source: 'feedback-collection',
    ...(split ? { split } : {}),
  };
}
