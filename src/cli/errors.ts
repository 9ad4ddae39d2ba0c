// How every `tract` command reports a failure (issue 14, item 6): one error type that carries where
// the problem is (file, line, row, field), one place (main.ts → reportError) that prints it as text on
// stderr and, when the command was given --json, also as JSON on stdout, and one rule for the exit
// status, the same for every command:
//   0  success
//   1  input rejected, in whole or in part (a row, a file, a model that does not load), or the
//      command failed while running
//   2  usage: a bad flag or argument, or a named file that does not exist or is not a regular file
// So a command does not print its own errors or choose its own status: it throws
//   - UsageError (args.ts) for what the user typed,
//   - InputError for what a file holds (with the rows' LoadIssues when rows were rejected),
//   - anything else for a failure (reported as {error: 'failure', message}),
// and main.ts does the rest. A command whose normal output already lists rejected rows (data inspect)
// returns EXIT.rejected itself, with its report, instead of throwing.
// The JSON form is meant for programs: one object {error, file, line, row, field, message} — keys that
// do not apply are left out — or an array of them when several rows were rejected.
import { formatIssue, type LoadIssue } from '../data/types.ts';
import { UsageError } from './args.ts';

export { UsageError };

export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;

/** Appended to every command's --help by main.ts, so the rule reads the same everywhere. */
export const EXIT_STATUS_HELP = `exit status (the same for every tract command):
  0  success
  1  input rejected, in whole or in part (any rejected row counts), or the command failed
  2  usage: a bad flag or argument, or a named file that does not exist or is not a regular file
  With --json, an error is also printed on stdout as JSON: one object
  {"error": "usage"|"input"|"failure", "file", "line", "row", "field", "message"} (keys that do not
  apply are left out), or an array of such objects when several rows were rejected.`;

/** One error as programs get it (--json). `row` is 0-based, `line` 1-based. */
export interface CliErrorRecord {
  error: 'usage' | 'input' | 'failure';
  file?: string;
  line?: number;
  row?: number;
  field?: string;
  message: string;
}

/** Where in the input a problem is (any subset). */
export interface ErrorLocation {
  file?: string;
  line?: number;
  row?: number;
  field?: string;
}

/**
 * The input was rejected: a file that cannot be parsed or loaded, or rows that do not validate.
 * `message` is the headline shown to people (reportError lists the first issues under it, so do not
 * repeat them in it); `issues` are the individual problems (one record each in JSON). Without
 * issues, the error itself is one record at `where`.
 */
export class InputError extends Error {
  readonly where: ErrorLocation;
  readonly issues: LoadIssue[];
  constructor(message: string, o: { where?: ErrorLocation; issues?: readonly LoadIssue[] } = {}) {
    super(message);
    this.name = 'InputError';
    this.where = o.where ?? {};
    this.issues = [...(o.issues ?? [])];
  }
}

/** A loader's LoadIssue in the CLI's record form (its 0-based `index` is the record's `row`). */
export function issueRecord(i: LoadIssue): CliErrorRecord {
  return compact({ error: 'input', file: i.file, line: i.line, row: i.index, field: i.field, message: i.message });
}

function compact(r: CliErrorRecord): CliErrorRecord {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as CliErrorRecord;
}

/** The records an error is reported as (at least one). */
export function errorRecords(e: unknown): CliErrorRecord[] {
  if (e instanceof UsageError) return [{ error: 'usage', message: e.message }];
  if (e instanceof InputError) {
    if (e.issues.length) return e.issues.map(issueRecord);
    return [compact({ error: 'input', ...e.where, message: e.message })];
  }
  return [{ error: 'failure', message: e instanceof Error ? e.message : String(e) }];
}

/** The exit status for an error thrown by a command. */
export function exitCode(e: unknown): number {
  return e instanceof UsageError ? EXIT.usage : EXIT.rejected;
}

/** True when the command line asks for JSON output (a --json flag before any '--'). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** The JSON text for an error: one object, or an array when it holds several records. */
export function errorJson(e: unknown): string {
  const records = errorRecords(e);
  return JSON.stringify(records.length === 1 ? records[0] : records);
}

/**
 * Prints a command's error and returns its exit status. Text always goes to stderr (people, logs);
 * with `json`, the JSON form also goes to stdout, where a program reading --json output looks.
 * `usage` is printed after a usage error.
 */
export function reportError(command: string, e: unknown, o: { json: boolean; usage?: string; debug?: boolean }): number {
  const message = e instanceof Error ? e.message : String(e);
  let text = `tract ${command}: ${message}`;
  if (e instanceof InputError && e.issues.length) {
    // The message is the headline; the first issues follow it, one a line (all of them in JSON).
    const shown = e.issues.slice(0, 10).map((i) => `  ${formatIssue(i)}`);
    text += `\n${shown.join('\n')}${e.issues.length > 10 ? `\n  …and ${e.issues.length - 10} more` : ''}`;
  }
  if (e instanceof UsageError && o.usage) text += `\n\n${o.usage}`;
  console.error(text);
  if (o.debug && !(e instanceof UsageError)) console.error(e);
  if (o.json) console.log(errorJson(e));
  return exitCode(e);
}
