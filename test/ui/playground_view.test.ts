// The Playground gives one clear answer first (issue 15): the judge's score ŷ, large, with what it is
// and what plain decoding would say under it, before the five probabilities and the reasoning; terms
// are explained where they appear; the Judge button comes before the fields; the fields show their
// whole text; sampling settings are under "Advanced"; a CoT of byte noise is shown as bytes and
// flagged as an untrained model's.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { PlaygroundView } from '../../src/ui/views/PlaygroundView.tsx';
import type { ModelSummary } from '../../src/worker/protocol.ts';

const config = { dim: 16, hiddenDim: 48, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 384, seqLen: 288, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' as const };
const model: ModelSummary = { name: 'j.safetensors', origin: 'ready', format: 'safetensors', config, parameters: 1000, bytes: 2000, tokenizer: 'bpe', judge: { ok: true }, template: 'compact', description: 'a judge' };
const sample = { probs: [0.05, 0.05, 0.1, 0.2, 0.5], mass: 0.9, yhat: 3.95, decoded: 5, argmaxIsScore: true };
const render = (s: State) => renderToStaticMarkup(createElement(PlaygroundView, { state: s, dispatch: () => {}, send: () => {} }));

function judged(cot: string): State {
  let s = reducer(initialState, { type: 'engine', msgs: [{ type: 'model', model }] });
  s = reducer(s, { type: 'pg-start', requestId: 3 });
  s = reducer(s, { type: 'engine', msgs: [{ type: 'judge-text', requestId: 3, pieces: [{ sample: 0, text: cot }] }] });
  return reducer(s, { type: 'engine', msgs: [{ type: 'judge-result', requestId: 3, judgement: { cots: [cot], samples: [sample], yhat: 3.95, probs: sample.probs, mass: 0.9, decoded: 5 }, ms: 1000, tokens: 10, backend: 'WebGPU', gold: 4 }] });
}

describe('the Playground', () => {
  it('leads with ŷ, then says what it is and what decoding would answer, before the probabilities and the CoT', () => {
    const html = render(judged('count 3 of 4'));
    const at = (needle: string) => html.indexOf(needle);
    expect(html).toMatch(/data-testid="yhat">3\.95<\/span><span class="out-of">out of 5/);
    expect(html).toMatch(/data-testid="pg-explain">The score <strong>ŷ<\/strong> is the average of the 5 levels’ values \(1\.\.5\) weighted by how probable the judge finds each/);
    expect(html).toMatch(/plain decoding — would answer <strong data-testid="decoded">5<\/strong>/);
    expect(at('data-testid="yhat"')).toBeLessThan(at('data-testid="probs"'));
    expect(at('data-testid="probs"')).toBeLessThan(at('data-testid="cot-0"'));
    // The mass is explained where it appears.
    expect(html).toMatch(/captured mass Σ p\(k\)<span class="gloss"> — how much of the model’s probability is on the rubric’s score tokens/);
  });

  it('puts Judge before the fields, the sampling settings under Advanced, and sizes fields to their text', () => {
    const base = reducer(initialState, { type: 'engine', msgs: [{ type: 'model', model }] });
    const long = 'The response is off by 7 or more from the right count, or it gives no number at all, or it answers another question';
    const s = reducer(base, { type: 'pg-field', field: 0, value: long });
    const html = render(s);
    expect(html.indexOf('data-testid="judge-button"')).toBeLessThan(html.indexOf('data-testid="pg-instruction"'));
    const advanced = html.slice(html.indexOf('data-testid="pg-advanced"'));
    expect(advanced).toMatch(/^[^>]*><summary>Advanced: sampling settings<\/summary>/);
    for (const id of ['pg-ncot', 'pg-max-cot']) expect(advanced).toContain(`data-testid="${id}"`);
    // A 115-character score line gets two rows of a textarea (the whole text), not a cut-off input.
    expect(html).toMatch(/<textarea rows="2" data-testid="pg-score1">The response is off by 7 or more/);
    expect(html).not.toMatch(/<input[^>]*value="The response is off by 7/);
  });

  it('shows byte noise as bytes and says the model looks untrained; real text is not flagged', () => {
    const noisy = render(judged('⟨0xE2⟩⟨0x82⟩ ⟨0x9F⟩⟨0xC3⟩⟨0x01⟩ x ⟨0xE2⟩⟨0x82⟩⟨0xA0⟩'));
    expect(noisy).toContain('<span class="byte-escape" title="a byte that is not part of any UTF-8 character">⟨0xE2⟩</span>');
    expect(noisy).toMatch(/data-testid="cot-untrained-0">Most of this is bytes that do not form text \(shown ⟨0xNN⟩\): the model looks untrained/);
    // A "�" (from a text decoded before it reached the app) shows as a marked ⟨?⟩, never as "�".
    const replaced = render(judged('ok \uFFFD\uFFFD'));
    expect(replaced).toContain('<span class="byte-escape" title="bytes that did not form text (their values were not kept)">⟨?⟩</span>');
    expect(replaced).not.toContain('\uFFFD');
    const clean = render(judged('count 3 of 4, so the answer is short by one'));
    expect(clean).not.toContain('cot-untrained-0');
    expect(clean).not.toContain('byte-escape');
  });
});
