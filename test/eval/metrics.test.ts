import { describe, expect, it } from 'vitest';
import { kendallTauB } from '../../src/eval/kendall.ts';
import { acrossSeeds, allMetrics, bootstrap, metric, pairedDifference, pairedDifferenceOverSeeds } from '../../src/eval/metrics.ts';
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

describe('paired difference in the mean over seeds', () => {
  const rng = new Rng(17);
  const gold = Array.from({ length: 150 }, () => 1 + 4 * rng.next());
  /** Three seeds of a better (less noisy) and a worse method on the same examples. */
  const seeds = [0, 1, 2].map(() => ({ better: gold.map((g) => g + 0.7 * rng.normal()), worse: gold.map((g) => g + 1.6 * rng.normal()) }));
  const better = seeds.map((s) => s.better);
  const worse = seeds.map((s) => s.worse);

  it('its value is the mean over seeds of r(better) − r(worse), and its CI brackets it', () => {
    const e = pairedDifferenceOverSeeds('pearson', better, worse, gold, { seed: 4, samples: 400 });
    const perSeed = seeds.map((s) => metric('pearson', s.better, gold) - metric('pearson', s.worse, gold));
    expect(e.value).toBeCloseTo(perSeed.reduce((a, b) => a + b, 0) / 3, 12);
    expect(e.lo).toBeLessThan(e.value);
    expect(e.hi).toBeGreaterThan(e.value);
    expect(e.lo).toBeGreaterThan(0);
    expect(pairedDifferenceOverSeeds('pearson', better, worse, gold, { seed: 4, samples: 400 })).toEqual(e);
  });

  it('resamples the examples jointly: with one seed it is the per-seed paired difference, resample for resample', () => {
    const one = pairedDifferenceOverSeeds('pearson', [better[0]], [worse[0]], gold, { seed: 9, samples: 300 });
    expect(one).toEqual(pairedDifference('pearson', better[0], worse[0], gold, { seed: 9, samples: 300 }));
    // Three copies of one seed: the same resamples for every seed give exactly the one-seed CI.
    const copies = pairedDifferenceOverSeeds('pearson', [better[0], better[0], better[0]], [worse[0], worse[0], worse[0]], gold, { seed: 9, samples: 300 });
    expect(copies.value).toBeCloseTo(one.value, 12);
    expect(copies.lo).toBeCloseTo(one.lo, 12);
    expect(copies.hi).toBeCloseTo(one.hi, 12);
  });

  it('is undefined when a seed predicted one constant score, and names mismatched inputs', () => {
    const constant = gold.map(() => 3);
    expect(pairedDifferenceOverSeeds('pearson', [better[0], constant], [worse[0], worse[1]], gold, { samples: 50 }).value).toBeNaN();
    expect(() => pairedDifferenceOverSeeds('pearson', better, worse.slice(0, 2), gold)).toThrow(/3 and 2 seeds/);
    expect(() => pairedDifferenceOverSeeds('pearson', [better[0].slice(1)], [worse[0]], gold)).toThrow(/seed 0 has 149 and 150 predictions for 150 gold scores/);
  });
});
