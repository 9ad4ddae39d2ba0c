// The Data view and the fallback texts (issue 15): a search finds what the table shows (the family
// printed under each id included); counts read as words ("1 example", "1 example without a split");
// the Learn view does not say "drag the logits below" when the demo is not there; a disabled Start
// button says why beside it.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { DataView } from '../../src/ui/views/DataView.tsx';
import { LearnView } from '../../src/ui/views/LearnView.tsx';
import { TrainView } from '../../src/ui/views/TrainView.tsx';
import { Dataset } from '../../src/worker/dataset.ts';
import type { DatasetSummary } from '../../src/worker/protocol.ts';

describe('the Data view', () => {
  it('searches every shown field: the family under the id, the split, the rubric', () => {
    const d = new Dataset();
    d.rubricLab({ seed: 1, train: 16, dev: 4, test: 4 });
    const families = new Set(d.examples.map((ex) => ex.extras?.family as string));
    expect(families.has('spelling')).toBe(true);
    const spelling = d.query('spelling', 'all', 0, 100);
    expect(spelling.total).toBe(d.examples.filter((ex) => ex.extras?.family === 'spelling').length);
    expect(spelling.rows.every((r) => r.family === 'spelling' || /spelling/i.test(r.instruction + r.response))).toBe(true);
    expect(d.query('dev', 'all', 0, 100).total).toBeGreaterThanOrEqual(4);
    const score1 = d.examples[0].rubric.levels[0].description;
    expect(d.query(score1.slice(0, 20), 'all', 0, 100).total).toBeGreaterThan(0);
  });

  const summary = (accepted: number, splits: DatasetSummary['splits']): State =>
    reducer(initialState, { type: 'engine', msgs: [{ type: 'data-loaded', summary: { name: 'f.jsonl', kind: 'file', accepted, rejected: 0, fatal: false, errors: [], errorCount: 0, splits, labelMean: 3, labelHistogram: [0, 0, 1, 0, 0], ms: 1, withReferenceCot: 0, fileSplitProblem: null } }] });
  const data = (s: State) => renderToStaticMarkup(createElement(DataView, { state: s, dispatch: () => {}, send: () => {} }));

  it('counts in words: "1 example", "1 example without a split", "1 match"', () => {
    const one = data(summary(1, { none: 1 }));
    expect(one).toContain('</strong> example accepted');
    expect(one).toContain('1 example without a split');
    expect(one).not.toMatch(/1 none|1<\/strong> examples/);
    const many = data(summary(3, { train: 2, none: 1 }));
    expect(many).toContain('</strong> examples accepted');
    expect(many).toContain('2 train, 1 example without a split');
    const s1 = reducer(summary(1, { none: 1 }), { type: 'engine', msgs: [{ type: 'data-rows', query: '', split: 'all', offset: 0, total: 1, rows: [] }] });
    expect(data(s1)).toMatch(/data-testid="data-total">1 match</);
  });
});

describe('fallback texts match what is shown', () => {
  const noGpu: State = { ...initialState, gpu: { kind: 'unavailable', reason: 'no navigator.gpu', fallback: { available: true, backend: 'onnxruntime-web' } as never } };

  it('the Learn view without WebGPU says why the demo is missing, not "drag the logits below"', () => {
    const html = renderToStaticMarkup(createElement(LearnView, { state: noGpu, dispatch: () => {}, runId: null }));
    expect(html).not.toMatch(/Drag the logits below/);
    expect(html).toMatch(/data-testid="demo-missing">The live demo .* runs the score kernels on WebGPU, which this page does not have/);
    const ready: State = { ...initialState, gpu: { kind: 'ready', adapter: {} as never, granted: {} } };
    expect(renderToStaticMarkup(createElement(LearnView, { state: ready, dispatch: () => {}, runId: null }))).toContain('Drag the logits below');
  });

  it('a disabled Start button says why beside it', () => {
    const train = (s: State) => renderToStaticMarkup(createElement(TrainView, { state: { ...s, view: 'train' }, dispatch: () => {}, send: () => {} }));
    expect(train(noGpu)).toMatch(/disabled="" data-testid="train-start">Start training<\/button><span class="muted" data-testid="train-start-why"> Training needs WebGPU/);
    expect(train(initialState)).toMatch(/data-testid="train-start-why"> Waiting for the GPU device/);
    const busy: State = { ...initialState, gpu: { kind: 'ready', adapter: {} as never, granted: {} }, activeRunId: 'r1' };
    expect(train(busy)).toMatch(/data-testid="train-start-why"> One run or pretraining trains at a time/);
  });
});
