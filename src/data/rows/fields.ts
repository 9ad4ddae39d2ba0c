// Field checks shared by the row schemas. Each check records a problem naming the field and what
// was expected, and returns undefined, so one row reports all its problems at once.
import type { LoadIssue } from '../types.ts';

export class RowCheck {
  readonly file: string;
  readonly line: number | undefined;
  readonly index: number;
  readonly issues: LoadIssue[] = [];

  constructor(file: string, line: number | undefined, index: number) {
    this.file = file;
    this.line = line;
    this.index = index;
  }

  fail(field: string, message: string): undefined {
    this.issues.push({ file: this.file, line: this.line, index: this.index, field, message });
    return undefined;
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }
}

/** A short description of a value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.trim() === '' ? `an empty string ${JSON.stringify(v.slice(0, 10))}` : `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v)}`;
  if (typeof v === 'number') return Number.isFinite(v) ? `the number ${v}` : `${v}`;
  if (typeof v === 'boolean') return `${v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `an object`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A required string with some non-space text. */
export function requireText(c: RowCheck, row: Record<string, unknown>, key: string, path = key): string | undefined {
  const v = row[key];
  if (typeof v !== 'string') return c.fail(path, `expected a non-empty string, got ${describeValue(v)}`);
  if (v.trim() === '') return c.fail(path, `expected text, got ${describeValue(v)}`);
  return v;
}

/** An optional string; when present it must have some text. */
export function optionalText(c: RowCheck, row: Record<string, unknown>, key: string, path = key): string | undefined {
  if (row[key] === undefined || row[key] === null) return undefined;
  return requireText(c, row, key, path);
}

/** An id: a non-empty string or an integer. */
export function optionalId(c: RowCheck, row: Record<string, unknown>, key: string): string | undefined {
  const v = row[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return c.fail(key, `expected a non-empty string or an integer id, got ${describeValue(v)}`);
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
