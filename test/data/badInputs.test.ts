// A corpus of bad inputs. Each one sits between good rows; the good rows must survive and the
// error must name the file, the line (and row index) and the field, and say what was expected.
import { describe, expect, it } from 'vitest';
import { formatIssue, loadJudgeData, renderPrompt, type LoadOptions } from '../../src/data/index.ts';
import { fivePoint } from '../../src/data/levels.ts';

const rubric = { criteria: 'Is it right?', score1: 'no', score2: 'barely', score3: 'partly', score4: 'mostly', score5: 'yes' };
type Row = Record<string, unknown>;
const tract = (id: string, over: Row = {}): Row => ({
  id,
  instruction: 'Add 2 and 2.',
  response: '5',
  reference_answer: '4',
  rubric,
  feedback: 'Off by one. So the overall score is 4',
  scores: [4, 3, 4],
  ...over,
});
const fc = (over: Row = {}): Row => ({
  orig_instruction: 'Add 2 and 2.',
  orig_response: '5',
  orig_reference_answer: '4',
  orig_criteria: 'Is it right?',
  orig_score1_description: 'no',
  orig_score2_description: 'barely',
  orig_score3_description: 'partly',
  orig_score4_description: 'mostly',
  orig_score5_description: 'yes',
  orig_feedback: 'Off by one. [RESULT] 4',
  orig_score: '4',
  ...over,
});
const prompt = renderPrompt({ instruction: 'Add 2 and 2.', response: '5', referenceAnswer: '4', rubric: { criteria: rubric.criteria, levels: fivePoint([rubric.score1, rubric.score2, rubric.score3, rubric.score4, rubric.score5]) } }, 'prometheus');
const prom = (idx: number, over: Row = {}): Row => ({ idx, instruction: prompt, gpt4_score: [4, 4, 5], gpt4_feedback: ['a', 'b', 'c'], ...over });

/** JSONL text: a good row, the bad line, a good row. */
const between = (bad: string, make: (id: string) => Row = tract): string => [JSON.stringify(make('a')), bad, JSON.stringify(make('c'))].join('\n');
const badRow = (row: Row, make?: (id: string) => Row) => between(JSON.stringify(row), make);
const fcRows = (bad: Row) => between(JSON.stringify(bad), () => fc());
const promRows = (bad: Row) => [JSON.stringify(prom(1)), JSON.stringify(bad), JSON.stringify(prom(3))].join('\n');

interface Case {
  name: string;
  text: string;
  field: string;
  message: RegExp;
  line?: number;
  index?: number;
  accepted?: number;
  rejected?: number;
  options?: LoadOptions;
}

