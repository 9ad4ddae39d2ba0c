import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/model/rng.ts';
import { applyRepetitionPenalty, argmax, sampleToken, softmaxWithTemperature, validateSampling } from '../../src/infer/sampling.ts';

describe('sampling', () => {
  it('greedy takes the first maximum', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(sampleToken(new Float32Array([0.1, 5, 2]), { temperature: 0 }, new Rng(1))).toBe(1);
  });

  it('samples with the softmax frequencies at temperature 1', () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const rng = new Rng(7);
    const counts = [0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(new Float32Array(logits), { temperature: 1 }, rng)]++;
    expect(counts[0] / n).toBeCloseTo(0.5, 1);
    expect(counts[1] / n).toBeCloseTo(0.3, 1);
    expect(counts[2] / n).toBeCloseTo(0.2, 1);
  });

  it('top-p keeps only the nucleus', () => {
    // p = 0.5, 0.3, 0.15, 0.05: top-p 0.75 keeps tokens 0 and 1 (0.5 < 0.75 ≤ 0.8).
    const logits = [0.5, 0.3, 0.15, 0.05].map(Math.log);
    const rng = new Rng(3);
    const seen = new Set<number>();
    let ones = 0;
    for (let i = 0; i < 5000; i++) {
      const t = sampleToken(new Float64Array(logits), { temperature: 1, topP: 0.75 }, rng);
      seen.add(t);
      if (t === 1) ones++;
    }
    expect([...seen].sort()).toEqual([0, 1]);
    expect(ones / 5000).toBeCloseTo(0.3 / 0.8, 1);
  });

  it('top-p keeps at least one token', () => {
    expect(sampleToken(new Float32Array([10, 0, 0]), { temperature: 1, topP: 0.01 }, new Rng(1))).toBe(0);
  });

  it('temperature sharpens and flattens', () => {
    const p1 = softmaxWithTemperature([1, 2], 1);
    const pLow = softmaxWithTemperature([1, 2], 0.5);
    const pHigh = softmaxWithTemperature([1, 2], 2);
    expect(pLow[1]).toBeGreaterThan(p1[1]);
    expect(pHigh[1]).toBeLessThan(p1[1]);
  });

  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const z = new Float32Array([2, -2, 2]);
    applyRepetitionPenalty(z, [0, 1, 1], 2);
    expect(Array.from(z)).toEqual([1, -4, 2]);
  });

  it('same seed, same samples', () => {
    const run = () => {
      const rng = new Rng(42);
      return Array.from({ length: 50 }, () => sampleToken(new Float32Array([0, 1, 2, 1, 0]), { temperature: 1, topP: 0.9 }, rng));
    };
    expect(run()).toEqual(run());
  });

  it('an Rng restored from its saved state continues the same sequence', () => {
    const a = new Rng(9);
    a.next();
    const b = Rng.restore(a.savedState);
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
  });

  it('rejects bad options with the option named', () => {
    expect(() => validateSampling({ temperature: -1 })).toThrow(/temperature/);
    expect(() => validateSampling({ topP: 0 })).toThrow(/top-p/);
    expect(() => validateSampling({ topP: 1.5 })).toThrow(/top-p/);
    expect(() => validateSampling({ repetitionPenalty: 0 })).toThrow(/repetition penalty/);
  });
});
