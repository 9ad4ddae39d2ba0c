// The procedural pretraining corpus: deterministic for a seed, every stated result correct (each
// equation, comparison, count and position check is recomputed from the text), each kind's facts
// agree with its text, and the row builder makes the same rows again for the same key.
import { describe, expect, it } from 'vitest';
import {
  additionSteps,
  compareSteps,
  corpusBatch,
  corpusDocuments,
  countingSteps,
  distanceSteps,
  positionSteps,
  subtractionSteps,
  trainProceduralTokenizer,
  CORPUS_KINDS,
} from '../../src/data/index.ts';

/** Every "x+y=z", "x+y+1=z", "x-y=z", "x-1-y=z", "1x-y=z" and "1x-1-y=z" stated in a text, checked. */
function checkEquations(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/(?<![\d-])(\d+)([+-])(\d+)(?:([+-])(\d+))?=(\d+)/g)) {
    const [, a, op1, b, op2, c, z] = m;
    let v = op1 === '+' ? +a! + +b! : +a! - +b!;
    if (op2) v = op2 === '+' ? v + +c! : v - +c!;
    expect(v, `${m[0]} in: ${text}`).toBe(+z!);
    n++;
  }
  return n;
}

/** Every "so a>b" / "a<b" / "a=b" conclusion of a comparison, checked. */
function checkComparisons(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/so (\d+)([<>=])(\d+)\./g)) {
    const [, a, o, b] = m;
    expect(o, `${m[0]} in: ${text}`).toBe(+a! > +b! ? '>' : +a! < +b! ? '<' : '=');
    n++;
  }
  return n;
}

describe('procedural steps', () => {
  it('column addition and subtraction state correct digits, carries and borrows', () => {
    expect(additionSteps(47, 38)).toBe('47+38: 7+8=15 carry 1, 4+3+1=8, so 47+38=85.');
    expect(additionSteps(95, 7)).toBe('95+7: 5+7=12 carry 1, 9+0+1=10, so 95+7=102.');
    expect(subtractionSteps(91, 85)).toBe('91-85: 1-5 borrow, 11-5=6, 9-1-8=0, so 91-85=6.');
    expect(subtractionSteps(103, 98)).toBe('103-98: 3-8 borrow, 13-8=5, 0-1-9 borrow, 10-1-9=0, 1-1-0=0, so 103-98=5.');
    expect(() => subtractionSteps(3, 5)).toThrow(/a ≥ b/);
    for (let a = 0; a < 300; a += 7) for (let b = 0; b <= a; b += 11) {
      expect(checkEquations(subtractionSteps(a, b))).toBeGreaterThan(0);
      expect(checkEquations(additionSteps(a, b))).toBeGreaterThan(0);
    }
  });

  it('comparisons, distances, counting and position checks', () => {
    expect(compareSteps(86, 85)).toEqual({ text: 'Compare 86 and 85: 8=8, 6>5, so 86>85.', order: '>' });
    expect(compareSteps(9, 123).text).toBe('Compare 9 and 123: 1 digits vs 3, so 9<123.');
    expect(compareSteps(40, 40)).toEqual({ text: 'Compare 40 and 40: 4=4, 0=0, so 40=40.', order: '=' });
    expect(distanceSteps(25, 31)).toMatchObject({ distance: 6, order: '<' });
    expect(distanceSteps(25, 31).text).toContain('31-25: 1-5 borrow, 11-5=6, 3-1-2=0, so 31-25=6.');
    expect(countingSteps(['The', 'red', 'bird'])).toBe('Counting: The 1, red 2, bird 3, so 3 words.');
    expect(positionSteps(['a', 'c', 'f'], ['a', 'f', 'c'])).toEqual({ text: 'a a ok, c f no 1, f c no 2, so 2 differ.', differ: 2 });
    expect(positionSteps(['a'], ['a', 'b']).differ).toBe(1);
  });
});

