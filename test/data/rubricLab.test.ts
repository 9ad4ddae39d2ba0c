// Rubric Lab: golden examples per family, determinism, disjoint balanced splits, and an independent
// recomputation of every example's check from its text.
import { describe, expect, it } from 'vitest';
import { allExamples, generateRubricLab, loadJudgeData, toTractJsonl, type JudgeExample } from '../../src/data/index.ts';
import { defaultLab } from './shared.ts';

const family = (e: JudgeExample) => e.extras!.family as string;

describe('Rubric Lab golden examples (seed 7)', () => {
  const lab = generateRubricLab({ seed: 7, train: 40, dev: 0, test: 0 });
  const first = (f: string) => lab.train.find((e) => family(e) === f)!;

  it('arithmetic', () => {
    const e = first('arithmetic');
    expect(e.instruction).toBe('What is 88 + 59?');
    expect(e.response).toBe('88 + 59 = 112');
    // The reference answer is the bare result, and the CoT copies it under the prompt's own marker
    // ("Reference: 147"): the number right after "Reference:", which a repeated "88 + 59 =" would
    // make ambiguous. The response's line is restated first under its marker too ("Response: …"),
    // so the number the CoT then reads is the last one just written.
    expect(e.referenceAnswer).toBe('147');
    expect(e.feedback).toBe(
      'Response: 88 + 59 = 112. The response gives 112. Reference: 147. Compare 112 and 147: 1=1, 1<4, so 112<147. 147-112: 7-2=5, 4-1=3, 1-1=0, so 147-112=35. The difference is 35. So the overall score is 1',
    );
    expect(e.scores).toEqual([1, 2, 1]);
  });

  it('order', () => {
    const e = first('order');
    expect(e.instruction).toBe('Sort these letters: i t l x o e');
    expect(e.response).toBe('o i e x l t');
    expect(e.referenceAnswer).toBe('e i l o t x');
    expect(e.feedback).toBe('Compare the response with the reference: o e no 1, i i ok, e l no 2, x o no 3, l t no 4, t x no 5, so 5 differ. So the overall score is 1');
    expect(e.scores).toEqual([1, 2, 1]);
  });

  it('word limit', () => {
    const e = first('word-limit');
    expect(e.instruction).toBe('Write about a bee in at most 6 words.');
    expect(e.response).toBe('The bee swam by the brown park today.');
    expect(e.feedback).toBe(
      'The limit is 6. Counting: The 1, bee 2, swam 3, by 4, the 5, brown 6, park 7, today 8, so 8 words. Compare 8 and 6: 8>6, so 8>6. 8-6: 8-6=2, so 8-6=2. That is 2 over. So the overall score is 3',
    );
    expect(e.scores).toEqual([3, 2, 3]);
  });

  it('spelling', () => {
    const e = first('spelling');
    expect(e.instruction).toBe('Copy these words: light house smile tiger table');
    expect(e.response).toBe('liht houe smole tager tablu');
    expect(e.feedback).toBe(
      'Compare the response with the reference: liht light no 1, houe house no 2, smole smile no 3, tager tiger no 4, tablu table no 5, so 5 differ. So the overall score is 1',
    );
    expect(e.label).toBe(1);
  });
});

/** The rubric's own mapping, written out again: defect size -> score. */
const scoreFor = {
  arithmetic: (off: number) => (off === 0 ? 5 : off === 1 ? 4 : off <= 3 ? 3 : off <= 6 ? 2 : 1),
  order: (wrong: number) => (wrong === 0 ? 5 : wrong <= 2 ? 4 : wrong === 3 ? 3 : wrong === 4 ? 2 : 1),
  'word-limit': (over: number) => (over <= 0 ? 5 : over === 1 ? 4 : over === 2 ? 3 : over <= 4 ? 2 : 1),
  spelling: (errors: number) => (errors === 0 ? 5 : errors === 1 ? 4 : errors === 2 ? 3 : errors === 3 ? 2 : 1),
} as Record<string, (n: number) => number>;

/** Recomputes the check from the example's text alone: [defect size, what the CoT must state]. */
function recompute(e: JudgeExample): { defect: number; states: string | string[] } {
  switch (family(e)) {
    case 'arithmetic': {
      const [, a, op, b] = /^What is (\d+) ([-+*]) (\d+)\?$/.exec(e.instruction)!;
      const correct = op === '+' ? +a! + +b! : op === '-' ? +a! - +b! : +a! * +b!;
      const given = Number(/(\d+)\.?$/.exec(e.response)![1]);
      expect(e.referenceAnswer, e.id).toBe(String(correct));
      const off = Math.abs(given - correct);
      const [hi, lo] = given >= correct ? [given, correct] : [correct, given];
      const steps = off === 0 ? [`so ${given}=${correct}. The difference is 0.`] : [`${hi}-${lo}: `, `so ${hi}-${lo}=${off}. The difference is ${off}.`];
      return { defect: off, states: [`Response: ${e.response.replace(/\.$/, '')}. The response gives ${given}. Reference: ${correct}. Compare ${given} and ${correct}: `, ...steps] };
    }
    case 'order': {
      const letters = e.instruction.split(': ')[1]!.split(' ');
      const right = e.instruction.startsWith('Reverse') ? letters.slice().reverse() : letters.slice().sort();
      const wrong = e.response.split(' ').filter((x, i) => x !== right[i]).length;
      expect(e.referenceAnswer, e.id).toBe(right.join(' '));
      return { defect: wrong, states: `, so ${wrong} differ.` };
    }
    case 'word-limit': {
      const limit = Number(/at most (\d+) words/.exec(e.instruction)![1]);
      const words = e.response.split(' ').length;
      const over = words - limit;
      const counted = e.response.replace(/\./g, '').split(' ').map((w, i) => `${w} ${i + 1}`).join(', ');
      return { defect: over, states: [`The limit is ${limit}. Counting: ${counted}, so ${words} words. `, over > 0 ? `so ${words}-${limit}=${over}. That is ${over} over.` : 'That is within.'] };
    }
    default: {
      const want = e.instruction.split(': ')[1]!.split(' ');
      const got = e.response.split(' ');
      const errors = want.filter((w, i) => w !== got[i]).length;
      return { defect: errors, states: `, so ${errors} differ.` };
    }
  }
}

