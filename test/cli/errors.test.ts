// Issue 14, item 6: errors people and programs can use. Every command's --help states the same exit
// rule (0 success, 1 input rejected in whole or in part, 2 usage); with --json an error is also one
// JSON object on stdout ({error, file, line, row, field, message}), or an array of them when several
// rows are rejected; statistics over zero rows print "–", never NaN. The shared piece
// (src/cli/errors.ts) is checked in process; the commands run as users run them (node bin/tract.mjs),
// several at a time, on small fixture files in a temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { EXIT_STATUS_HELP, InputError, errorJson, errorRecords, exitCode, wantsJson } from '../../src/cli/errors.ts';
import { repoRoot } from '../../scripts/vulkan-env.mjs';
import { tractAsync } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tract-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tract …` in a child process, without blocking the event loop (so cases run side by side). */
const tract = (args: string[], timeoutMs = 120_000) => tractAsync(args, { timeoutMs });

/** stdout as JSON; the failure message shows what was printed when it is not. */
function json(r: { stdout: string; stderr: string }): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON value:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

const row = (id: string, score: unknown = 4) => ({
  id,
  instruction: 'Add 2 and 3.',
  response: 'The sum is 5.',
  reference_answer: '5',
  rubric: { criteria: 'Is the sum right?', score1: 'wrong', score2: 'mostly wrong', score3: 'half right', score4: 'mostly right', score5: 'right' },
  feedback: 'The sum is right. So the overall score is 4',
  score,
});
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const good = file('good.jsonl', jsonl([row('a'), row('b', 2), row('c', 5)]));
const partly = file('partly.jsonl', jsonl([row('a'), row('b', 9), row('c')]));
const twoBad = file('two-bad.jsonl', jsonl([row('a'), row('b', 9), 'not json', row('d')]));
const allBad = file('all-bad.jsonl', jsonl(['not json', { instruction: 1 }]));
// A JSON array cut inside its third element: two rows read, then reading stops.
const whole = JSON.stringify([row('a'), row('b'), row('c')]);
const truncated = file('truncated.json', whole.slice(0, whole.length - 40));
const garbageModel = file('garbage.safetensors', 'not a model at all');
const badConfig = file('config.json', JSON.stringify({ eval: { batchy: 3 } }));
const notJson = file('not-json.json', '{"instruction": ');
const base = join(repoRoot, 'public', 'base', 'base.safetensors');
const stories = join(repoRoot, '..', 'shared', 'models', 'stories260K', 'stories260K.bin');

describe('the shared error mechanism (in process)', () => {
  it('turns each kind of error into records and an exit status', () => {
    expect(errorRecords(new UsageError('--n must be ≥ 1'))).toEqual([{ error: 'usage', message: '--n must be ≥ 1' }]);
    expect(exitCode(new UsageError('x'))).toBe(2);
    const whole = new InputError('f.json: not valid JSON', { where: { file: 'f.json' } });
    expect(errorRecords(whole)).toEqual([{ error: 'input', file: 'f.json', message: 'f.json: not valid JSON' }]);
    expect(exitCode(whole)).toBe(1);
    const rows = new InputError('2 rows rejected', {
      where: { file: 'd.jsonl' },
      issues: [
        { file: 'd.jsonl', line: 2, index: 1, field: 'score', message: 'score 9 is outside 1..5' },
        { file: 'd.jsonl', line: 3, index: 2, field: '(row)', message: 'invalid JSON' },
      ],
    });
    // The loader's 0-based index is the record's row; several issues are an array.
    expect(JSON.parse(errorJson(rows))).toEqual([
      { error: 'input', file: 'd.jsonl', line: 2, row: 1, field: 'score', message: 'score 9 is outside 1..5' },
      { error: 'input', file: 'd.jsonl', line: 3, row: 2, field: '(row)', message: 'invalid JSON' },
    ]);
    expect(JSON.parse(errorJson(new Error('no GPU adapter')))).toEqual({ error: 'failure', message: 'no GPU adapter' });
    expect(exitCode(new Error('x'))).toBe(1);
  });
  it('sees --json only before a "--"', () => {
    expect(wantsJson(['inspect', 'f', '--json'])).toBe(true);
    expect(wantsJson(['inspect', 'f'])).toBe(false);
    expect(wantsJson(['--', '--json'])).toBe(false);
  });
});

describe.concurrent('every command: --help states the exit rule; a usage error is exit 2 and JSON with --json', () => {
  it('the overview and each command listed in it', async () => {
    const overview = await tract(['--help']);
    expect(overview.status).toBe(0);
    expect(overview.stdout).toContain(EXIT_STATUS_HELP);
    const list = overview.stdout.slice(overview.stdout.indexOf('commands:'), overview.stdout.indexOf("Run 'tract <command> --help'"));
    const names = [...list.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    for (const n of ['info', 'bench', 'generate', 'run', 'pretrain', 'judge', 'data', 'export']) expect(names).toContain(n);
    const results = await Promise.all(names.map(async (n) => [n, await tract([n, '--help']), await tract([n, '--bogus-flag', '--json'])] as const));
    for (const [n, help, bad] of results) {
      expect(help.status, n).toBe(0);
      expect(help.stdout, n).toContain(EXIT_STATUS_HELP);
      expect(bad.status, `${n}: ${bad.stderr}`).toBe(2);
      expect(json(bad), n).toMatchObject({ error: 'usage', message: expect.stringMatching(/--bogus-flag/) });
      expect(bad.stderr, n).toContain(`usage: tract ${n}`);
    }
  }, 240_000);
  it('an unknown command, with --json', async () => {
    const r = await tract(['frobnicate', '--json']);
    expect(r.status).toBe(2);
    expect(json(r)).toEqual({ error: 'usage', message: "unknown command 'frobnicate'" });
  });
});

describe.concurrent('data inspect: 0 only when every row loads', () => {
  it('good: exit 0, no errors', async () => {
    const r = await tract(['data', 'inspect', good, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ accepted: 3, rejected: 0, errorCount: 0, errors: [] });
  });
  it('partly bad JSONL: exit 1, the report with the rejected row as a record', async () => {
    const r = await tract(['data', 'inspect', partly, '--json']);
    expect(r.status, r.stderr).toBe(1);
    const j = json(r);
    expect(j).toMatchObject({ accepted: 2, rejected: 1 });
    expect(j.errors).toEqual([{ error: 'input', file: partly, line: 2, row: 1, field: 'score', message: expect.stringMatching(/9/) }]);
  });
  it('a truncated JSON array with rows before the cut: exit 1 (it was 0), text and JSON', async () => {
    const [t, r] = await Promise.all([tract(['data', 'inspect', truncated]), tract(['data', 'inspect', truncated, '--json'])]);
    expect(t.status, t.stderr).toBe(1);
    expect(t.stdout).toMatch(/2 accepted, 1 rejected {2}\(reading stopped early/);
    expect(r.status).toBe(1);
    const j = json(r);
    expect(j).toMatchObject({ accepted: 2, fatal: true });
    expect(j.errors[0]).toMatchObject({ error: 'input', file: truncated, field: '(file)', message: expect.stringMatching(/truncated JSON array/) });
  });
  it('all bad: exit 1; statistics over zero rows are null in JSON and "–" in text, never NaN', async () => {
    const [t, r] = await Promise.all([tract(['data', 'inspect', allBad]), tract(['data', 'inspect', allBad, '--json'])]);
    expect(t.status).toBe(1);
    expect(t.stdout).not.toMatch(/NaN/);
    expect(t.stdout).toMatch(/labels: {4}mean – {2}sd – {2}min – {2}max –/);
    expect(t.stdout).toMatch(/total {4}p50 – {2}p90 – {2}p99 – {2}max – {2}mean –/);
    expect(t.stdout).toMatch(/0 of 0 prompts cut \(–\)/);
    expect(r.status).toBe(1);
    const j = json(r);
    expect(j.labels).toMatchObject({ mean: null, sd: null, min: null, max: null });
    expect(j.tokens.total).toMatchObject({ count: 0, p50: null, mean: null });
    // Row 1 has several bad fields: one record each.
    expect([...new Set(j.errors.map((e: { row: number }) => e.row))]).toEqual([0, 1]);
  });
  it('a file that is not there: a usage error, exit 2, JSON with --json', async () => {
    const r = await tract(['data', 'inspect', join(dir, 'nope.jsonl'), '--json']);
    expect(r.status).toBe(2);
    expect(json(r)).toMatchObject({ error: 'usage', message: expect.stringMatching(/no such file/) });
  });
  it('rubric-lab with zero rows prints "–" for its statistics', async () => {
    const r = await tract(['data', 'rubric-lab', '--out', join(dir, 'empty.jsonl'), '--train', '0', '--dev', '0', '--test', '0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/NaN/);
    expect(r.stdout).toMatch(/total p50 – {2}p90 – {2}max –/);
  });
});

describe.concurrent('run: rejected rows and a rejected config (its good path: test/cli/run_data.test.ts)', () => {
  it('one rejected row of --data: exit 1, one JSON object naming file, line, row and field', async () => {
    const r = await tract(['run', '--from-scratch', '--data', partly, '--json']);
    expect(r.status, r.stderr).toBe(1);
    expect(json(r)).toEqual({ error: 'input', file: partly, line: 2, row: 1, field: 'score', message: expect.stringMatching(/9/) });
    expect(r.stderr).toMatch(/partly\.jsonl: 1 of 3 rows were rejected/);
    expect(r.stderr).toContain(`${partly}:2 (row 1) score:`);
  });
  it('several rejected rows: exit 1, an array of records', async () => {
    const r = await tract(['run', '--from-scratch', '--data', twoBad, '--json']);
    expect(r.status, r.stderr).toBe(1);
    const j = json(r);
    expect(Array.isArray(j)).toBe(true);
    expect(j.map((e: { line: number; row: number; field: string }) => [e.line, e.row, e.field])).toEqual([
      [2, 1, 'score'],
      [3, 2, '(row)'],
    ]);
  });
  it('every row rejected, and a config with an unknown field: exit 1, the file (and field) named', async () => {
    const [a, c] = await Promise.all([tract(['run', '--from-scratch', '--data', allBad, '--json']), tract(['run', '--quick', '--config', badConfig, '--json'])]);
    expect(a.status).toBe(1);
    const rows = json(a).map((e: { file: string; row: number }) => [e.file, e.row]);
    expect(rows.length).toBeGreaterThan(2);
    expect([...new Set(rows.map((r: unknown[]) => r.join(':')))]).toEqual([`${allBad}:0`, `${allBad}:1`]);
    expect(c.status).toBe(1);
    expect(json(c)).toMatchObject({ error: 'input', file: badConfig, field: 'eval.batchy', message: expect.stringMatching(/unknown field 'eval\.batchy'/) });
  });
});

describe.concurrent('export, generate, judge, pretrain, bench, info: good, bad input, bad usage', () => {
  it('export: good --json is one object; a garbage model is exit 1 naming the file; --dtype with onnx is exit 2', async () => {
    const [ok, bad, usage] = await Promise.all([
      tract(['export', '--checkpoint', base, '--format', 'hf', '--out', join(dir, 'hf'), '--json']),
      tract(['export', '--checkpoint', garbageModel, '--format', 'hf', '--out', join(dir, 'hf2'), '--json']),
      tract(['export', '--checkpoint', base, '--format', 'onnx', '--dtype', 'f16', '--out', join(dir, 'onnx'), '--json']),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    const j = json(ok);
    expect(j).toMatchObject({ format: 'hf', verified: true });
    expect(j.files.map((f: { name: string }) => f.name)).toContain('model.safetensors');
    expect(j.checks[0]).toMatch(/imports back to the same/);
    expect(bad.status).toBe(1);
    expect(json(bad)).toMatchObject({ error: 'input', file: garbageModel });
    expect(usage.status).toBe(2);
    expect(json(usage)).toMatchObject({ error: 'usage', message: expect.stringMatching(/--dtype applies to --format hf only/) });
  }, 180_000);
  it('generate: good --json; a garbage model is exit 1; a prompt longer than the context is exit 2', async () => {
    const [ok, bad, usage] = await Promise.all([
      tract(['generate', '--checkpoint', stories, '--max-tokens', '4', '--temperature', '0', '--json']),
      tract(['generate', '--checkpoint', garbageModel, '--json']),
      tract(['generate', '--checkpoint', stories, '--prompt', 'word '.repeat(600), '--json']),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(json(ok)).toMatchObject({ tokens: 4, text: expect.any(String) });
    expect(bad.status).toBe(1);
    expect(json(bad)).toMatchObject({ error: 'input', file: garbageModel });
    expect(usage.status).toBe(2);
    expect(json(usage)).toMatchObject({ error: 'usage', message: expect.stringMatching(/--prompt is \d+ tokens/) });
  }, 180_000);
  it('judge: an --input that is not JSON is exit 1 naming the file', async () => {
    const r = await tract(['judge', '--checkpoint', base, '--input', notJson, '--json']);
    expect(r.status).toBe(1);
    expect(json(r)).toMatchObject({ error: 'input', file: notJson, message: expect.stringMatching(/not valid JSON/) });
  });
  it('pretrain: --ship without a checkpoint is exit 1 naming it; a bad --steps is exit 2', async () => {
    const [bad, usage] = await Promise.all([tract(['pretrain', '--out', join(dir, 'no-run'), '--ship', join(dir, 'ship'), '--json']), tract(['pretrain', '--steps', 'many', '--json'])]);
    expect(bad.status).toBe(1);
    expect(json(bad)).toMatchObject({ error: 'input', file: join(dir, 'no-run', 'pretrain.safetensors') });
    expect(usage.status).toBe(2);
    expect(json(usage)).toMatchObject({ error: 'usage', message: "--steps expects an integer, got 'many'" });
  });
  it('bench: an unknown benchmark is exit 2 with JSON; info --json is exit 0', async () => {
    const [bad, info] = await Promise.all([tract(['bench', 'nope', '--json']), tract(['info', '--json'])]);
    expect(bad.status).toBe(2);
    expect(json(bad)).toEqual({ error: 'usage', message: "unknown benchmark 'nope'" });
    expect(info.status, info.stderr).toBe(0);
    expect(typeof json(info).adapter).toBe('string');
  });
});

describe('a command whose code cannot load', () => {
  it('fails like any other failure: its message, exit status 1, a JSON record under --json', async () => {
    const hook = join(repoRoot, 'test', 'cli', 'fixtures', 'fail_eval_load.mjs');
    const r = await tractAsync(['eval', '--checkpoint', 'x', '--data', 'y', '--json'], { env: { NODE_OPTIONS: `--import ${hook}` } });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: 'failure', message: 'the command could not be loaded: simulated: a dependency of eval is missing' });
    expect(r.stderr).toMatch(/^tract eval: the command could not be loaded/m);
  });
});