const CASES: Case[] = [
  { name: 'invalid JSON line', text: between('{"id": "b", "instruction": '), field: '(row)', message: /invalid JSON/ },
  { name: 'row is an array', text: between('[1, 2]'), field: '(row)', message: /expected a JSON object, got an array of 2/ },
  { name: 'row is a string', text: between('"hello"'), field: '(row)', message: /expected a JSON object, got the string "hello"/ },
  { name: 'missing instruction', text: badRow(tract('b', { instruction: undefined })), field: 'instruction', message: /expected a non-empty string, got nothing \(the field is missing\)/ },
  { name: 'instruction is a number', text: badRow(tract('b', { instruction: 5 })), field: 'instruction', message: /expected a non-empty string, got the number 5/ },
  { name: 'empty response', text: badRow(tract('b', { response: '' })), field: 'response', message: /expected text, got an empty string/ },
  { name: 'blank reference answer', text: badRow(tract('b', { reference_answer: '  \n ' })), field: 'reference_answer', message: /expected text, got an empty string/ },
  { name: 'rubric missing', text: badRow(tract('b', { rubric: undefined })), field: 'rubric', message: /expected an object \{criteria, score1\.\.score5\}/ },
  { name: 'rubric is an array', text: badRow(tract('b', { rubric: ['x'] })), field: 'rubric', message: /expected an object.*got an array of 1/ },
  { name: 'rubric.score3 missing', text: badRow(tract('b', { rubric: { ...rubric, score3: undefined } })), field: 'rubric.score3', message: /missing/ },
  { name: 'rubric.criteria empty', text: badRow(tract('b', { rubric: { ...rubric, criteria: '' } })), field: 'rubric.criteria', message: /empty string/ },
  { name: 'score above 5', text: badRow(tract('b', { scores: undefined, score: 7 })), field: 'score', message: /score 7 is outside 1\.\.5/ },
  { name: 'score below 1', text: badRow(tract('b', { scores: undefined, score: 0.5 })), field: 'score', message: /score 0\.5 is outside 1\.\.5/ },
  { name: 'score is a string', text: badRow(tract('b', { scores: undefined, score: '4' })), field: 'score', message: /expected a score \(a number from 1 to 5\), got the string "4"/ },
  { name: 'score is null', text: badRow(tract('b', { scores: undefined, score: null })), field: 'score', message: /got null/ },
  { name: 'scores empty', text: badRow(tract('b', { scores: [] })), field: 'scores', message: /at least one score/ },
  { name: 'one score out of range', text: badRow(tract('b', { scores: [3, 6] })), field: 'scores[1]', message: /score 6 is outside 1\.\.5/ },
  { name: 'scores not an array', text: badRow(tract('b', { scores: 4 })), field: 'scores', message: /expected an array of scores/ },
  { name: 'no score at all', text: badRow(tract('b', { scores: undefined })), field: 'score', message: /neither is present/ },
  { name: 'both score and scores', text: badRow(tract('b', { score: 3 })), field: 'score', message: /not both/ },
  { name: 'unknown split', text: badRow(tract('b', { split: 'validation' })), field: 'split', message: /expected "train", "dev" or "test", got the string "validation"/ },
  { name: 'duplicate id', text: [tract('a'), tract('a'), tract('c')].map((r) => JSON.stringify(r)).join('\n'), field: 'id', message: /duplicate id "a" \(first used on line 1\)/ },
  { name: 'id is an object', text: badRow(tract('b', { id: { x: 1 } })), field: 'id', message: /expected a non-empty string or an integer id, got an object/ },
  { name: 'feedback_score disagrees with the feedback', text: badRow(tract('b', { feedback_score: 2 })), field: 'feedback_score', message: /is 2 but the feedback ends with score 4/ },
  { name: 'empty feedback', text: badRow(tract('b', { feedback: ' ' })), field: 'feedback', message: /expected text/ },
  { name: 'meta not an object', text: badRow(tract('b', { meta: 'x' })), field: 'meta', message: /expected an object/ },
  { name: 'source not a string', text: badRow(tract('b', { source: 3 })), field: 'source', message: /expected a string, got the number 3/ },
  { name: 'Feedback Collection: orig_score "five"', text: fcRows(fc({ orig_score: 'five' })), field: 'orig_score', message: /got the string "five"/ },
  { name: 'Feedback Collection: orig_score "6"', text: fcRows(fc({ orig_score: '6' })), field: 'orig_score', message: /score 6 is outside 1\.\.5/ },
  { name: 'Feedback Collection: orig_score 3.5', text: fcRows(fc({ orig_score: 3.5 })), field: 'orig_score', message: /expected an integer score/ },
  { name: 'Feedback Collection: a description missing', text: fcRows(fc({ orig_score3_description: undefined })), field: 'orig_score3_description', message: /missing/ },
  { name: 'Feedback Collection: feedback score differs', text: fcRows(fc({ orig_feedback: 'Bad. [RESULT] 2' })), field: 'orig_feedback', message: /ends with score 2 but orig_score is 4/ },
  { name: 'Prometheus: response section missing', text: promRows(prom(2, { instruction: prompt.replace('###Response to evaluate:', '###Answer:') })), field: 'instruction (response section)', message: /"###Response to evaluate:" not found/ },
  { name: 'Prometheus: sections out of order', text: promRows(prom(2, { instruction: prompt.replace('###Response to evaluate:\n5\n\n', '').replace('###Score Rubrics:', '###Response to evaluate:\n5\n\n###Score Rubrics:') })), field: 'instruction (reference answer section)', message: /"###Reference Answer \(Score 5\):" is out of order \(expected after "###Response to evaluate:"\)/ },
  { name: 'Prometheus: rubric without "Score 4:"', text: promRows(prom(2, { instruction: prompt.replace('Score 4:', 'Level 4:') })), field: 'instruction (score rubric section)', message: /"Score 4:"/ },
  { name: 'Prometheus: empty response section', text: promRows(prom(2, { instruction: prompt.replace('###Response to evaluate:\n5\n', '###Response to evaluate:\n \n') })), field: 'instruction (response section)', message: /is empty/ },
  { name: 'Prometheus: a score of 9', text: promRows(prom(2, { gpt4_score: [4, 4, 9] })), field: 'gpt4_score[2]', message: /score 9 is outside 1\.\.5/ },
  { name: 'Prometheus: score not a number', text: promRows(prom(2, { gpt4_score: [4, 'x', 4] })), field: 'gpt4_score[1]', message: /got the string "x"/ },
  { name: 'Prometheus: feedback count differs', text: promRows(prom(2, { gpt4_feedback: ['a'] })), field: 'gpt4_feedback', message: /expected 3 feedbacks \(one per gpt4_score\), got 1/ },
  { name: 'Prometheus: duplicate idx and responder', text: promRows(prom(1)), field: 'id', message: /duplicate id "1"/ },
  {
    name: 'JSON array: invalid element',
    text: `[\n${JSON.stringify(tract('a'))},\n{"id": "b", "instruction": },\n${JSON.stringify(tract('c'))}\n]`,
    field: '(row)',
    message: /invalid JSON/,
    line: 3,
  },
  { name: 'JSON array: trailing comma', text: `[${JSON.stringify(tract('a'))},\n${JSON.stringify(tract('c'))},\n]`, field: '(file)', message: /trailing ','/, accepted: 2, rejected: 0, line: 3 },
  { name: 'JSON array: text after the end', text: `[${JSON.stringify(tract('a'))},\n${JSON.stringify(tract('c'))}]\nextra`, field: '(file)', message: /after the end of the JSON array/, accepted: 2, rejected: 0, line: 3 },
  { name: 'JSON array: truncated', text: `[${JSON.stringify(tract('a'))},\n${JSON.stringify(tract('c'))},\n{"id": "d", "instr`, field: '(file)', message: /ends inside the element that starts on line 3 \(truncated JSON array\)/, accepted: 2, rejected: 1, line: 3 },
  { name: 'empty file', text: ' \n\n ', field: '(file)', message: /the file is empty/, accepted: 0, rejected: 0, line: 1 },
  { name: 'over the size limit', text: between('{}'), field: '(file)', message: /over the size limit of 100 bytes/, accepted: 0, rejected: 0, options: { maxBytes: 100 } },
];

