// No stale state (issue 15): what the app shows belongs to what is current. A judgement goes when the
// model changes; a "Resuming …" notice goes when its run (or base) stops; an error banner stays on
// the view it was raised in; a finished stage's bar is full whatever its last progress report said;
// "Judge with it" opens the Playground. Rendered from reducer state without a browser (the e2e
// suite checks the same in Chromium).
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { initialState, reducer, type Action, type State } from '../../src/ui/state.ts';
import { TrainView } from '../../src/ui/views/TrainView.tsx';
import type { ModelSummary, RunMeta } from '../../src/worker/protocol.ts';

const config = { dim: 16, hiddenDim: 48, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 384, seqLen: 288, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' as const };
const model = (name: string): ModelSummary => ({ name, origin: 'ready', format: 'safetensors', config, parameters: 1000, bytes: 2000, tokenizer: 'bpe', judge: { ok: true }, template: 'compact', description: 'a judge' });
const engine = (s: State, ...msgs: Extract<Action, { type: 'engine' }>['msgs']) => reducer(s, { type: 'engine', msgs });
const sample = { probs: [0.1, 0.2, 0.3, 0.2, 0.1], mass: 0.9, yhat: 2.6, decoded: 3, argmaxIsScore: true };
const meta = (id: string, status: RunMeta['status']): RunMeta => ({ id, label: `Run ${id}`, created: 1, updated: 2, config: DEFAULT_CONFIG, status, stages: ['seed', 'stage1', 'eval:stage1', 'cot-shift'] });

describe('no stale state', () => {
  it('a judgement goes when the model changes', () => {
    let s = engine(initialState, { type: 'model', model: model('a.safetensors') });
    s = reducer(s, { type: 'pg-start', requestId: 7 });
    s = engine(s, { type: 'judge-text', requestId: 7, pieces: [{ sample: 0, text: 'count 3' }] });
    s = engine(s, { type: 'judge-result', requestId: 7, judgement: { cots: ['count 3'], samples: [sample], yhat: 2.6, probs: sample.probs, mass: 0.9, decoded: 3 }, ms: 1, tokens: 1, backend: 'b' });
    expect(s.playground.result).not.toBeNull();
    s = engine(s, { type: 'model', model: model('b.safetensors') });
    expect(s.playground.result).toBeNull();
    expect(s.playground.cots).toEqual([]);
  });

  it('a judge still running for the old model is dropped: its late pieces and result are ignored', () => {
    let s = engine(initialState, { type: 'model', model: model('a.safetensors') });
    s = reducer(s, { type: 'pg-start', requestId: 8 });
    s = engine(s, { type: 'model', model: model('b.safetensors') });
    expect(s.playground.running).toBe(false);
    s = engine(s, { type: 'judge-text', requestId: 8, pieces: [{ sample: 0, text: 'late' }] });
    expect(s.playground.cots).toEqual([]);
  });

  it('the "Resuming …" notice goes when its run stops, other notices stay', () => {
    let s = reducer(initialState, { type: 'notice', message: 'Resuming “Run r1” from its last checkpoint', about: 'run:r1' });
    s = reducer(s, { type: 'notice', message: 'something else' });
    s = engine(s, { type: 'run-status', meta: meta('r1', 'running'), active: true });
    expect(s.notices.map((n) => n.text)).toEqual(['Resuming “Run r1” from its last checkpoint', 'something else']);
    s = engine(s, { type: 'run-status', meta: meta('r2', 'done'), active: false });
    expect(s.notices).toHaveLength(2);
    s = engine(s, { type: 'run-status', meta: meta('r1', 'done'), active: false });
    expect(s.notices.map((n) => n.text)).toEqual(['something else']);
  });

  it('a base’s "Resuming …" notice goes when its pretraining stops', () => {
    let s = reducer(initialState, { type: 'notice', message: 'Resuming the pretraining of “b”', about: 'base:b1' });
    s = engine(s, { type: 'base-status', meta: { id: 'b1', status: 'cancelled' } as never, active: false });
    expect(s.notices).toEqual([]);
  });

  it('an error banner stays on the view it was raised in', () => {
    let s = reducer({ ...initialState, view: 'data' }, { type: 'error', message: 'bad.jsonl: not JSON' });
    expect(s.errors).toHaveLength(1);
    s = reducer(s, { type: 'view', view: 'data' });
    expect(s.errors).toHaveLength(1);
    s = reducer(s, { type: 'view', view: 'train' });
    expect(s.errors).toEqual([]);
  });

  it('a finished stage’s bar is full even when its last progress report was at 80%', () => {
    let s: State = { ...initialState, view: 'train', runs: [meta('r1', 'done')], selectedRunId: 'r1' };
    s = engine(s, { type: 'run-history', runId: 'r1', history: { points: [], stages: { 'eval:stage1': { status: 'done', done: 8, total: 10, seconds: 3 }, 'cot-shift': { status: 'done', done: 4, total: 5 } }, selfCots: [], log: [] }, artifacts: [] });
    const html = renderToStaticMarkup(createElement(TrainView, { state: s, dispatch: () => {}, send: () => {} }));
    for (const stage of ['eval:stage1', 'cot-shift']) {
      const box = html.slice(html.indexOf(`data-testid="stage-${stage}"`));
      expect(box, stage).toMatch(/^[^>]*>(?:(?!data-testid="stage-).)*?aria-valuenow="100"/s);
    }
  });

  it('"Judge with it" loads the checkpoint and opens the Playground', () => {
    let s: State = { ...initialState, view: 'train', runs: [meta('r1', 'done')], selectedRunId: 'r1' };
    s = engine(s, { type: 'run-history', runId: 'r1', history: { points: [], stages: {}, selfCots: [], log: [] }, artifacts: [{ name: 'seed-1/tract.safetensors', bytes: 10 }] as never });
    const sent: unknown[] = [];
    const actions: Action[] = [];
    const el = createElement(TrainView, { state: s, dispatch: (a: Action) => actions.push(a), send: (m) => sent.push(m) });
    const tree = (TrainView as (p: typeof el.props) => ReactElement)(el.props);
    findByTestId(tree, 'judge-with-seed-1/tract.safetensors')!.props.onClick();
    expect(sent).toMatchObject([{ type: 'model-from-run', runId: 'r1', name: 'seed-1/tract.safetensors' }]);
    const after = actions.reduce(reducer, s);
    expect(after.view).toBe('playground');
  });
});

/** The element with this data-testid in a rendered element tree (props.children walked, function components called). */
function findByTestId(node: unknown, id: string): { props: { onClick: () => void } } | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = findByTestId(n, id);
      if (f) return f;
    }
    return undefined;
  }
  const el = node as { type?: unknown; props?: { 'data-testid'?: string; children?: unknown } };
  if (el.props?.['data-testid'] === id) return el as { props: { onClick: () => void } };
  // memo() components: call the inner function with its props.
  const t = el.type as { type?: unknown; compare?: unknown } | ((p: unknown) => unknown) | undefined;
  if (typeof t === 'function') return findByTestId((t as (p: unknown) => unknown)(el.props), id);
  if (t && typeof t === 'object' && typeof t.type === 'function') return findByTestId((t.type as (p: unknown) => unknown)(el.props), id);
  return findByTestId(el.props?.children, id);
}
