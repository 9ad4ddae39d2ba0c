// The Evaluate view's file evaluation panel (src/ui/components/FileEvalPanel.tsx), rendered from
// reducer state without a browser: it says what is missing before it can start; while running, a
// progress bar with rows judged and an ETA; when done, tract eval's agreement table with CIs (ŷ and
// decoded), the per-rubric table, the rows with no score and why, dataset text as text (never HTML);
// a result for another dataset is marked stale; the CSV rows flatten tract eval's --out lines.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { allExamples, generateRubricLab } from '../../src/data/index.ts';
import { evalSummary } from '../../src/eval/file_summary.ts';
import type { RowLine } from '../../src/eval/file_rows.ts';
import { fileEvalCsvRows, FileEvalPanel } from '../../src/ui/components/FileEvalPanel.tsx';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import type { DatasetSummary, FileEvalResult, ModelSummary } from '../../src/worker/protocol.ts';

const render = (state: State) => renderToStaticMarkup(createElement(FileEvalPanel, { state, dispatch: () => {}, send: () => {} }));

const dataset = { name: 'mine <b>x</b>.jsonl', accepted: 40 } as unknown as DatasetSummary;
const model = { name: 'judge.safetensors', judge: { ok: true } } as unknown as ModelSummary;
const ready: State = { ...initialState, gpu: { kind: 'ready', adapter: {} as never, granted: {} }, data: { ...initialState.data, summary: dataset }, model: { ...initialState.model, current: model } };

function result(): FileEvalResult {
  const examples = allExamples(generateRubricLab({ seed: 3, train: 0, dev: 0, test: 40 }));
  examples[0] = { ...examples[0], rubric: { ...examples[0].rubric, criteria: '<img src=x onerror=alert(1)> Is it right?' } };
  const lines: RowLine[] = examples.map((ex, i) =>
    i === 5
      ? { id: ex.id, gold: ex.label, prompt: { uncut: 900, budget: 180 }, skipped: 'overflow', error: 'over the budget' }
      : { id: ex.id, gold: ex.label, yhat: ex.label + ((i % 3) - 1) * 0.3, decoded: Math.round(ex.label), probs: [0.1, 0.2, 0.4, 0.2, 0.1], mass: 0.98, cots: ['a <script>cot</script>'], samples: [], prompt: { ids: 120, cut: false } },
  );
  const plans = lines.map((l) => (l.skipped ? { kind: 'overflow' as const, uncut: 900 } : { kind: 'fits' as const, ids: 120 }));
  const summary = evalSummary({
    file: dataset.name,
    checkpoint: model.name,
    rows: { examples, gold: examples.map((e) => e.label), rejected: 2 },
    lines,
    plans,
    cutTo: undefined,
    budget: 180,
    promptFit: null,
    settings: { bootstrap: 200 },
    seconds: 3.2,
    out: null,
    errors: [],
  });
  return { summary, lines, model: model.name, backend: 'WebGPU on test', promptFit: { note: 'prompts get the CoT room of 64 tokens the judge was trained with', warnings: [] } };
}

describe('the Evaluate view evaluates the Data view\'s dataset', () => {
  it('says what is missing before it can start', () => {
    expect(render(initialState)).toContain('Open a file (or generate Rubric Lab) in the Data view first.');
    expect(render({ ...ready, model: { ...ready.model, current: null } })).toContain('Load a model in the Model view first.');
    expect(render({ ...ready, gpu: { kind: 'probing' } } as State)).toContain('Evaluating a file needs WebGPU.');
    const html = render(ready);
    expect(html).toMatch(/<button[^>]*data-testid="file-eval-start"[^>]*>Evaluate<\/button>/);
    expect(html).not.toMatch(/data-testid="file-eval-start"[^>]*disabled/);
    expect(html).toContain('mine &lt;b&gt;x&lt;/b&gt;.jsonl'); // a file name is text
  });

  it('running: progress with rows judged and an ETA, and a cancel button', () => {
    let s = reducer(ready, { type: 'file-eval-start', dataset: dataset.name });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'eval-file-progress', done: 10, total: 40, ms: 5000 }] });
    const html = render(s);
    expect(html).toContain('10 of 40 rows judged');
    expect(html).toContain('about 15 s left');
    expect(html).toContain('aria-valuenow="25"');
    expect(html).toContain('data-testid="file-eval-cancel"');
    s = reducer(s, { type: 'file-eval-cancel' });
    expect(render(s)).toContain('cancelling after the rows in flight');
    s = reducer(s, { type: 'engine', msgs: [{ type: 'eval-file-failed', message: 'the evaluation was cancelled', cancelled: true }] });
    expect(s.fileEval.status).toBe('cancelled');
    expect(render(s)).toContain('Cancelled: nothing was kept.');
  });

  it('done: the agreement table with CIs, per rubric, the rows with no score; dataset text is text', () => {
    const r = result();
    let s = reducer(ready, { type: 'file-eval-start', dataset: dataset.name });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'eval-file-result', result: r }] });
    const html = render(s);
    const m = r.summary.metrics!;
    expect(m.n).toBe(39);
    expect(html).toContain(`${m.yhat.pearson.value!.toFixed(3)} [${m.yhat.pearson.lo!.toFixed(3)}, ${m.yhat.pearson.hi!.toFixed(3)}]`);
    expect(html).toContain(`${m.decoded.rmse.value!.toFixed(3)} [`);
    expect(html).toContain('n = 39; percentile-bootstrap 95% CI, 200 resamples');
    expect(html).toContain('40 rows, 2 rejected when loading; 39 scored, 1 without a score; 40 with a label');
    expect(html).toContain('data-testid="file-eval-rubrics"');
    expect(r.summary.rubrics.length).toBeGreaterThan(1);
    expect(html).toContain(`${r.lines[5].id}: the prompt takes 900 ids, over the budget of 180`);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    // A result for a dataset no longer in the Data view is marked as such.
    const other = { ...s, data: { ...s.data, summary: { ...dataset, name: 'other.jsonl' } } };
    expect(render(other)).toContain('This result is for mine &lt;b&gt;x&lt;/b&gt;.jsonl, not the dataset now in the Data view.');
    // A failure shows its message.
    const failed = reducer(reducer(ready, { type: 'file-eval-start', dataset: dataset.name }), { type: 'engine', msgs: [{ type: 'eval-file-failed', message: 'no <model>', cancelled: false }] });
    expect(render(failed)).toContain('no &lt;model&gt;');
  });

  it('CSV rows flatten tract eval\'s lines: K probabilities as p1..pK, skipped rows with their error', () => {
    const rows = fileEvalCsvRows(result().lines);
    expect(Object.keys(rows[0])).toEqual(['id', 'gold', 'yhat', 'decoded', 'mass', 'p1', 'p2', 'p3', 'p4', 'p5', 'prompt_ids', 'prompt_cut', 'skipped', 'error', 'cot']);
    expect(rows[0].p3).toBe(0.4);
    expect(rows[5]).toMatchObject({ yhat: '', skipped: 'overflow', error: 'over the budget', prompt_ids: '' });
  });
});
