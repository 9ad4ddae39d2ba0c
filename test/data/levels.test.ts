// Score scales (issue 14, item 3): a rubric's K levels (2 ≤ K ≤ 10) come from score keys (score1..K
// valued 1..K with 10 written "0"; score0..9 valued 0..9) or an explicit list (any labels, given
// values); every loader validates a row's scores against its own rubric; templates, the target text
// and the judgement parser follow the levels; the default 1..5 is what it always was; each label is
// one token of the tokenizer after the score prompt, or a clear error.
import { describe, expect, it } from 'vitest';
import {
  allExamples,
  buildExample,
  describeScale,
  digitLevels,
  generateRubricLab,
  levelTokenIds,
  loadJudgeData,
  nearestLevel,
  parseJudgeOutput,
  parsePrometheusPrompt,
  renderPrompt,
  scoreKeysOf,
  targetLevel,
  toTractJsonl,
  trainRubricLabTokenizer,
  tokenizerFromDescription,
  type JudgeExample,
  type TokenizerDescription,
} from '../../src/data/index.ts';
import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { toFeedbackCollectionRow } from '../../src/data/rows/feedbackCollectionWrite.ts';

const TEN = ['none', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'all'];
let rows = 0;
const row = (rubric: Record<string, unknown>, extra: Record<string, unknown>) => JSON.stringify({ id: `r${++rows}`, instruction: 'i', response: 'r', reference_answer: 'a', rubric, ...extra });
const tenKeys = { criteria: 'How many?', ...Object.fromEntries(TEN.map((d, i) => [`score${i + 1}`, d])) };

