// `tract eval` and batch `tract judge --out` end to end on a tiny random judge (GPU: lavapipe on CI;
// no adapter fails the test). Only agreement between commands matters here, not the verdicts:
//   - eval --greedy gives each row the ŷ `tract judge --greedy` gives it (same prompt fit, same CoT
//     length), a row over the context gets no score and is listed, --max-prompt-tokens budget cuts it
//     as tract judge does; metrics are src/eval/metrics.ts's over the scored, labelled rows; a
//     rejected row is listed as a JSON error record and makes the exit status 1;
//   - judge --out, interrupted (--limit, then a torn last line), resumes to exactly the input's ids
//     in order, with eval's ŷ; an --out of another input is refused;
//   - usage and input errors: exit 2 and 1, JSON records on stdout with --json.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePrompt, generateRubricLab, promptBudget, toTractJsonl, trainRubricLabTokenizer, type PromptFit } from '../../src/data/index.ts';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { metric } from '../../src/eval/metrics.ts';
import { buildLayout, initParams, makeConfig, saveCheckpoint } from '../../src/model/index.ts';
import { tract } from '../helpers/cli.ts';

const lab = generateRubricLab({ seed: 7, train: 60, dev: 0, test: 6 });
const tok = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
const config = makeConfig({ dim: 16, nLayers: 1, nHeads: 2, vocabSize: tok.vocabSize, seqLen: 160 });
/** The trained rule recorded in the run's report (small, so CoTs are short): CoTs up to 12 tokens. */
const fit: PromptFit = { seqLen: 160, maxCotTokens: 16 };
const budget = promptBudget(tok, fit);
const runConfig = { ...DEFAULT_CONFIG, selfCot: { ...DEFAULT_CONFIG.selfCot, maxTokens: 16 }, eval: { ...DEFAULT_CONFIG.eval, maxCotTokens: 12 } };

// Six rows; the third made too long for the context.
const rows = lab.test.map((ex, i) => (i === 2 ? { ...ex, response: `${ex.response} ${'and some more words '.repeat(25)}`.trim() } : ex));
const ids = rows.map((r) => r.id);
const overflowIds = rows.filter((r) => encodePrompt(r, tok, 'compact').length > budget).map((r) => r.id);

const dir = mkdtempSync(join(tmpdir(), 'tract-eval-'));
mkdirSync(join(dir, 'seed-1'));
const ckpt = join(dir, 'seed-1', 'tract.safetensors');
writeFileSync(ckpt, saveCheckpoint({ config, params: initParams(buildLayout(config), 3), tokenizer: tok.describe(), training: { stage: 'tract', step: 1, seed: 1 } }));
writeFileSync(join(dir, 'report.json'), JSON.stringify({ config: runConfig, modelConfig: config, data: { promptFit: { ...fit, budget } } }));

const lines = (xs: readonly string[]) => xs.map((l) => l + '\n').join('');
// The eval file: the six rows, then one that does not load (line 7, row 6).
const data = join(dir, 'data.jsonl');
const badRow = JSON.stringify({ ...JSON.parse(toTractJsonl(rows[0])), id: 'bad', rubric: { ...JSON.parse(toTractJsonl(rows[0])).rubric, score3: '' } });
writeFileSync(data, lines([...rows.map(toTractJsonl), badRow]));
// The batch file: the same rows without labels.
const unlabelled = join(dir, 'rows.jsonl');
writeFileSync(unlabelled, lines(rows.map((r) => { const { scores: _s, ...o } = JSON.parse(toTractJsonl(r)); return JSON.stringify(o); })));

