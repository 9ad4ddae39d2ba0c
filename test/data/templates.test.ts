// Templates, the feedback rewrite and the judgement parser.
import { describe, expect, it } from 'vitest';
import { SCORE_PROMPT_SUFFIX, cotFromFeedback, parseJudgeOutput, renderPrompt, rewriteFeedback, statedScore, targetScore, targetText, type PromptFields } from '../../src/data/index.ts';
import { fivePoint } from '../../src/data/levels.ts';

const FIELDS: PromptFields = {
  instruction: 'What is 2 + 2?',
  response: '2 + 2 = 5',
  referenceAnswer: '2 + 2 = 4',
  rubric: { criteria: 'Is the answer correct?', levels: fivePoint(['off by 7 or more', 'off by 4 to 6', 'off by 2 or 3', 'off by 1', 'exactly right']) },
};

describe('templates', () => {
  it('renders the Prometheus absolute-grading prompt with its sections in order', () => {
    const p = renderPrompt(FIELDS, 'prometheus');
    expect(p.startsWith('###Task Description:\nAn instruction (might include an Input inside it)')).toBe(true);
    const order = ['###The instruction to evaluate:\nWhat is 2 + 2?', '###Response to evaluate:\n2 + 2 = 5', '###Reference Answer (Score 5):\n2 + 2 = 4', '###Score Rubrics:\n[Is the answer correct?]\nScore 1: off by 7 or more', 'Score 5: exactly right\n\n###Feedback: '];
    let at = 0;
    for (const part of order) {
      const i = p.indexOf(part, at);
      expect(i, part).toBeGreaterThan(at - 1);
      at = i;
    }
    expect(p.endsWith('###Feedback: ')).toBe(true);
  });

  it('renders the compact prompt exactly', () => {
    expect(renderPrompt(FIELDS, 'compact')).toBe(
      'Rubric: Is the answer correct?\n1: off by 7 or more\n2: off by 4 to 6\n3: off by 2 or 3\n4: off by 1\n5: exactly right\n' +
        'Task: What is 2 + 2?\nResponse: 2 + 2 = 5\nReference: 2 + 2 = 4\nFeedback:',
    );
  });

  it('builds the target text and rewrites [RESULT] feedback', () => {
    expect(SCORE_PROMPT_SUFFIX).toBe(' So the overall score is ');
    expect(targetText('It is off by 1.', 4)).toBe('It is off by 1. So the overall score is 4');
    expect(targetText('', 4)).toBe('So the overall score is 4');
    expect(rewriteFeedback('Good but short. [RESULT] 4', 4)).toBe('Good but short. So the overall score is 4');
    expect(rewriteFeedback('Good. So the overall score is 3.', 3)).toBe('Good. So the overall score is 3');
    expect(rewriteFeedback('No score sentence here.', 2)).toBe('No score sentence here. So the overall score is 2');
    expect(cotFromFeedback('  Fine. So the overall quality is high [RESULT] 5')).toBe('Fine.');
  });

  it('reads the score a feedback states, and picks the target digit', () => {
    expect(statedScore('x [RESULT] Score: 1.')).toBe(1);
    expect(statedScore('x [RESULT] 4')).toBe(4);
    expect(statedScore('no score')).toBeUndefined();
    expect(targetScore({ label: 3.67, rubric: FIELDS.rubric })).toBe(4);
    expect(targetScore({ label: 3.67, feedbackScore: 3, rubric: FIELDS.rubric })).toBe(3);
    expect(targetScore({ label: 1, rubric: FIELDS.rubric })).toBe(1);
  });
});

describe('parseJudgeOutput', () => {
  const cases: [string, { cot: string; score: number | null; status: string }][] = [
    ['It is off by 3. So the overall score is 3', { cot: 'It is off by 3.', score: 3, status: 'ok' }],
    ['It is off by 3. So the overall score is 3<eos> junk', { cot: 'It is off by 3.', score: 3, status: 'ok' }],
    ['Fine. so the overall score is 5.', { cot: 'Fine.', score: 5, status: 'ok' }],
    ['Feedback text [RESULT] 2', { cot: 'Feedback text', score: 2, status: 'ok' }],
    ['Feedback text [RESULT] Score: 1.', { cot: 'Feedback text', score: 1, status: 'ok' }],
    ['Bad. So the overall score is 7', { cot: 'Bad.', score: null, status: 'malformed' }],
    ['Bad. So the overall score is 4.5', { cot: 'Bad.', score: null, status: 'malformed' }],
    ['Bad. So the overall score is 45', { cot: 'Bad.', score: null, status: 'malformed' }],
    ['Bad. So the overall score is four', { cot: 'Bad.', score: null, status: 'malformed' }],
    ['Bad. So the overall score is ', { cot: 'Bad.', score: null, status: 'missing' }],
    ['The model rambled on and never scored', { cot: 'The model rambled on and never scored', score: null, status: 'missing' }],
    ['', { cot: '', score: null, status: 'missing' }],
    ['So the overall score is 2', { cot: '', score: 2, status: 'ok' }],
  ];
  for (const [text, want] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => {
      const got = parseJudgeOutput(text);
      expect({ cot: got.cot, score: got.score, status: got.status }).toEqual(want);
    });
  }
  it('never throws, whatever it is given', () => {
    for (const x of [undefined, null, 42, {}, '\u0000[RESULT]', '[RESULT]'.repeat(1000)]) expect(() => parseJudgeOutput(x as unknown as string)).not.toThrow();
  });
});