describe('score levels', () => {
  it('digit scales from score keys; the ten levels 1..10 write 10 as "0"; the key errors name the field', () => {
    expect(digitLevels(['a', 'b', 'c'])).toEqual([
      { label: '1', value: 1, description: 'a' },
      { label: '2', value: 2, description: 'b' },
      { label: '3', value: 3, description: 'c' },
    ]);
    const ten = digitLevels(TEN);
    expect(ten.map((l) => l.label).join('')).toBe('1234567890');
    expect(ten.at(-1)).toEqual({ label: '0', value: 10, description: 'all' });
    expect(digitLevels(TEN, 0).map((l) => `${l.label}=${l.value}`).slice(0, 2)).toEqual(['0=0', '1=1']);
    expect(describeScale(ten)).toBe('1..10 (10 written 0)');
    expect(describeScale(digitLevels(['a', 'b', 'c', 'd', 'e']))).toBe('1..5');
    expect(describeScale([{ label: 'A', value: 1 }, { label: 'B', value: 3 }])).toBe('A=1, B=3');
    expect(scoreKeysOf({ score1: 'a', score2: 'b', score4: 'd' }, 'score')).toEqual({ key: 'score3', problem: expect.stringMatching(/^missing/) });
    expect(scoreKeysOf({ score1: 'a' }, 'score')).toMatchObject({ key: 'score2' });
    expect(scoreKeysOf({ ...tenKeys, score11: 'x' }, 'score')).toMatchObject({ key: 'score11', problem: expect.stringMatching(/go up to score10/) });
    expect(nearestLevel(ten, 9.5)).toBe(9); // a tie rounds up, as Math.round
    expect(nearestLevel(ten, 0.2)).toBe(0);
  });

  it('tract JSONL: 10 levels by keys, 0..9, letters with values; scores checked against each row\'s own range', async () => {
    const text = [
      row(tenKeys, { score: 10, feedback: 'All right. So the overall score is 0', feedback_score: 10 }),
      row({ criteria: 'c', ...Object.fromEntries(TEN.map((d, i) => [`score${i}`, d])) }, { scores: [0, 9, 4.5] }),
      row({ criteria: 'c', levels: [{ label: 'A', value: 1, description: 'bad' }, { label: 'B', value: 2, description: 'ok' }, { label: 'C', value: 4, description: 'great' }] }, { score: 4, feedback: 'Fine. So the overall score is C' }),
      row({ criteria: 'c', score1: 'a', score2: 'b', score3: 'c' }, { score: 4 }),
      row(tenKeys, { score: 5, feedback_score: 5.5 }),
      row({ criteria: 'c', levels: [{ label: 'A', value: 2, description: 'x' }, { label: 'B', value: 1, description: 'y' }] }, { score: 1 }),
      row({ criteria: 'c', levels: [{ label: 'A', value: 1, description: 'x' }, { label: 'B', value: 2, description: 'y' }], score3: 'z' }, { score: 1 }),
    ].join('\n');
    const r = await loadJudgeData(text, { file: 'scales.jsonl' });
    expect(r.examples).toHaveLength(3);
    const [ten, zero, letters] = r.examples;
    expect(ten.rubric.levels).toHaveLength(10);
    expect(ten).toMatchObject({ label: 10, feedbackScore: 10 });
    expect(zero.rubric.levels[0]).toEqual({ label: '0', value: 0, description: 'none' });
    expect(zero.label).toBeCloseTo(13.5 / 3);
    expect(letters).toMatchObject({ label: 4, feedbackScore: 4 });
    const errors = r.errors.map((e) => `${e.line} ${e.field}: ${e.message}`);
    expect(errors).toContain('4 score: score 4 is outside 1..3 (the rubric\'s 3 levels)');
    expect(errors).toContain('5 feedback_score: expected an integer score from 1 to 10, got 5.5');
    expect(errors.some((e) => /^6 rubric\.levels: level 2: values must increase/.test(e))).toBe(true);
    expect(errors).toContain('7 rubric.levels: give the levels either as "levels" or as score1 … keys, not both (found "score3" too)');
    // Written and read back: the same levels (keys for digit scales, a list for letters).
    const back = await loadJudgeData(r.examples.map((ex) => toTractJsonl(ex)).join('\n'), { file: 'back.jsonl' });
    expect(back.examples.map((ex) => ex.rubric)).toEqual(r.examples.map((ex) => ex.rubric));
    expect(JSON.parse(toTractJsonl(ten)).rubric.score10).toBe('all');
    expect(JSON.parse(toTractJsonl(letters)).rubric.levels[2]).toEqual({ label: 'C', value: 4, description: 'great' });
  });

  it('Feedback Collection and Prometheus rows on ten levels; the Prometheus prompt renders and parses back', async () => {
    const fc = {
      orig_instruction: 'i',
      orig_response: 'r',
      orig_reference_answer: 'a',
      orig_criteria: 'c',
      ...Object.fromEntries(TEN.map((d, i) => [`orig_score${i + 1}_description`, d])),
      orig_feedback: 'Good. [RESULT] 0',
      orig_score: '10',
    };
    const r = await loadJudgeData(JSON.stringify(fc), { file: 'fc.jsonl' });
    expect(r.errors).toEqual([]);
    const ex = r.examples[0];
    expect(ex).toMatchObject({ label: 10, feedbackScore: 10 });
    const written = toFeedbackCollectionRow(ex);
    expect(written).toMatchObject({ orig_score10_description: 'all', orig_score: '10', output: 'Good. So the overall score is 0 [RESULT] 10' });
    const prompt = renderPrompt(ex, 'prometheus');
    expect(prompt).toContain('write a score that is an integer between 1 and 10 (10 written as 0)');
    expect(prompt).toContain('###Reference Answer (Score 10):');
    expect(prompt).toContain('\nScore 9: eight\nScore 0: all\n');
    const parsed = parsePrometheusPrompt(prompt);
    expect(parsed.ok && parsed.fields.rubric).toEqual(ex.rubric);
    const bench = await loadJudgeData(JSON.stringify({ idx: 1, instruction: prompt, gpt4_score: [9, 10], gpt4_feedback: ['a [RESULT] 9', 'b [RESULT] 0'] }), { file: 'bench.json' });
    expect(bench.errors).toEqual([]);
    expect(bench.examples[0]).toMatchObject({ label: 9.5, scores: [9, 10] });
    // A 1..5 prompt with a level skipped is refused, naming the level.
    const gap = renderPrompt({ ...ex, rubric: { criteria: 'c', levels: digitLevels(['a', 'b', 'c', 'd', 'e']) } }, 'prometheus').replace(/Score 4: d\n/, '');
    const bad = parsePrometheusPrompt(gap);
    expect(bad.ok ? '' : bad.message).toBe('expected a line starting "Score 4:" in the rubric after "Score 3:"');
  });

  it('templates and the judgement parser follow the levels; the default scale parses as before', () => {
    const ex: JudgeExample = { id: 'x', instruction: 'i', response: 'r', referenceAnswer: 'a', rubric: { criteria: 'c', levels: digitLevels(TEN) }, scores: [9.6], label: 9.6, source: 'tract-jsonl' };
    expect(renderPrompt(ex, 'compact')).toBe(`Rubric: c\n${TEN.map((d, i) => `${(i + 1) % 10}: ${d}\n`).join('')}Task: i\nResponse: r\nReference: a\nFeedback:`);
    expect(targetLevel(ex)).toMatchObject({ label: '0', value: 10 });
    expect(parseJudgeOutput('x. So the overall score is 0', ex.rubric.levels)).toMatchObject({ status: 'ok', score: 10, label: '0' });
    expect(parseJudgeOutput('x. So the overall score is 7', ex.rubric.levels)).toMatchObject({ score: 7 });
    expect(parseJudgeOutput('x. So the overall score is 7')).toMatchObject({ status: 'malformed', found: '7' });
    expect(parseJudgeOutput('x. So the overall score is 4.')).toMatchObject({ status: 'ok', score: 4 });
    const letters = [{ label: 'A', value: 1, description: '' }, { label: 'B', value: 2, description: '' }];
    expect(parseJudgeOutput('[RESULT] B', letters)).toMatchObject({ status: 'ok', score: 2, label: 'B' });
    expect(parseJudgeOutput('[RESULT] Bad', letters)).toMatchObject({ status: 'malformed' });
  });

  it('each label is one token after the score prompt (cached per scale), or a clear error', () => {
    const lab = generateRubricLab({ seed: 3, train: 120, dev: 0, test: 10, levels: 10 });
    const tok = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
    const ten = lab.train[0].rubric.levels;
    const ids = levelTokenIds(tok, ten);
    expect(new Set(ids).size).toBe(10);
    expect(levelTokenIds(tok, ten)).toBe(ids);
    expect(levelTokenIds(tok, digitLevels(['a', 'b', 'c', 'd', 'e']))).toEqual(tok.scoreTokenIds());
    // Every target ends with its level's token, then EOS.
    for (const ex of allExamples(lab).slice(0, 40)) {
      const b = buildExample(ex, { tokenizer: tok, template: 'compact', fit: { seqLen: 512, maxCotTokens: 200 } });
      if (!b.ok) throw new Error(b.reason);
      expect(b.example.ids[b.example.scoreIndex]).toBe(ids[b.example.scoreLevel]);
      expect(b.example.target.endsWith(`score is ${ex.rubric.levels[b.example.scoreLevel].label}`)).toBe(true);
    }
    expect(() => levelTokenIds(tok, [{ label: 'ten' }, { label: 'two words' }])).toThrow(/score label "ten" is not a single token/);
    // Letters depend on the tokenizer: this Rubric Lab BPE reads "A" and "B" as one token each after
    // the score prompt; the shipped base's procedural BPE attaches the space to the word, which changes
    // the prompt's last token, and is refused with that reason.
    expect(new Set(levelTokenIds(tok, [{ label: 'A' }, { label: 'B' }])).size).toBe(2);
    const shipped = loadCheckpoint(new Uint8Array(readFileSync(new URL('../../public/judge/tract-judge.safetensors', import.meta.url))));
    const procedural = tokenizerFromDescription(shipped.tokenizer as TokenizerDescription);
    expect(() => levelTokenIds(procedural, [{ label: 'A' }, { label: 'B' }])).toThrow(/score label "A" is not a single token after "So the overall score is "/);
  });

  it('Rubric Lab\'s 1–10 variant: ten balanced scores from the two families with ten bands, annotators within 1..10', () => {
    const lab = generateRubricLab({ seed: 5, train: 200, dev: 0, test: 0, levels: 10 });
    const counts = new Map<number, number>();
    for (const ex of lab.train) counts.set(ex.feedbackScore!, (counts.get(ex.feedbackScore!) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(lab.train.map((ex) => ex.extras?.family))).toEqual(new Set(['arithmetic', 'word-limit']));
    expect(lab.train.every((ex) => ex.scores.every((s) => s >= 1 && s <= 10))).toBe(true);
    const off = lab.train.filter((ex) => ex.extras?.family === 'arithmetic').map((ex) => [ex.feedbackScore!, ex.extras!.off as number]);
    for (const [score, d] of off) expect(d, `score ${score}`).toBe(score === 10 ? 0 : d); // exactly right only at 10
    expect(off.filter(([s]) => s === 9).every(([, d]) => d === 1)).toBe(true);
    expect(() => generateRubricLab({ levels: 10, families: ['spelling'] })).toThrow(/with a 1–10 variant: arithmetic, word-limit/);
  });
});