describe('the procedural corpus', () => {
  const docs = corpusDocuments(1, 'train', 0, 3000);

  it('is deterministic for a seed and a document index, and differs between seeds and splits', () => {
    expect(corpusDocuments(1, 'train', 0, 3000)).toEqual(docs);
    expect(corpusDocuments(1, 'train', 1000, 5)).toEqual(docs.slice(1000, 1005));
    expect(corpusDocuments(2, 'train', 0, 50).map((d) => d.text)).not.toEqual(docs.slice(0, 50).map((d) => d.text));
    const dev = new Set(corpusDocuments(1, 'dev', 0, 500).map((d) => d.text));
    const overlap = docs.filter((d) => dev.has(d.text) && d.text.length > 60).length;
    expect(overlap).toBeLessThan(15);
  });

  it('has every kind, and mentions no rubric, score or Rubric Lab prompt', () => {
    const kinds = new Set(docs.map((d) => d.kind));
    expect([...kinds].sort()).toEqual([...CORPUS_KINDS].sort());
    for (const d of docs) expect(d.text).not.toMatch(/score|rubric|Response:|Feedback/i);
  });

  it('states only correct results: every equation, comparison, count and position check', () => {
    let equations = 0;
    let comparisons = 0;
    for (const d of docs) {
      equations += checkEquations(d.text);
      comparisons += checkComparisons(d.text);
      const counting = /Counting: (.*), so (\d+) (words|items)\./.exec(d.text);
      if (counting) {
        const listed = counting[1]!.split(', ');
        listed.forEach((item, i) => expect(item.endsWith(` ${i + 1}`), d.text).toBe(true));
        expect(+counting[2]!).toBe(listed.length);
        if (d.kind === 'counting') expect(d.facts.count).toBe(listed.length);
      }
      if (d.kind === 'counting' && d.text.startsWith('How many words')) {
        const sentence = /"(.*)"/.exec(d.text)![1]!;
        expect(d.facts.count).toBe(sentence.split(' ').length);
      }
      if (d.kind === 'position') {
        const m = /^Compare (.*) with (.*): (.*), so (\d+) differ\.$/.exec(d.text)!;
        const [x, y] = [m[1]!.split(' '), m[2]!.split(' ')];
        expect(positionSteps(x, y).text).toBe(`${m[3]}, so ${m[4]} differ.`);
        expect(+m[4]!).toBe(x.filter((w, i) => w !== y[i]).length);
      }
      if (d.kind === 'distance') {
        const [, a, b] = /^How far apart are (\d+) and (\d+)\?/.exec(d.text)!;
        expect(d.text.endsWith(`The difference is ${Math.abs(+a! - +b!)}.`), d.text).toBe(true);
      }
      if (d.kind === 'limit') {
        const over = d.facts.over as number;
        expect(d.text.endsWith(over > 0 ? `That is ${over} over.` : 'That is within.'), d.text).toBe(true);
      }
    }
    expect(equations).toBeGreaterThan(3000);
    expect(comparisons).toBeGreaterThan(500);
  });

  it('makes the same training rows again for the same step, starting at BOS', () => {
    const tok = trainProceduralTokenizer({ documents: 2000 });
    const a = corpusBatch(tok, 1, 'train', 17, 3, 64);
    const b = corpusBatch(tok, 1, 'train', 17, 3, 64);
    expect(a).toEqual(b);
    expect(a.inputIds[0]).toBe(tok.bos);
    expect(a.inputIds[64]).toBe(tok.bos);
    expect(Array.from(a.targets.subarray(0, 63))).toEqual(Array.from(a.inputIds.subarray(1, 64)));
    expect(corpusBatch(tok, 1, 'train', 18, 3, 64).inputIds).not.toEqual(a.inputIds);
    // Digits are single tokens, the column procedures rely on it.
    for (const d of '0123456789') expect(tok.encode(d)).toHaveLength(1);
    expect(tok.scoreTokenIds()).toHaveLength(5);
  });
});