describe('Rubric Lab, the default set (seed 1)', () => {
  const lab = defaultLab();
  const all = allExamples(lab);

  it('has the default split sizes, with ids and splits set', () => {
    expect([lab.train.length, lab.dev.length, lab.test.length]).toEqual([2000, 200, 500]);
    expect(new Set(all.map((e) => e.id)).size).toBe(2700);
    expect(lab.dev.every((e) => e.split === 'dev' && e.source === 'rubric-lab')).toBe(true);
  });

  it('every score follows from the check, which the CoT states', () => {
    for (const e of all) {
      const { defect, states } = recompute(e);
      expect(e.feedbackScore, e.id).toBe(scoreFor[family(e)]!(defect));
      for (const part of [states].flat()) expect(e.feedback, e.id).toContain(part);
      expect(e.feedback!.endsWith(`So the overall score is ${e.feedbackScore}`)).toBe(true);
    }
  });

  it('balances families and scores, and makes the mean label often fractional', () => {
    const cells = new Map<string, number>();
    for (const e of lab.train) cells.set(`${family(e)}/${e.feedbackScore}`, (cells.get(`${family(e)}/${e.feedbackScore}`) ?? 0) + 1);
    expect(cells.size).toBe(20);
    expect([...cells.values()].every((n) => n === 100)).toBe(true);
    const fractional = lab.train.filter((e) => !Number.isInteger(e.label)).length / lab.train.length;
    expect(fractional).toBeGreaterThan(0.4);
    for (const e of all) {
      expect(e.scores).toHaveLength(3);
      expect(e.label).toBeCloseTo((e.scores[0]! + e.scores[1]! + e.scores[2]!) / 3, 12);
    }
  });

  it('has labels whose expected value differs from the rubric score at the ends (argmax cannot match them)', () => {
    const meanLabel = (s: number) => {
      const xs = lab.train.filter((e) => e.feedbackScore === s).map((e) => e.label);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(meanLabel(5)).toBeLessThan(4.9);
    expect(meanLabel(1)).toBeGreaterThan(1.1);
    for (const s of [1, 2, 3, 4, 5]) expect(Math.abs(meanLabel(s) - s)).toBeLessThan(0.6);
  });

  it('keeps splits disjoint', () => {
    const key = (e: JudgeExample) => `${e.instruction}\n${e.response}`;
    const train = new Set(lab.train.map(key));
    const dev = new Set(lab.dev.map(key));
    expect(new Set(all.map(key)).size).toBe(all.length);
    expect(lab.test.some((e) => train.has(key(e)) || dev.has(key(e)))).toBe(false);
  });

  it('is deterministic, and the test split does not depend on the train size', () => {
    const again = generateRubricLab({ seed: 1, train: 100, dev: 200, test: 500 });
    expect(again.test).toEqual(lab.test);
    expect(again.dev).toEqual(lab.dev);
    expect(again.train).toEqual(lab.train.slice(0, 100));
    const other = generateRubricLab({ seed: 2, train: 10, dev: 0, test: 0 });
    expect(other.train.map((e) => e.instruction)).not.toEqual(lab.train.slice(0, 10).map((e) => e.instruction));
    expect(generateRubricLab({ seed: 'abc', train: 5, dev: 0, test: 0 })).toEqual(generateRubricLab({ seed: 'abc', train: 5, dev: 0, test: 0 }));
  });

  it('writes JSONL that loads back to the same examples', async () => {
    const text = lab.dev.map(toTractJsonl).join('\n');
    const r = await loadJudgeData(text, { file: 'rl.jsonl' });
    expect(r.errors).toEqual([]);
    expect(r.examples).toEqual(lab.dev);
  });

  it('refuses bad options', () => {
    expect(() => generateRubricLab({ train: -1 })).toThrow(/train must be a non-negative integer/);
    expect(() => generateRubricLab({ noise: -0.1 })).toThrow(/noise/);
    expect(() => generateRubricLab({ families: ['nope'] })).toThrow(/no family matches/);
    const noNoise = generateRubricLab({ seed: 3, train: 50, dev: 0, test: 0, noise: 0 });
    for (const e of noNoise.train) expect(new Set(e.scores).size).toBe(1);
  });
});
