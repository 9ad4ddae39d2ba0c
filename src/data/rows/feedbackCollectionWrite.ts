// Examples written as Feedback Collection rows (issue 14, item 5): the layout of
// prometheus-eval/Feedback-Collection, which the official TRACT code (github.com/d223302/TRACT)
// trains on. What that code reads, and so what each row must hold:
//   - finetuning_utils/prepare_dataset.py fills its prompt template (prompts/feedback_collection/
//     with_feedback.prompt) from orig_instruction, orig_response, orig_reference_answer,
//     orig_criteria (the template adds the [ ] around it) and orig_score1_description …
//     orig_score5_description, and takes the target from `output`: with --cot_no_result, the text
//     before "So the overall" + " So the overall score is " + what follows "[RESULT]"; every other
//     column is dropped.
//   - inference/inference.py (self-CoT generation for stage 2, and evaluation) reads the label as
//     float(output.split('[RESULT]')[-1]), and with --is_formattted the ready prompt `instruction`.
//   - its CoT-RAFT loss reads the gold score from the score token that ends the target, so the
//     layout carries integer scores only (orig_score is a numeric string, as in the published file).
// So: output = "<CoT> So the overall score is N [RESULT] N" (N = the integer our own target text
// ends with: the feedback's score, else the rounded label), orig_feedback = the feedback as loaded
// (or, for a self-CoT, "<CoT> So the overall score is N"), instruction = the verbatim Prometheus
// prompt, input = "" (as published). A fractional regression label (the mean of several annotators)
// has no place in that layout: tract_label and tract_scores keep it (the official code drops unknown
// columns), as id and split keep ours. Our own loader (feedbackCollection.ts) reads all of these
// back, so an export loads as the examples it was written from (all but source and extras).
import { renderPrompt, targetLevel, targetScore, targetText, cotFromFeedback } from '../templates.ts';
import { describeScale } from '../levels.ts';
import { digitKeyed } from './rubricFields.ts';
import type { JudgeExample, LoadIssue } from '../types.ts';

export interface FeedbackCollectionRow {
  id: string;
  split?: string;
  orig_instruction: string;
  orig_response: string;
  orig_reference_answer: string;
  orig_criteria: string;
  /** One per level: orig_score1..5_description on the paper's scale (the official code reads these
   *  five); other digit scales write theirs (orig_score1..K or orig_score0..9), which our loader reads. */
  [description: `orig_score${number}_description`]: string;
  orig_feedback: string;
  orig_score: string;
  instruction: string;
  input: string;
  output: string;
  /** Our regression label (may be fractional) and the annotators' scores it is the mean of. */
  tract_label: number;
  tract_scores: number[];
}

/**
 * One example as a Feedback Collection row; `selfCot` replaces its feedback (a stage-1 model's own
 * CoT, as stage 2 trains on it: the CoT, then the gold score). An example with neither a feedback
 * nor a self-CoT has no target to train a CoT judge on: a reason, not a row.
 */
export function toFeedbackCollectionRow(ex: JudgeExample, selfCot?: string): FeedbackCollectionRow | { reason: string; field: string } {
  if (!digitKeyed(ex.rubric.levels)) return { field: 'rubric.levels', reason: `the layout names levels by digit (orig_scoreN_description); this rubric's levels are ${describeScale(ex.rubric.levels)}` };
  const score = targetScore(ex);
  const label = targetLevel(ex).label;
  let feedback: string;
  let cot: string;
  if (selfCot !== undefined) {
    cot = cotFromFeedback(selfCot);
    feedback = targetText(cot, label);
  } else {
    if (ex.feedback === undefined || ex.feedback.trim() === '') return { field: 'feedback', reason: 'no feedback (reference CoT) to write as orig_feedback and output' };
    feedback = ex.feedback;
    cot = cotFromFeedback(ex.feedback);
  }
  if (cot === '') return { field: selfCot !== undefined ? 'cot' : 'feedback', reason: 'the CoT before "So the overall score is" / "[RESULT]" is empty' };
  const r = ex.rubric;
  const descriptions = Object.fromEntries(r.levels.map((l) => [`orig_score${l.value}_description`, l.description]));
  return {
    id: ex.id,
    ...(ex.split ? { split: ex.split } : {}),
    orig_instruction: ex.instruction,
    orig_response: ex.response,
    orig_reference_answer: ex.referenceAnswer,
    orig_criteria: r.criteria,
    ...descriptions,
    orig_feedback: feedback,
    orig_score: String(score),
    instruction: renderPrompt(ex, 'prometheus'),
    input: '',
    output: `${targetText(cot, label)} [RESULT] ${score}`,
    tract_label: ex.label,
    tract_scores: ex.scores,
  };
}

/**
 * Rows for many examples, with a LoadIssue per example left out, placed by `where` (the file and
 * row the example came from, as far as the caller knows them).
 */
export function toFeedbackCollectionRows(
  examples: readonly JudgeExample[],
  o: { where: (ex: JudgeExample, position: number) => Pick<LoadIssue, 'file' | 'line' | 'index'>; selfCots?: ReadonlyMap<string, string> },
): { rows: FeedbackCollectionRow[]; issues: LoadIssue[] } {
  const rows: FeedbackCollectionRow[] = [];
  const issues: LoadIssue[] = [];
  examples.forEach((ex, position) => {
    const r = toFeedbackCollectionRow(ex, o.selfCots?.get(ex.id));
    if ('reason' in r) issues.push({ ...o.where(ex, position), field: r.field, message: `${ex.id}: ${r.reason}` });
    else rows.push(r);
  });
  return { rows, issues };
}
