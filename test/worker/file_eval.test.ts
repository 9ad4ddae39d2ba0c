// The Evaluate view's file evaluation (src/worker/file_eval.ts) driven through the engine's
// protocol: a file opened as the Data view opens it, judged by the ready judge with greedy CoTs,
// gives every row the line `tract eval --greedy --out` writes for it and the same summary; a row
// over the prompt budget gets no score unless cutting is asked for; progress arrives and ends at
// the total; a cancel stops it; and it says why it cannot start.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/vulkan-env.mjs';
import { allExamples, generateRubricLab, toTractJsonl } from '../../src/data/index.ts';
import type { RowLine } from '../../src/eval/file_rows.ts';
import { tract } from '../helpers/cli.ts';
import { harness } from './harness.ts';

const JUDGE = join(repoRoot, 'public', 'judge', 'tract-judge.safetensors');

describe('the Evaluate view judges the Data view\'s file as tract eval does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-file-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lab = allExamples(generateRubricLab({ seed: 12, train: 0, dev: 0, test: 24 }));
  // One row whose response is far longer than any context: over the budget.
  const long = { ...lab[0], id: 'too-long', response: 'word '.repeat(2000).trim() };
  const text = [...lab, long].map((ex) => toTractJsonl(ex)).join('\n') + '\n';
  const file = join(dir, 'rows.jsonl');
  writeFileSync(file, text);

  it('greedy: every row\'s line and the summary equal tract eval --greedy\'s; the long row is listed, unscored', async () => {
    const out = join(dir, 'cli.jsonl');
    const r = tract(['eval', '--checkpoint', JUDGE, '--data', file, '--greedy', '--out', out, '--json'], { timeoutMs: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    const cliLines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RowLine);

    const h = harness();
    await h.send({ type: 'model-ready' });
    await h.next('model');
    await h.send({ type: 'data-file', file: new File([text], 'rows.jsonl') });
    await h.next('data-loaded');
    await h.send({ type: 'eval-file', request: { nCot: 1, greedy: true, seed: 0, cut: false, renormalize: false, bootstrap: 1000 } });
    const { result } = await h.next('eval-file-result');
    const progress = h.msgs.filter((m) => m.type === 'eval-file-progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 25 - 1, total: 25 - 1 });

    expect(result.lines.map((l) => l.id)).toEqual(cliLines.map((l) => l.id));
    result.lines.forEach((l, i) => {
      const c = cliLines[i];
      expect(l.gold, l.id).toBe(c.gold);
      expect(l.prompt, l.id).toEqual(c.prompt);
      expect(l.skipped, l.id).toBe(c.skipped);
      if (c.yhat === undefined) return expect(l.yhat, l.id).toBeUndefined();
      expect(l.cots, l.id).toEqual(c.cots);
      expect(l.decoded, l.id).toBe(c.decoded);
      expect(l.yhat!, l.id).toBeCloseTo(c.yhat, 5);
    });
    const s = result.summary;
    expect(s.overflow.map((o) => o.id)).toEqual(['too-long']);
    expect(cli.overflow.map((o: { id: string }) => o.id)).toEqual(['too-long']);
    expect({ rows: s.rows, scored: s.scored, labelled: s.labelled, budget: s.budget }).toEqual({ rows: cli.rows, scored: cli.scored, labelled: cli.labelled, budget: cli.budget });
    expect(s.scored).toBe(24);
    expect(s.metrics!.n).toBe(cli.metrics.n);
    for (const m of ['pearson', 'spearman', 'kendall', 'rmse'] as const) {
      expect(s.metrics!.yhat[m].value, m).toBeCloseTo(cli.metrics.yhat[m].value, 5);
      expect(s.metrics!.yhat[m].lo, m).toBeCloseTo(cli.metrics.yhat[m].lo, 5);
    }
    // Rubric Lab's four families are four rubrics: the per-rubric breakdown is there, as in tract eval's.
    expect(s.rubrics.length).toBe(cli.rubrics.length);
    expect(s.rubrics.length).toBeGreaterThan(1);
    expect(result.backend).toMatch(/^WebGPU on /);

    // Cutting: the long row is scored too, its prompt cut to the budget.
    await h.send({ type: 'eval-file', request: { nCot: 1, greedy: true, seed: 0, cut: true, renormalize: false, bootstrap: 200 } });
    const cut = (await h.next('eval-file-result', (m) => m.result.summary.cut.to !== null)).result;
    expect(cut.summary.scored).toBe(25);
    expect(cut.summary.cut).toEqual({ count: 1, to: cut.summary.budget });
    expect(cut.lines.at(-1)).toMatchObject({ id: 'too-long', prompt: { cut: true } });
    // Rows that fit are judged exactly as without cutting.
    expect(cut.lines[3].yhat).toBe(result.lines[3].yhat);
  }, 400_000);

  it('a cancel stops it, and it says why it cannot start', async () => {
    const h = harness();
    await h.send({ type: 'eval-file', request: { nCot: 1, greedy: true, seed: 0, cut: false, renormalize: false, bootstrap: 10 } });
    expect((await h.next('eval-file-failed')).message).toMatch(/no model is loaded yet/);
    await h.send({ type: 'model-ready' });
    await h.next('model');
    const after = h.msgs.length;
    await h.send({ type: 'eval-file', request: { nCot: 1, greedy: true, seed: 0, cut: false, renormalize: false, bootstrap: 10 } });
    expect((await h.next('eval-file-failed', () => true, after)).message).toMatch(/the Data view has no examples/);
    await h.send({ type: 'data-rubric-lab', request: { seed: 2, train: 0, dev: 0, test: 300 } });
    await h.next('data-loaded');
    const bad = h.msgs.length;
    await h.send({ type: 'eval-file', request: { nCot: 9, greedy: true, seed: 0, cut: false, renormalize: false, bootstrap: 10 } });
    expect((await h.next('eval-file-failed', () => true, bad)).message).toMatch(/CoTs per row must be 1\.\.8, got 9/);
    const before = h.msgs.length;
    const running = h.send({ type: 'eval-file', request: { nCot: 1, greedy: true, seed: 0, cut: false, renormalize: false, bootstrap: 10 } });
    await h.next('eval-file-progress', () => true, before);
    await h.send({ type: 'eval-file-cancel' });
    await running;
    const failed = await h.next('eval-file-failed', () => true, before);
    expect(failed.cancelled).toBe(true);
    expect(h.msgs.slice(before).some((m) => m.type === 'eval-file-result')).toBe(false);
    const judged = h.msgs.slice(before).filter((m) => m.type === 'eval-file-progress').at(-1) as { done: number; total: number };
    expect(judged.done).toBeLessThan(judged.total);
  }, 300_000);
});
