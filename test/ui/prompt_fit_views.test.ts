// The Playground and the Data view say which prompt-fit rule a judge sees its prompts under: the
// Playground's CoT-tokens input stops at the CoT room the loaded judge was trained with (its default
// is the run's evaluation length) and says where that room was recorded, or that none was; the Data
// view's example detail says whether the prompt was cut under the rule and what the rule is.
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ExampleDetail, ModelSummary } from '../../src/worker/protocol.ts';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { DataView } from '../../src/ui/views/DataView.tsx';
import { PlaygroundView } from '../../src/ui/views/PlaygroundView.tsx';
import { fivePoint } from '../../src/data/levels.ts';

const config = { dim: 16, hiddenDim: 48, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 384, seqLen: 288, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' as const };
const judge = (extra: Partial<ModelSummary> = {}): ModelSummary => ({
  name: 'tract-judge.safetensors',
  origin: 'ready',
  format: 'safetensors',
  config,
  parameters: 1000,
  bytes: 2000,
  tokenizer: 'rubric-lab-bpe-384',
  judge: { ok: true },
  template: 'compact',
  description: 'a judge',
  ...extra,
});
const ready = (model: ModelSummary): State =>
  reducer(initialState, {
    type: 'engine',
    msgs: [
      { type: 'ready', adapter: { vendor: 'v', architecture: 'a', device: 'd', description: 'lavapipe', isFallbackAdapter: false, features: [] } as never, granted: {}, recovered: false },
      { type: 'model', model },
    ],
  });
const playground = (s: State) => renderToStaticMarkup(createElement(PlaygroundView, { state: s, dispatch: () => {}, send: () => {} }));
const fit = { seqLen: 288, maxCotTokens: 160, evalCotTokens: 120, source: 'tract.training in tract-judge.safetensors' };

describe('the Playground and the trained CoT room', () => {
  it('a judge with a trained room: CoTs default to its run\'s length, the input stops at the room, and the view says so', () => {
    const s = ready(judge({ promptFit: fit }));
    expect(s.playground.maxCotTokens).toBe(120);
    const html = playground(s);
    expect(html).toMatch(/<input type="number" min="1" max="160"[^>]*data-testid="pg-max-cot" value="120"/);
    expect(html).toContain('The prompt is fit as in training: it leaves room for 160 CoT tokens in the context of 288 (recorded in tract.training in tract-judge.safetensors), so a long response is cut exactly as the judge saw it cut. Max CoT tokens stops at 160');
    expect(html).not.toContain('data-testid="pg-cot-over"');
    // A value above the room (kept from before) is flagged, and the request is capped at the room.
    const sent: unknown[] = [];
    const over = reducer(s, { type: 'pg-option', patch: { maxCotTokens: 200 } });
    expect(playground(over)).toMatch(/data-testid="pg-cot-over">200 CoT tokens is more than the 160 this judge was trained to leave room for/);
    const btn = createElement(PlaygroundView, { state: over, dispatch: () => {}, send: (m) => sent.push(m) });
    // Press Judge: render the element tree and call the button's handler.
    const tree = (PlaygroundView as (p: typeof btn.props) => ReactElement)(btn.props);
    findByTestId(tree, 'judge-button')!.props.onClick();
    expect(sent).toMatchObject([{ type: 'judge', request: { maxCotTokens: 160 } }]);
  });

  it('a judge without a record: the old default and a note that says the room follows the CoT length', () => {
    const s = ready(judge({ promptFitMissing: 'it was trained on plain text (stage 0), not on judge prompts' }));
    expect(s.playground.maxCotTokens).toBe(64);
    const html = playground(s);
    expect(html).toMatch(/max="256"/);
    expect(html).toContain('No record of the CoT room tract-judge.safetensors was trained with (it was trained on plain text (stage 0), not on judge prompts): the prompt leaves room for the max CoT tokens.');
  });

  it("shows the judge's warnings about the prompt room with its result", () => {
    let s = reducer(ready(judge({ promptFit: fit })), { type: 'pg-start', requestId: 1 });
    const sample = { probs: [0.1, 0.2, 0.3, 0.2, 0.1], mass: 0.9, yhat: 2.6, decoded: 3, argmaxIsScore: true };
    s = reducer(s, {
      type: 'engine',
      msgs: [{ type: 'judge-result', requestId: 1, judgement: { cots: ['c'], samples: [sample], yhat: 2.6, probs: sample.probs, mass: 0.9, decoded: 3 }, ms: 1, tokens: 1, backend: 'b', promptFit: { note: 'n', warnings: ['it was trained with sequences of 256 tokens but its context is 288'] } }],
    });
    expect(playground(s)).toMatch(/data-testid="pg-fit-warning">it was trained with sequences of 256 tokens but its context is 288/);
  });
});

describe('the Data view and the prompt-fit rule', () => {
  const example = { id: 'x1', instruction: 'i', response: 'r', referenceAnswer: 'a', rubric: { criteria: 'c', levels: fivePoint(['1', '2', '3', '4', '5']) }, scores: [3], label: 3, source: 'rubric-lab' as const };
  const detail = (tokens: ExampleDetail['tokens']): string => {
    const s = reducer(initialState, { type: 'engine', msgs: [{ type: 'data-example', detail: { index: 0, example, template: 'compact', prompt: 'Task: i ...', target: 'So the overall score is 3', tokens } }] });
    return renderToStaticMarkup(createElement(DataView, { state: s, dispatch: () => {}, send: () => {} }));
  };
  const ruleFit = { seqLen: 288, maxCotTokens: 160, budget: 120, source: 'the CoT room it was trained with (x)' };

  it('says the prompt was cut, and by which rule', () => {
    const html = detail({ prompt: 118, target: 30, total: 148, tokenizer: 'bpe', truncated: true, cotCut: false, fit: ruleFit });
    expect(html).toContain('prompt 118 of a budget of 120, target 30');
    expect(html).toMatch(/class="warning" data-testid="detail-fit">The prompt was cut to fit \(the response and the reference answer shortened, each cut marked “...”\): this is the prompt the judge sees\. Prompt-fit rule: context 288, room for 160 CoT tokens → at most 120 prompt ids \(the CoT room it was trained with \(x\)\)\./);
  });

  it('says when it fits uncut, and when the reference CoT was cut to the room', () => {
    expect(detail({ prompt: 60, target: 30, total: 90, tokenizer: 'bpe', truncated: false, cotCut: false, fit: ruleFit })).toMatch(/class="muted" data-testid="detail-fit">The prompt fits uncut: this is the prompt the judge sees\./);
    expect(detail({ prompt: 60, target: 170, total: 230, tokenizer: 'bpe', truncated: false, cotCut: true, fit: ruleFit })).toContain('The reference CoT was cut to the CoT room, as training cuts it.');
  });
});

/** The element with this data-testid in a rendered element tree (props.children walked). */
function findByTestId(node: unknown, id: string): { props: { onClick: () => void } } | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = findByTestId(n, id);
      if (f) return f;
    }
    return undefined;
  }
  const el = node as { props?: { 'data-testid'?: string; children?: unknown } };
  if (el.props?.['data-testid'] === id) return el as { props: { onClick: () => void } };
  return findByTestId(el.props?.children, id);
}
