// loadJudgeData({ labels: 'optional' }): rows without a label (outputs to grade) load in every schema,
// are listed in `unlabelled`, and are still rejected for every other problem; by default a missing
// label stays an error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadJudgeData } from '../../src/data/index.ts';
import { MT_BENCH } from './shared.ts';

const rubric = { criteria: 'Is it right?', score1: 'a', score2: 'b', score3: 'c', score4: 'd', score5: 'e' };
const tract = { id: 't1', instruction: 'Add 2 and 2.', response: '4', reference_answer: '4', rubric };
const fc = {
  orig_instruction: 'Add 2 and 2.',
  orig_response: '4',
  orig_reference_answer: '4',
  orig_criteria: 'Is it right?',
  ...Object.fromEntries([1, 2, 3, 4, 5].map((k) => [`orig_score${k}_description`, `level ${k}`])),
  orig_feedback: 'Correct. [RESULT] 5',
};

describe("loadJudgeData({ labels: 'optional' })", () => {
  it('keeps unlabelled rows of all three schemas and lists them; labelled rows keep their label', async () => {
    const bench = JSON.parse(readFileSync(MT_BENCH, 'utf8'))[0];
    const { gpt4_score: _s, gpt4_feedback: _f, ...benchNoLabel } = bench;
    const rows = [tract, { ...tract, id: 't2', score: 2 }, fc, { ...benchNoLabel, idx: 'b1', response_source: 'x' }];
    const text = rows.map((r) => JSON.stringify(r)).join('\n');
    const r = await loadJudgeData(text, { labels: 'optional' });
    expect(r.errors).toEqual([]);
    expect(r.examples.map((e) => e.id)).toEqual(['t1', 't2', 'row-2', 'b1:x']);
    expect(r.unlabelled).toEqual(['t1', 'row-2', 'b1:x']);
    expect(r.examples[1].label).toBe(2);
    // The Feedback Collection placeholder is the score its feedback states (else validation would fail).
    expect(r.examples[2].label).toBe(5);
  });

  it('still rejects a row for any other problem, and requires labels by default', async () => {
    const bad = JSON.stringify({ ...tract, rubric: { ...rubric, score3: '' } });
    const r = await loadJudgeData(bad, { labels: 'optional', file: 'x.jsonl' });
    expect(r.examples).toEqual([]);
    expect(r.errors).toEqual([{ file: 'x.jsonl', line: 1, index: 0, field: 'rubric.score3', message: 'expected text, got an empty string ""' }]);
    const strict = await loadJudgeData(JSON.stringify(tract));
    expect(strict.unlabelled).toBeUndefined();
    expect(strict.errors.map((e) => e.field)).toEqual(['score']);
  });
});