describe('bad inputs', () => {
  it('has at least 25 of them', () => expect(CASES.length).toBeGreaterThanOrEqual(25));

  for (const c of CASES) {
    it(c.name, async () => {
      const file = `bad/${c.name.replace(/\W+/g, '-')}.jsonl`;
      const r = await loadJudgeData(c.text, { file, ...c.options });
      expect([r.accepted, r.rejected]).toEqual([c.accepted ?? 2, c.rejected ?? 1]);
      const hit = r.errors.find((e) => e.field === c.field && c.message.test(e.message));
      expect(hit, `no error on ${c.field} matching ${c.message}; got ${JSON.stringify(r.errors)}`).toBeDefined();
      expect(hit!.file).toBe(file);
      if (c.options?.maxBytes === undefined) {
        expect(hit!.line).toBe(c.line ?? 2);
        if (c.field !== '(file)') expect(hit!.index).toBe(c.index ?? 1);
        expect(formatIssue(hit!)).toContain(`${file}:${hit!.line}`);
      }
      // The good rows are all there.
      for (const ex of r.examples) expect(ex.label).toBeGreaterThanOrEqual(1);
    });
  }

  it('reports every problem of one row, not just the first', async () => {
    const r = await loadJudgeData(badRow(tract('b', { response: '', scores: [9], split: 'x' })), { file: 'many.jsonl' });
    expect(r.errors.map((e) => e.field).sort()).toEqual(['response', 'scores[0]', 'split']);
  });
});

describe('good inputs in every schema', () => {
  it('loads our JSONL, Feedback Collection and Prometheus rows, as JSON lines or a JSON array', async () => {
    const rows = [tract('t1', { split: 'dev', meta: { family: 'x' } }), fc(), prom(7, { response_source: 'gpt', category: 'math' }), tract('t2', { scores: undefined, score: 2.5, feedback: undefined })];
    for (const text of [rows.map((r) => JSON.stringify(r)).join('\r\n') + '\r\n', JSON.stringify(rows, null, 2)]) {
      const r = await loadJudgeData(text, { file: 'mixed' });
      expect(r.errors).toEqual([]);
      expect(r.examples.map((e) => [e.id, e.source, e.label, e.feedbackScore])).toEqual([
        ['t1', 'tract-jsonl', 11 / 3, 4],
        ['row-1', 'feedback-collection', 4, 4],
        ['7:gpt', 'prometheus-bench', 13 / 3, 4],
        ['t2', 'tract-jsonl', 2.5, undefined],
      ]);
      const levelled = { criteria: rubric.criteria, levels: fivePoint([rubric.score1, rubric.score2, rubric.score3, rubric.score4, rubric.score5]) };
      expect(r.examples[0]).toMatchObject({ split: 'dev', extras: { family: 'x' }, referenceAnswer: '4', rubric: levelled });
      expect(r.examples[1]!.rubric).toEqual(levelled);
      expect(r.examples[2]).toMatchObject({ instruction: 'Add 2 and 2.', response: '5', referenceAnswer: '4', rubric: levelled, extras: { category: 'math' } });
    }
  });

  it('can be told the schema instead of guessing it', async () => {
    const r = await loadJudgeData(JSON.stringify(tract('a')), { schema: 'feedback-collection' });
    expect(r.rejected).toBe(1);
    expect(r.errors[0]!.field).toBe('orig_instruction');
  });
});
