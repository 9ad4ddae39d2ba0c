// Loading judge data: any of the three schemas, as a JSON array or JSON lines, streamed.
// Each row is validated on its own: a bad row is reported (file, line, index, field, what was
// expected) and skipped, the good rows are kept. Duplicate ids reject the later row.
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ROW_BYTES, SizeLimitError, jsonRecords, textChunks, type JsonLayout, type TextSource } from './jsonRecords.ts';
import { RowCheck, describeValue, isObject } from './rows/fields.ts';
import { isFeedbackCollectionRow, parseFeedbackCollectionRow } from './rows/feedbackCollection.ts';
import { isPrometheusBenchRow, parsePrometheusBenchRow } from './rows/prometheusBench.ts';
import { parseTractRow } from './rows/tractJsonl.ts';
import { statedScore } from './templates.ts';
import type { JudgeExample, LoadIssue, LoadResult } from './types.ts';

export type SchemaName = 'auto' | 'feedback-collection' | 'prometheus-bench' | 'tract-jsonl';

export interface LoadOptions {
  /** Named in every error (a path in Node, the file name in the browser). Default "<input>". */
  file?: string;
  /** Refuse inputs larger than this many bytes (default 512 MiB). */
  maxBytes?: number;
  /** Which schema rows follow; 'auto' (default) decides per row from its fields. */
  schema?: SchemaName;
  /** Stop collecting errors after this many (counting continues; default 1000). */
  maxErrors?: number;
  /** Refuse rows (lines, array elements, objects) longer than this many bytes, one by one (default 4 MiB). */
  maxRowBytes?: number;
  /** 'optional': a row without any label field (score/scores, orig_score, gpt4_score) is kept, with a
   *  placeholder label, and its id listed in LoadResult.unlabelled (grading outputs that have no gold
   *  score: `tract judge --out`, `tract eval`). Default 'required'. */
  labels?: 'required' | 'optional';
}

/** The fields that hold a row's label, per schema. */
const LABEL_FIELDS: Record<Exclude<SchemaName, 'auto'>, readonly string[]> = {
  'tract-jsonl': ['score', 'scores'],
  'feedback-collection': ['orig_score'],
  'prometheus-bench': ['gpt4_score'],
};

/**
 * A row without a label given a placeholder one that passes validation (the score its feedback
 * states, else 3; one per feedback for Prometheus rows), or undefined when it has a label field.
 */
function withPlaceholderLabel(row: Record<string, unknown>, schema: Exclude<SchemaName, 'auto'>): Record<string, unknown> | undefined {
  if (LABEL_FIELDS[schema].some((k) => row[k] !== undefined)) return undefined;
  const feedback = schema === 'feedback-collection' ? row.orig_feedback : row.feedback;
  const stated = typeof feedback === 'string' ? statedScore(feedback) : undefined;
  const s = stated ?? (typeof row.feedback_score === 'number' && schema === 'tract-jsonl' ? row.feedback_score : 3);
  if (schema === 'tract-jsonl') return { ...row, score: s };
  if (schema === 'feedback-collection') return { ...row, orig_score: s };
  const n = Array.isArray(row.gpt4_feedback) && row.gpt4_feedback.length > 0 ? row.gpt4_feedback.length : 1;
  return { ...row, gpt4_score: new Array(n).fill(3) };
}

/** Which schema a row looks like. */
export function detectSchema(row: Record<string, unknown>): Exclude<SchemaName, 'auto'> {
  if (isFeedbackCollectionRow(row)) return 'feedback-collection';
  if (isPrometheusBenchRow(row)) return 'prometheus-bench';
  return 'tract-jsonl';
}

export function parseRow(row: Record<string, unknown>, check: RowCheck, schema: SchemaName = 'auto'): JudgeExample | undefined {
  const s = schema === 'auto' ? detectSchema(row) : schema;
  if (s === 'feedback-collection') return parseFeedbackCollectionRow(row, check);
  if (s === 'prometheus-bench') return parsePrometheusBenchRow(row, check);
  return parseTractRow(row, check);
}

export async function loadJudgeData(source: TextSource, options: LoadOptions = {}): Promise<LoadResult> {
  const file = options.file ?? '<input>';
  const maxErrors = options.maxErrors ?? 1000;
  const examples: JudgeExample[] = [];
  const errors: LoadIssue[] = [];
  const firstSeen = new Map<string, number | undefined>();
  const unlabelled: string[] = [];
  let rejected = 0;
  let fatal = false;
  let format: JsonLayout | undefined;
  const warnings: string[] = [];
  const onInvalidUtf8 = (at: number) => {
    const w = `invalid UTF-8 from about byte ${at}: those bytes were replaced by U+FFFD (\ufffd) in the text`;
    warnings.push(w);
  };
  const report = (e: LoadIssue) => {
    if (errors.length < maxErrors) errors.push(e);
  };
  try {
    for await (const ev of jsonRecords(textChunks(source, options.maxBytes ?? DEFAULT_MAX_BYTES, onInvalidUtf8), { maxRowBytes: options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES })) {
      if (ev.kind === 'format') {
        format = ev.format;
        continue;
      }
      if (ev.kind === 'problem') {
        report({ file, line: ev.line, index: ev.index, field: '(file)', message: ev.message });
        if (ev.lostRow) rejected++;
        if (ev.fatal) fatal = true;
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(ev.text);
      } catch (e) {
        report({ file, line: ev.line, index: ev.index, field: '(row)', message: `invalid JSON: ${(e as Error).message}` });
        rejected++;
        continue;
      }
      const check = new RowCheck(file, ev.line, ev.index);
      if (!isObject(value)) {
        report({ file, line: ev.line, index: ev.index, field: '(row)', message: `expected a JSON object, got ${describeValue(value)}` });
        rejected++;
        continue;
      }
      const schema = options.schema && options.schema !== 'auto' ? options.schema : detectSchema(value);
      const placeholder = options.labels === 'optional' ? withPlaceholderLabel(value, schema) : undefined;
      const ex = parseRow(placeholder ?? value, check, schema);
      if (ex && firstSeen.has(ex.id)) {
        const at = firstSeen.get(ex.id);
        check.fail('id', `duplicate id "${ex.id}" (first used ${at !== undefined ? `on line ${at}` : 'earlier'})`);
      }
      if (!ex || !check.ok) {
        check.issues.forEach(report);
        rejected++;
        continue;
      }
      firstSeen.set(ex.id, ev.line);
      if (placeholder) unlabelled.push(ex.id);
      examples.push(ex);
    }
  } catch (e) {
    if (e instanceof SizeLimitError) {
      report({ file, field: '(file)', message: e.message });
      return { examples: [], accepted: 0, rejected: 0, errors, fatal: true, format, warnings, ...(options.labels === 'optional' ? { unlabelled: [] } : {}) };
    }
    report({ file, field: '(file)', message: `could not be read: ${(e as Error).message}` });
    return { examples, accepted: examples.length, rejected, errors, fatal: true, format, warnings, ...(options.labels === 'optional' ? { unlabelled } : {}) };
  }
  return { examples, accepted: examples.length, rejected, errors, fatal, format, warnings, ...(options.labels === 'optional' ? { unlabelled } : {}) };
}