const readLines = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const run = (args: string[]) => {
  const r = tract(args);
  return { ...r, json: () => JSON.parse(r.stdout) };
};
const judgeOne = (row: (typeof rows)[number]) => {
  const p = join(dir, `${row.id}.json`);
  writeFileSync(p, toTractJsonl(row));
  const r = run(['judge', '--checkpoint', ckpt, '--input', p, '--greedy', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return r.json();
};

describe('tract eval', () => {
  const res = join(dir, 'res.jsonl');
  const cutRes = join(dir, 'res-cut.jsonl');

  it("scores each row as tract judge --greedy does, lists rows over the context and the rejected row, and reports metrics over the scored rows", () => {
    expect(overflowIds).toEqual([ids[2]]);
    const r = run(['eval', '--checkpoint', ckpt, '--data', data, '--greedy', '--json', '--out', res, '--bootstrap', '200']);
    expect(r.status, r.stderr).toBe(1); // a rejected row
    expect(r.stderr).toMatch(/eval +\[#+\] 5\/5 .*ETA/);
    const s = r.json();
    expect(s).toMatchObject({ rows: 6, scored: 5, labelled: 6, rejected: 1, budget, cut: { count: 0, to: null }, failed: [], unfit: [] });
    expect(s.overflow.map((o: { id: string }) => o.id)).toEqual(overflowIds);
    expect(s.errors).toEqual([{ error: 'input', file: data, line: 7, row: 6, field: 'rubric.score3', message: 'expected text, got an empty string ""' }]);
    expect(s.promptFit).toMatchObject({ seqLen: 160, promptCotTokens: 16, maxCotTokens: 12, asTrained: true });

    const out = readLines(res);
    expect(out.map((l) => l.id)).toEqual(ids);
    const over = out[2];
    expect(over).toMatchObject({ id: ids[2], gold: rows[2].label, skipped: 'overflow', prompt: { budget } });
    expect(over.yhat).toBeUndefined();
    const scored = out.filter((l) => l.yhat !== undefined);
    expect(scored).toHaveLength(5);
    for (const l of scored) {
      expect(l.probs).toHaveLength(5);
      expect(l.cots).toHaveLength(1);
      expect(l.prompt.cut).toBe(false);
    }
    // The metrics are computed on exactly the scored, labelled rows.
    expect(s.metrics.n).toBe(5);
    expect(s.metrics.yhat.pearson.value).toBeCloseTo(metric('pearson', scored.map((l) => l.yhat), scored.map((l) => l.gold)), 12);
    expect(s.metrics.decoded.rmse.value).toBeCloseTo(metric('rmse', scored.map((l) => l.decoded), scored.map((l) => l.gold)), 12);
    // Per rubric: one group per criteria text, rows counted in each.
    const criteria = new Set(rows.map((x) => x.rubric.criteria));
    expect(criteria.size).toBeGreaterThan(1);
    expect(s.rubrics.map((g: { criteria: string }) => g.criteria).sort()).toEqual([...criteria].sort());
    expect(s.rubrics.reduce((a: number, g: { rows: number }) => a + g.rows, 0)).toBe(6);

    // tract judge --greedy, row by row: the same CoT and ŷ.
    for (const i of [0, 4]) {
      const j = judgeOne(rows[i]);
      expect(out[i].cots).toEqual(j.cots);
      expect(out[i].yhat).toBe(j.yhat);
      expect(out[i].probs).toEqual(j.probs);
    }
  });

  it('--max-prompt-tokens budget cuts the long prompt as tract judge does, and says so', () => {
    const r = run(['eval', '--checkpoint', ckpt, '--data', data, '--greedy', '--out', cutRes, '--bootstrap', '50']);
    // Text output (no --json without the flag): the count of rows over the context is printed.
    expect(r.stdout).toMatch(/over the context \(prompt over the budget of \d+ ids, not scored; --max-prompt-tokens cuts them instead\): 1\n {2}over the context: .*-00002 \(\d+ ids\)/);
    expect(r.stdout).toMatch(/Kendall τ-b/);
    const c = run(['eval', '--checkpoint', ckpt, '--data', data, '--greedy', '--json', '--out', cutRes, '--max-prompt-tokens', 'budget', '--bootstrap', '50']);
    expect(c.status, c.stderr).toBe(1);
    expect(c.json()).toMatchObject({ scored: 6, overflow: [], cut: { count: 1, to: budget } });
    const out = readLines(cutRes);
    expect(out[2].prompt).toEqual({ ids: expect.any(Number), cut: true });
    const j = judgeOne(rows[2]);
    expect(j.prompt.cut).toBe(true);
    expect(out[2].prompt.ids).toBe(j.prompt.ids);
    expect(out[2].yhat).toBe(j.yhat);
    // Rows that fit are unchanged by the flag.
    expect(out[0].yhat).toBe(readLines(res)[0].yhat);
    // Below the budget: every prompt over N is cut to at most N ids; the others keep tract judge's ŷ.
    const n = Math.max(...readLines(res).filter((l) => l.yhat !== undefined).map((l) => l.prompt.ids)) - 1;
    const lower = join(dir, 'res-lower.jsonl');
    const l = run(['eval', '--checkpoint', ckpt, '--data', data, '--greedy', '--json', '--out', lower, '--max-prompt-tokens', String(n), '--bootstrap', '50']);
    const lowerLines = readLines(lower);
    const over = rows.map((_, i) => i).filter((i) => encodePrompt(rows[i], tok, 'compact').length > n);
    expect(l.json()).toMatchObject({ scored: 6, cut: { count: over.length, to: n } });
    lowerLines.forEach((x, i) => {
      expect(x.prompt.cut).toBe(over.includes(i));
      if (over.includes(i)) expect(x.prompt.ids).toBeLessThanOrEqual(n);
      else expect(x.yhat).toBe(readLines(res)[i].yhat);
    });
  });

  it('batch judging resumes after --limit and after a torn last line: the input ids exactly once, in order', () => {
    const graded = join(dir, 'graded.jsonl');
    const judge = (...more: string[]) => run(['judge', '--checkpoint', ckpt, '--input', unlabelled, '--out', graded, '--greedy', '--json', ...more]);
    const a = judge('--limit', '2');
    expect(a.status, a.stderr).toBe(0);
    expect(a.json()).toMatchObject({ rows: 6, written: 2, judgedNow: 2, complete: false });
    expect(readLines(graded).map((l) => l.id)).toEqual(ids.slice(0, 2));
    // The model and settings are recorded beside it; continuing with others is refused, nothing appended.
    expect(JSON.parse(readFileSync(`${graded}.judge.json`, 'utf8'))).toMatchObject({ greedy: true, nCot: 1, checkpoint: ckpt });
    const other = judge('--n-cot', '2');
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/was started with other settings than this run's: nCot 1 then, 2 now/);
    expect(readLines(graded).map((l) => l.id)).toEqual(ids.slice(0, 2));
    // Interrupted in the middle of writing row 2's line.
    truncateSync(graded, readFileSync(graded).indexOf(0x0a) + 1 + 30);
    const b = judge('--limit', '2');
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/dropped a torn last line \(30 bytes\)/);
    expect(b.json()).toMatchObject({ resumedAt: 1, written: 3, droppedTornBytes: 30, promptsCut: 1 });
    const c = judge();
    expect(c.status, c.stderr).toBe(0);
    expect(c.json()).toMatchObject({ resumedAt: 3, written: 6, complete: true, promptsCut: 0 });
    const out = readLines(graded);
    expect(out.map((l) => l.id)).toEqual(ids);
    expect(out.every((l) => l.gold === null)).toBe(true);
    // The same ŷ as eval (cutting to the budget, as tract judge does), whatever the chunks were.
    expect(out.map((l) => l.yhat)).toEqual(readLines(cutRes).map((l) => l.yhat));
    // A finished output is left as it is; another input's output is refused.
    const before = statSync(graded).mtimeMs;
    expect(judge().json()).toMatchObject({ judgedNow: 0, complete: true });
    expect(statSync(graded).mtimeMs).toBe(before);
    const reversed = join(dir, 'reversed.jsonl');
    writeFileSync(reversed, lines(readFileSync(unlabelled, 'utf8').trimEnd().split('\n').reverse()));
    const d = run(['judge', '--checkpoint', ckpt, '--input', reversed, '--out', graded, '--json']);
    expect(d.status).toBe(1);
    expect(d.json()).toMatchObject({ error: 'input', file: graded, line: 1, row: 0, field: 'id' });
    expect(d.stderr).toMatch(/another input's output/);
    expect(readLines(graded).map((l) => l.id)).toEqual(ids);
  });
});

describe('tract eval / judge --out: errors', () => {
  it('usage errors exit 2, rejected input exits 1, with JSON records under --json; --help documents the exit status', () => {
    const noData = run(['eval', '--checkpoint', ckpt, '--json']);
    expect(noData.status).toBe(2);
    expect(noData.json()).toEqual({ error: 'usage', message: '--data is required' });
    const tooLong = run(['eval', '--checkpoint', ckpt, '--data', data, '--max-prompt-tokens', '100000']);
    expect(tooLong.status).toBe(2);
    expect(tooLong.stderr).toMatch(new RegExp(`--max-prompt-tokens 100000 is more than the prompt budget of ${budget} ids`));

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, lines([badRow, '{"id": 3, "instruction": 5}']));
    const e = run(['eval', '--checkpoint', ckpt, '--data', bad, '--json']);
    expect(e.status).toBe(1);
    const records = e.json();
    expect(records[0]).toEqual({ error: 'input', file: bad, line: 1, row: 0, field: 'rubric.score3', message: 'expected text, got an empty string ""' });
    expect(records.slice(1).every((x: { file: string; line: number; row: number; field: string }) => x.file === bad && x.line === 2 && x.row === 1 && x.field)).toBe(true);

    // Batch judging judges nothing when a row is rejected (its output must line up with the input).
    const graded = join(dir, 'never.jsonl');
    const b = run(['judge', '--checkpoint', ckpt, '--input', data, '--out', graded, '--json']);
    expect(b.status).toBe(1);
    expect(b.json()).toMatchObject({ error: 'input', file: data, line: 7, row: 6, field: 'rubric.score3' });
    expect(existsSync(graded)).toBe(false);
    expect(run(['judge', '--checkpoint', ckpt, '--input', data, '--limit', '2']).status).toBe(2);

    const help = run(['eval', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/exit status[^]*0 +success[^]*1 +input rejected[^]*2 +usage/);
    expect(run(['judge', '--help']).stdout).toMatch(/Resumable/);
  });
});
