// The app follows a rubric's K levels (issue 14, item 3): the Playground's scale select resizes the
// rubric (descriptions kept by level), a judgement on ten levels shows ten bars labelled 1..9, 0 and
// "out of 10"; the Data view offers Rubric Lab's 1–10 variant and names a dataset's scale; the Learn
// view's score demo switches to ten score tokens.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ScoreDemo } from '../../src/ui/components/ScoreDemo.tsx';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { DataView } from '../../src/ui/views/DataView.tsx';
import { PlaygroundView } from '../../src/ui/views/PlaygroundView.tsx';
import type { DatasetSummary, ModelSummary, ScoreDemoResult } from '../../src/worker/protocol.ts';

const config = { dim: 16, hiddenDim: 48, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 384, seqLen: 288, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' as const };
const model: ModelSummary = { name: 'j.safetensors', origin: 'ready', format: 'safetensors', config, parameters: 1000, bytes: 2000, tokenizer: 'bpe', judge: { ok: true }, template: 'compact', description: 'a judge' };
const probs = [0.01, 0.01, 0.02, 0.03, 0.05, 0.08, 0.2, 0.3, 0.2, 0.1];

describe('views on other score scales', () => {
  it('Playground: the scale select resizes the rubric; ten bars labelled by level; out of 10', () => {
    let s = reducer(initialState, { type: 'engine', msgs: [{ type: 'model', model }] });
    const first = s.playground.fields.rubric.levels[0].description;
    s = reducer(s, { type: 'pg-scale', scale: '1..10' });
    const levels = s.playground.fields.rubric.levels;
    expect(levels.map((l) => l.label).join('')).toBe('1234567890');
    expect(levels[0].description).toBe(first);
    expect(levels[9]).toEqual({ label: '0', value: 10, description: '' });
    s = reducer(s, { type: 'pg-field', field: 9, value: 'perfect' });
    expect(s.playground.fields.rubric.levels[9].description).toBe('perfect');
    s = reducer(s, { type: 'pg-start', requestId: 4 });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'judge-result', requestId: 4, judgement: { cots: ['c'], samples: [{ probs, mass: 1, yhat: 7.6, decoded: 8, argmaxIsScore: true }], yhat: 7.6, probs, mass: 1, decoded: 8 }, ms: 5, tokens: 1, backend: 'WebGPU' }] });
    const html = renderToStaticMarkup(createElement(PlaygroundView, { state: s, dispatch: () => {}, send: () => {} }));
    expect(html).toContain('<span class="out-of">out of 10</span>');
    expect(html).toContain('average of the 10 levels’ values (1..10 (10 written 0))');
    expect((html.match(/class="prob-row"/g) ?? []).length).toBe(10);
    expect(html).toContain('<span class="prob-label">p(0)</span>');
    expect(html).toContain('data-testid="pg-score10"');
    expect(html).toMatch(/<option value="1\.\.10" selected="">1\.\.10 \(10 written 0\)<\/option>/);
    // Back to 1..5: the first five descriptions are kept.
    const five = reducer(s, { type: 'pg-scale', scale: '1..5' });
    expect(five.playground.fields.rubric.levels.map((l) => l.description)[0]).toBe(first);
    expect(five.playground.fields.rubric.levels).toHaveLength(5);
  });

  it('Data view: Rubric Lab\'s scale select and the dataset\'s scale in its summary', () => {
    const summary = { name: 'Rubric Lab (seed 1, 1–10)', kind: 'rubric-lab', accepted: 20, rejected: 0, fatal: false, errors: [], errorCount: 0, splits: { train: 20 }, labelMean: 5, labelHistogram: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2], ms: 1, withReferenceCot: 20, fileSplitProblem: null, scale: { text: '1..10 (10 written 0)', labels: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'] } } as DatasetSummary;
    const s = reducer(reducer(initialState, { type: 'config', config: { ...initialState.config, data: { ...initialState.config.data, levels: 10 } } }), { type: 'engine', msgs: [{ type: 'data-loaded', summary }] });
    const html = renderToStaticMarkup(createElement(DataView, { state: s, dispatch: () => {}, send: () => {} }));
    expect(html).toMatch(/data-testid="lab-levels"><option value="5">1\.\.5<\/option><option value="10" selected="">1\.\.10<\/option>/);
    expect(html).toContain('Labels (rounded) on the scale 1..10 (10 written 0): 1: 2 · 2: 2');
    expect(html).toContain('9: 2 · 0: 2');
  });

  it('Learn view: the score demo on ten score tokens; a demo of the old scale is dropped', () => {
    let s: State = reducer(initialState, { type: 'demo-levels', levels: 10 });
    expect(s.demoLevels).toBe(10);
    const five = { tokens: ['a'], logits: [0], scoreIds: [0, 1, 2, 3, 4], scoreValues: [1, 2, 3, 4, 5] } as unknown as ScoreDemoResult;
    s = reducer(s, { type: 'engine', msgs: [{ type: 'score-demo', result: five }] });
    expect(s.demo).toBeNull();
    const tokens = ['</s>', ' is', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];
    const ten: ScoreDemoResult = {
      tokens,
      logits: tokens.map(() => 0),
      scoreIds: tokens.map((_, i) => i).slice(2),
      scoreValues: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      gpu: { probs: new Array(10).fill(0.08), mass: 0.8, yhat: 5.5, renormProbs: new Array(10).fill(0.1), renormYhat: 5.5 },
      cpu: { probs: new Array(10).fill(0.08), mass: 0.8, yhat: 5.5, renormProbs: new Array(10).fill(0.1), renormYhat: 5.5 },
      gold: 3.67,
      raftGradient: tokens.map(() => 0.01),
      cpuRaftGradient: tokens.map(() => 0.01),
      maxAbsDiff: 0,
      ms: 1,
    };
    s = reducer(s, { type: 'engine', msgs: [{ type: 'score-demo', result: ten }] });
    const html = renderToStaticMarkup(createElement(ScoreDemo, { state: s, dispatch: () => {} }));
    expect(html).toContain('the 10 score tokens (1–10, 10 written 0)');
    expect(html).toContain('ŷ renormalised over 1–10');
    expect((html.match(/class="score-row"/g) ?? []).length).toBe(10);
    expect(html).toMatch(/data-testid="demo-levels"><option value="5">1\.\.5 \(5 score tokens\)<\/option><option value="10" selected="">/);
  });
});
