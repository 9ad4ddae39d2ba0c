// `tract eval`'s summary (src/cli/eval_summary.ts), without a GPU: metrics over exactly the scored,
// labelled rows (src/eval/metrics.ts), per-rubric groups by criteria text, rows without a score
// counted by why, and undefined statistics shown as "–" (null in JSON), never NaN.
import { describe, expect, it } from 'vitest';
import { evalSummary, summaryText } from '../../src/cli/eval_summary.ts';
import type { JudgeRows } from '../../src/cli/judge_file.ts';
import type { PromptPlan, RowLine } from '../../src/eval/file_rows.ts';
import { generateRubricLab } from '../../src/data/index.ts';
import { allMetrics } from '../../src/eval/metrics.ts';

const lab = generateRubricLab({ seed: 2, train: 0, dev: 0, test: 8 });
const ex = lab.test.map((e, i) => ({ ...e, rubric: { ...e.rubric, criteria: i < 5 ? 'A' : i < 7 ? 'B' : 'C' } }));
const yhat = [1.5, 2.2, 3.1, 4.4, 2.9, 3.3, 1.2, 4.0];
const gold = [2, 2, 3, 5, 3, 4, 1, null];

function summary(o: { overflow?: number[]; json?: boolean } = {}) {
  const plans: PromptPlan[] = ex.map((_, i) => (o.overflow?.includes(i) ? { kind: 'overflow', uncut: 999 } : { kind: 'fits', ids: 50 }));
  const lines: RowLine[] = ex.map((e, i) =>
    plans[i].kind === 'overflow'
      ? { id: e.id, gold: gold[i], prompt: { uncut: 999, budget: 120 }, skipped: 'overflow', error: 'over' }
      : { id: e.id, gold: gold[i], yhat: yhat[i], decoded: Math.round(yhat[i]), probs: [0.2, 0.2, 0.2, 0.2, 0.2], mass: 1, cots: ['c'], prompt: { ids: 50, cut: false } },
  );
  const rows: JudgeRows = { file: 'f.jsonl', examples: ex, gold, issues: [], rejected: 0, fatal: false, warnings: [] };
  return evalSummary({ file: 'f.jsonl', checkpoint: 'm', rows, lines, plans, cutTo: undefined, budget: 120, promptFit: {}, settings: { bootstrap: 100 }, seconds: 1, out: null, errors: [] });
}

describe('tract eval summary', () => {
  it('scores against the labelled scored rows only, per rubric by criteria text', () => {
    const s = summary({ overflow: [2] });
    expect(s).toMatchObject({ rows: 8, scored: 7, labelled: 7, overflow: [{ id: ex[2].id, promptIds: 999 }] });
    const keep = [0, 1, 3, 4, 5, 6];
    const want = allMetrics(keep.map((i) => yhat[i]), keep.map((i) => gold[i]!), { samples: 100, seed: 1 });
    expect(s.metrics!.n).toBe(6);
    expect(s.metrics!.yhat).toEqual(want);
    expect(s.rubrics.map((g) => [g.criteria, g.rows, g.n])).toEqual([['A', 5, 4], ['B', 2, 2], ['C', 1, 0]]);
    expect(s.rubrics[2].metrics).toBeNull();
  });

  it('prints "–" for undefined statistics, never NaN, and counts what was not scored', () => {
    const s = summary({ overflow: [2] });
    const text = summaryText(s).join('\n');
    expect(text).toMatch(/8 rows; 7 scored, 1 without a score; 7 with a label/);
    expect(text).toMatch(/over the context .*: 1\n {2}over the context: .* \(999 ids\)/);
    // Rubric B has two rows: correlations are ±1 or undefined, never NaN in the text.
    expect(text).not.toMatch(/NaN/);
    expect(text).toMatch(/3 rubrics by criteria text, 1 with no scored labelled row/);
    const one = summaryText({ ...s, metrics: { ...s.metrics!, yhat: { ...s.metrics!.yhat, pearson: { value: NaN, lo: NaN, hi: NaN } } } }).join('\n');
    expect(one).toMatch(/Pearson r +– \[–, –\]/);
  });
});
