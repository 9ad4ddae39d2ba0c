// Training on your own file (issue 15): the Train view offers the file loaded in the Data view, with
// its own split field or a random split set here (sizes shown as the worker makes them), sends the
// choice with the run, and with a file that has no feedback disables the methods that need
// reference CoTs, saying why beside each and beside Start. The worker's userRun splits and refuses
// the same way.
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { allExamples, generateRubricLab, type JudgeExample } from '../../src/data/index.ts';
import { QUICK_CONFIG } from '../../src/eval/config.ts';
import { runPreset } from '../../src/ui/presets.ts';
import { initialState, reducer, type Action, type State } from '../../src/ui/state.ts';
import { TrainView } from '../../src/ui/views/TrainView.tsx';
import type { DatasetSummary } from '../../src/worker/protocol.ts';
import { userRun } from '../../src/worker/user_data.ts';

const summary = (withReferenceCot: number, fileSplitProblem: string | null): DatasetSummary => ({
  name: 'mine.jsonl',
  kind: 'file',
  accepted: 60,
  rejected: 0,
  fatal: false,
  errors: [],
  errorCount: 0,
  splits: { none: 60 },
  labelMean: 3,
  labelHistogram: [12, 12, 12, 12, 12],
  ms: 1,
  withReferenceCot,
  fileSplitProblem,
});
const ready = (s: DatasetSummary): State => {
  const st = reducer({ ...initialState, view: 'train', gpu: { kind: 'ready', adapter: {} as never, granted: {} }, runSeed: { kind: 'scratch' } }, { type: 'engine', msgs: [{ type: 'data-loaded', summary: s }] });
  return st;
};
const html = (s: State) => renderToStaticMarkup(createElement(TrainView, { state: s, dispatch: () => {}, send: () => {} }));

describe('the Train view on your own file', () => {
  it('offers the loaded file with a random split when it has no split field, and sends the choice with the run', () => {
    let s = ready(summary(60, '60 of 60 rows have no split field'));
    expect(html(s)).toMatch(/data-testid="train-data-file"[^>]*\/> the file loaded in the Data view: <strong>mine\.jsonl<\/strong>, 60 examples, each with feedback/);
    s = reducer(s, { type: 'train-data', data: { source: 'file', split: { kind: 'random', dev: 0.1, test: 0.2, seed: 1 } } });
    const out = html(s);
    expect(out).toMatch(/data-testid="split-file"[^>]*disabled=""|disabled=""[^>]*data-testid="split-file"/);
    expect(out).toContain('(cannot: 60 of 60 rows have no split field)');
    expect(out).toContain('data-testid="split-sizes">→ 42 train / 6 dev / 12 test');
    expect(out).toMatch(/Data: mine\.jsonl, 42 train \/ 6 dev \/ 12 test/);
    const sent: { type: string; data?: unknown }[] = [];
    const el = createElement(TrainView, { state: s, dispatch: () => {}, send: (m) => sent.push(m) });
    findByTestId((TrainView as (p: typeof el.props) => ReactElement)(el.props), 'train-start')!.props.onClick();
    expect(sent).toMatchObject([{ type: 'train-start', data: { kind: 'random', dev: 0.1, test: 0.2, seed: 1 }, label: expect.stringMatching(/on mine\.jsonl/) }]);
  });

  it('a file without feedback: the CoT methods are disabled with the reason, and Start says what to untick', () => {
    let s = ready(summary(0, null));
    s = reducer(s, { type: 'config', config: runPreset('smoke'), preset: 'smoke' });
    s = reducer(s, { type: 'train-data', data: { source: 'file', split: { kind: 'file' } } });
    const out = html(s);
    expect(out).toMatch(/data-testid="method-why-tract-cotrail"> — needs reference CoTs \(feedback\) and the file has none/);
    expect(out).not.toContain('data-testid="method-why-label-raft-rail"');
    expect(out).toMatch(/disabled="" data-testid="train-start">Start training<\/button><span class="muted" data-testid="train-start-why"> stage 1 only \+ CoT-RAIL, TRACT \+ decoding, TRACT \+ CoT-RAIL need reference CoTs, which mine\.jsonl does not have: untick them\./);
    // Choosing such a file keeps only the label-only methods.
    const actions: Action[] = [];
    const el = createElement(TrainView, { state: { ...s, trainData: { source: 'rubric-lab' } }, dispatch: (a: Action) => actions.push(a), send: () => {} });
    findByTestId((TrainView as (p: typeof el.props) => ReactElement)(el.props), 'train-data-file')!.props.onChange();
    const after = actions.reduce(reducer, s);
    expect(after.config.methods).toEqual(['label-ce-decode', 'label-raft-rail']);
    expect(after.trainData).toEqual({ source: 'file', split: { kind: 'file' } });
  });

  it('loading another dataset goes back to Rubric Lab', () => {
    let s = reducer(ready(summary(60, null)), { type: 'train-data', data: { source: 'file', split: { kind: 'file' } } });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'data-loaded', summary: { ...summary(60, null), name: 'Rubric Lab (seed 1)', kind: 'rubric-lab' } }] });
    expect(s.trainData).toEqual({ source: 'rubric-lab' });
  });
});

describe("the worker's userRun", () => {
  const examples: JudgeExample[] = allExamples(generateRubricLab({ seed: 3, train: 60, dev: 0, test: 0 })).map(({ split: _s, ...ex }) => ex);
  it('splits, sizes the config to the split, and records it for the run', () => {
    const r = userRun('mine.jsonl', examples, { kind: 'random', dev: 0.1, test: 0.2, seed: 1 }, QUICK_CONFIG);
    expect([r.data.train.length, r.data.dev.length, r.data.test.length]).toEqual([42, 6, 12]);
    expect(r.config.data).toMatchObject({ train: 42, dev: 6, test: 12 });
    expect(r.meta).toMatchObject({ name: 'mine.jsonl', withReferenceCot: 42 });
  });
  it('refuses the CoT methods on a file without feedback, naming them', () => {
    const bare = examples.map(({ feedback: _f, ...ex }) => ex);
    expect(() => userRun('bare.jsonl', bare, { kind: 'random', dev: 0.1, test: 0.2, seed: 1 }, QUICK_CONFIG)).toThrow(/bare\.jsonl: no training example has feedback to use as a reference CoT, so .*tract-cotrail.* cannot train; choose label-only methods \(label-ce-decode, label-raft-rail\)/);
    const ok = userRun('bare.jsonl', bare, { kind: 'random', dev: 0.1, test: 0.2, seed: 1 }, { ...QUICK_CONFIG, methods: ['label-raft-rail'] });
    expect(ok.meta.withReferenceCot).toBe(0);
  });
});

function findByTestId(node: unknown, id: string): { props: { onClick: () => void; onChange: () => void } } | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = findByTestId(n, id);
      if (f) return f;
    }
    return undefined;
  }
  const el = node as { type?: unknown; props?: { 'data-testid'?: string; children?: unknown } };
  if (el.props?.['data-testid'] === id) return el as { props: { onClick: () => void; onChange: () => void } };
  const t = el.type as { type?: unknown } | ((p: unknown) => unknown) | undefined;
  if (typeof t === 'function') return findByTestId((t as (p: unknown) => unknown)(el.props), id);
  if (t && typeof t === 'object' && typeof t.type === 'function') return findByTestId((t.type as (p: unknown) => unknown)(el.props), id);
  return findByTestId(el.props?.children, id);
}
