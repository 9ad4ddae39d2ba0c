// The one normalised judge example that the TRACT pipeline, the app and the CLI consume, whatever
// file it came from, and the shape of a load's report.

import type { ScoreLevel } from './levels.ts';

/** A rubric: what is judged, and its K levels lowest first (src/data/levels.ts; the paper's 1..5 by default). */
export interface Rubric {
  criteria: string;
  levels: ScoreLevel[];
}

export type Split = 'train' | 'dev' | 'test';

/** Which schema a row was read from. */
export type ExampleSource = 'feedback-collection' | 'prometheus-bench' | 'tract-jsonl' | 'rubric-lab';

export interface JudgeExample {
  /** Unique within one load. */
  id: string;
  instruction: string;
  response: string;
  referenceAnswer: string;
  rubric: Rubric;
  /** The reference feedback / chain of thought as given (may still end in "[RESULT] N"). */
  feedback?: string;
  /** The level value that `feedback` argues for, when known; the target text ends with its label. */
  feedbackScore?: number;
  /** Individual annotator scores, each within the rubric's value range. Never empty. */
  scores: number[];
  /** The regression label: the mean of `scores`. */
  label: number;
  source: ExampleSource;
  split?: Split;
  /** Anything else the source carried (category, all feedbacks, Rubric Lab family, latent quality…). */
  extras?: Record<string, unknown>;
}

/** One problem found while loading. `line` is 1-based; `index` is the 0-based row number. */
export interface LoadIssue {
  file: string;
  line?: number;
  index?: number;
  /** Dotted path of the offending field ('rubric.score3', 'gpt4_score[1]'), or '(row)' / '(file)'. */
  field: string;
  message: string;
}

export interface LoadResult {
  examples: JudgeExample[];
  accepted: number;
  rejected: number;
  /** Every problem, in file order. A rejected row has at least one. */
  errors: LoadIssue[];
  /**
   * True when reading stopped early: the file is truncated, is not JSON, could not be read, or is
   * over the size limit. Rows read before the problem are kept, except for the size limit, which
   * refuses the whole file.
   */
  fatal: boolean;
  /** The layout the reader decided on (undefined when the file was empty or unreadable). */
  format?: 'json-array' | 'jsonl' | 'json-objects';
  /** What was changed without rejecting a row (e.g. invalid UTF-8 replaced). */
  warnings?: string[];
  /** With labels: 'optional', the ids of the rows that had no label (their `label` is a placeholder). */
  unlabelled?: string[];
}

/** "file:line (row 3) field: message" — the form every error is shown in. */
export function formatIssue(e: LoadIssue): string {
  const where = [e.file, e.line !== undefined ? `:${e.line}` : ''].join('');
  const row = e.index !== undefined ? ` (row ${e.index})` : '';
  return `${where}${row} ${e.field}: ${e.message}`;
}
