import { describe, expect, it } from 'vitest';
import { kendallTauB } from '../../src/eval/kendall.ts';
import { acrossSeeds, allMetrics, bootstrap, metric } from '../../src/eval/metrics.ts';
import { Rng } from '../../src/model/rng.ts';

// Golden values from scipy (DESIGN.md §6).
const x = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7];
const y = [2, 1, 3, 3, 5, 4, 6, 6, 8, 7];

/** τ-b straight from its definition, O(n²): an independent check of the O(n log n) version. */
function bruteTauB(a: number[], b: number[]): number {
  let c = 0, d = 0, tx = 0, ty = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const sx = Math.sign(a[i] - a[j]);
      const sy = Math.sign(b[i] - b[j]);
      if (sx === 0 && sy === 0) continue;
      if (sx === 0) tx++;
      else if (sy === 0) ty++;
      else if (sx === sy) c++;
      else d++;
    }
  }
  return (c - d) / Math.sqrt((c + d + tx) * (c + d + ty));
}

describe('metrics vs scipy golden values', () => {
  it('Pearson, Spearman, Kendall τ-b', () => {
    expect(metric('pearson', x, y)).toBeCloseTo(0.91305728641498, 12);
    expect(metric('spearman', x, y)).toBeCloseTo(0.93812095999547, 12);
    expect(metric('kendall', x, y)).toBeCloseTo(0.8335696394016967, 12);
  });
  it('RMSE', () => {
    expect(metric('rmse', [1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 12);
  });
});

describe('Kendall τ-b', () => {
  it('matches the brute-force definition on a tie-heavy case (scores 1..5 vs means of three)', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 300 }, () => 1 + Math.floor(rng.next() * 5));
    const b = a.map((v) => Math.round((v + rng.normal()) * 3) / 3);
    expect(kendallTauB(a, b)).toBeCloseTo(bruteTauB(a, b), 12);
  });
  it('is ±1 for monotone data and NaN for a constant series', () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('bootstrap CIs', () => {
  it('bracket the estimate and are reproducible from the seed', () => {
    const rng = new Rng(11);
    const gold = Array.from({ length: 200 }, () => 1 + 4 * rng.next());
    const pred = gold.map((g) => g + 0.8 * rng.normal());
    const a = bootstrap('pearson', pred, gold, { seed: 3, samples: 500 });
    const b = bootstrap('pearson', pred, gold, { seed: 3, samples: 500 });
    expect(a).toEqual(b);
    expect(a.lo).toBeLessThan(a.value);
    expect(a.hi).toBeGreaterThan(a.value);
    expect(a.hi - a.lo).toBeLessThan(0.2);
    const all = allMetrics(pred, gold, { seed: 1, samples: 200 });
    for (const m of Object.values(all)) expect(Number.isFinite(m.lo) && Number.isFinite(m.hi)).toBe(true);
  });
  it('constant predictions give an undefined correlation, not a crash', () => {
    const e = bootstrap('pearson', [3, 3, 3, 3], [1, 2, 3, 4], { samples: 50 });
    expect(e.value).toBeNaN();
  });
  it('mean ± sd across seeds', () => {
    const s = acrossSeeds([0.5, 0.7]);
    expect(s.mean).toBeCloseTo(0.6, 12);
    expect(s.sd).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(s.n).toBe(2);
    expect(acrossSeeds([0.4]).sd).toBe(0);
  });
});
