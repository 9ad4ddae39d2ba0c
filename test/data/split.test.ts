// Splitting a user's file for a run: by its own split field, or at random with set fractions
// (seeded: the same file and seed give the same split), with clear errors when a split is unusable.
import { describe, expect, it } from 'vitest';
import { allExamples, defaultSplit, fileSplitUsable, generateRubricLab, splitExamples, withReferenceCot, type JudgeExample } from '../../src/data/index.ts';

const lab = generateRubricLab({ seed: 4, train: 40, dev: 8, test: 12 });
const all = allExamples(lab);
const noSplit: JudgeExample[] = all.map(({ split: _s, ...ex }) => ex);

describe('splitting a loaded file', () => {
  it("uses the file's own split field when every row has one", () => {
    expect(fileSplitUsable(all)).toBeNull();
    expect(defaultSplit(all)).toEqual({ kind: 'file' });
    const s = splitExamples(all, { kind: 'file' });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([40, 8, 12]);
    expect(s.test.map((e) => e.id)).toEqual(lab.test.map((e) => e.id));
  });

  it('splits at random with the fractions set, the same way for the same seed, every example once', () => {
    expect(fileSplitUsable(noSplit)).toBe('60 of 60 rows have no split field');
    expect(defaultSplit(noSplit)).toEqual({ kind: 'random', dev: 0.1, test: 0.2, seed: 1 });
    const a = splitExamples(noSplit, { kind: 'random', dev: 0.1, test: 0.2, seed: 1 });
    expect([a.train.length, a.dev.length, a.test.length]).toEqual([42, 6, 12]);
    expect(new Set([...a.train, ...a.dev, ...a.test].map((e) => e.id)).size).toBe(60);
    expect(a.test.every((e) => e.split === 'test')).toBe(true);
    const b = splitExamples(noSplit, { kind: 'random', dev: 0.1, test: 0.2, seed: 1 });
    expect(b.test.map((e) => e.id)).toEqual(a.test.map((e) => e.id));
    const c = splitExamples(noSplit, { kind: 'random', dev: 0.1, test: 0.2, seed: 2 });
    expect(c.test.map((e) => e.id)).not.toEqual(a.test.map((e) => e.id));
  });

  it('says why a split cannot be made', () => {
    expect(() => splitExamples(noSplit, { kind: 'file' })).toThrow(/cannot split by the file's split field: 60 of 60 rows have no split field/);
    expect(() => splitExamples(noSplit, { kind: 'random', dev: 0.5, test: 0.5, seed: 1 })).toThrow(/leave nothing to train on/);
    expect(() => splitExamples(noSplit.slice(0, 1), { kind: 'random', dev: 0, test: 0.2, seed: 1 })).toThrow(/too few/);
  });

  it('counts the examples that carry a reference CoT', () => {
    expect(withReferenceCot(all)).toBe(60);
    expect(withReferenceCot(all.map(({ feedback: _f, ...ex }) => ex))).toBe(0);
  });
});
