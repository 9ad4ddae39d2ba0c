// report.md from a report of two seeds: the scored split, the prompt cut rate per split, mean ± sd
// and every seed's value of every metric, Pearson per family (mean ± sd and per seed), the orderings
// in the mean over seeds with their paired CI next to the per-seed ones, and the deviations.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import type { MethodResult, Report } from '../../src/eval/experiment.ts';
import { acrossSeeds, type Estimate, type MetricSet } from '../../src/eval/metrics.ts';
import { renderMarkdown } from '../../src/eval/report.ts';
import { makeConfig } from '../../src/model/config.ts';

const est = (value: number, half = 0.05): Estimate => ({ value, lo: value - half, hi: value + half });
const metrics = (r: number): MetricSet => ({ pearson: est(r), spearman: est(r - 0.01), kendall: est(r - 0.1), rmse: est(1 - r / 2) });

function method(pearson: [number, number], families: Record<string, [number, number]>): MethodResult {
  const perSeed = [0, 1].map((i) => ({
    seed: i + 1,
    metrics: metrics(pearson[i]),
    n: 200,
    distinct: 150,
    offScaleRate: 0.02 * (i + 1),
    byFamily: Object.fromEntries(Object.entries(families).map(([f, v]) => [f, v[i]])),
  }));
  const mean = Object.fromEntries((['pearson', 'spearman', 'kendall', 'rmse'] as const).map((k) => [k, acrossSeeds(perSeed.map((p) => p.metrics[k].value))])) as MethodResult['mean'];
  const familyMean = Object.fromEntries(Object.keys(families).map((f) => [f, acrossSeeds(perSeed.map((p) => p.byFamily[f]))]));
  return { perSeed, mean, familyMean };
}

function twoSeedReport(): Report {
  const cut = (c: number, n: number) => ({ n, cut: c, rate: c / n, dropped: 0 });
  return {
    config: { ...DEFAULT_CONFIG, seeds: [1, 2], eval: { ...DEFAULT_CONFIG.eval, split: 'dev' } },
    seeds: [1, 2],
    data: {
      train: 2000,
      dev: 200,
      test: 500,
      tokenizer: { vocabSize: 512, name: 'bpe' },
      truncated: 11,
      dropped: 0,
      referenceCotsCut: 4,
      promptFit: { seqLen: 192, maxCotTokens: 64, budget: 120 },
      promptCut: { train: cut(12, 2000), dev: cut(1, 200), test: cut(3, 500) },
    },
    split: 'dev',
    modelConfig: makeConfig({ dim: 64, hiddenDim: 192, nLayers: 4, nHeads: 4, nKvHeads: 2, vocabSize: 512, seqLen: 192 }),
    parameters: 229952,
    seedModel: null,
    stageSeconds: { 'seed-1': { seed: 40 }, 'seed-2': { seed: 41 } },
    losses: {},
    methods: {
      'label-raft-rail': method([0.61, 0.65], { arithmetic: [0.5, 0.6], spelling: [0.7, 0.72] }),
      'tract-cotrail': method([0.8, 0.84], { arithmetic: [0.81, 0.79], spelling: [0.9, 0.88] }),
    },
    cotShift: { tract: { perSeed: [{ seed: 1, rmse: 0.2 }, { seed: 2, rmse: 0.3 }], mean: 0.25, sd: 0.0707 } },
    ordering: [
      {
        claim: 'TRACT > RAFT without CoT',
        better: 'tract-cotrail',
        worse: 'label-raft-rail',
        perSeed: [{ seed: 1, difference: est(0.19, 0.1) }, { seed: 2, difference: est(0.19, 0.2) }],
        meanOverSeeds: { value: 0.19, lo: 0.111, hi: 0.27 },
        holds: true,
        significant: true,
      },
    ],
    paperPearson: { 'tract-cotrail': 0.65 },
    wallSeconds: 600,
    deviations: ["RAFT weighting (finetune.raftReduction 'mean', λ = 1): ours."],
  };
}

describe('report.md', () => {
  const md = renderMarkdown(twoSeedReport(), 'npm run tract -- run');

  it('says which split was scored and how many prompts the rule cut per split', () => {
    expect(md).toMatch(/Methods scored on the dev split \(200 examples\): a run for choosing settings/);
    expect(md).toMatch(/## Dev-set agreement with the gold labels \(mean ± sd over 2 seeds/);
    expect(md).toMatch(/≤ 120 ids \(T 192 \+ 1 − the 64-token CoT room/);
    expect(md).toContain('Cut prompts: train 12/2000 (0.6%), dev 1/200 (0.5%), test 3/500 (0.6%).');
    expect(md).toContain('Reference CoTs cut to 64 tokens: 4.');
  });

  it('gives no rate of cut prompts for a split with no examples ("–")', () => {
    const r = twoSeedReport();
    r.data.promptCut.dev = { n: 0, cut: 0, rate: 0, dropped: 0 };
    expect(renderMarkdown(r, 'npm run tract -- run')).toContain('Cut prompts: train 12/2000 (0.6%), dev 0/0 (–), test 3/500 (0.6%).');
  });

  it('gives mean ± sd and every seed of every metric', () => {
    expect(md).toMatch(/\| TRACT \(stage 2 from the seed\) \+ CoT-RAIL `tract-cotrail` \| 0\.820 ± 0\.028 \(0\.800 \[0\.750, 0\.850\]\) \|/);
    expect(md).toContain('### Every metric per seed');
    expect(md).toContain('| `tract-cotrail` | 2 | 0.840 [0.790, 0.890] | 0.830 [0.780, 0.880] | 0.740 [0.690, 0.790] | 0.580 [0.530, 0.630] | 150 |  |');
    expect(md).toContain('| `label-raft-rail` | 1 | 0.610 [0.560, 0.660]');
  });

  it('has the per-family table: mean ± sd over seeds, then each seed', () => {
    expect(md).toContain('### Pearson r by task family (mean ± sd over seeds, then each seed)');
    expect(md).toContain('| Method | arithmetic | spelling |');
    expect(md).toContain('| `tract-cotrail` | 0.800 ± 0.014 (0.810, 0.790) | 0.890 ± 0.014 (0.900, 0.880) |');
  });

  it('checks the orderings in the mean over seeds, next to the per-seed differences', () => {
    expect(md).toContain('| Claim | mean over seeds [paired 95% CI] | per seed [paired 95% CI] | holds | beyond noise |');
    expect(md).toContain('| TRACT > RAFT without CoT | 0.190 [0.111, 0.270] | 1: 0.190 [0.090, 0.290]; 2: 0.190 [-0.010, 0.390] | yes | yes |');
    expect(md).toMatch(/the same indices for every seed/);
  });

  it('gives the CoT shift per seed and the deviations', () => {
    expect(md).toContain('- tract: 0.250 ± 0.071 (seed 1: 0.200, seed 2: 0.300)');
    expect(md).toContain("- RAFT weighting (finetune.raftReduction 'mean', λ = 1): ours.");
  });

  it('with one seed: no per-seed table, the single difference and its CI', () => {
    const r = twoSeedReport();
    const one: Report = { ...r, seeds: [1], split: 'test', methods: Object.fromEntries(Object.entries(r.methods).map(([m, x]) => [m, { ...x!, perSeed: x!.perSeed.slice(0, 1) }])) };
    one.ordering = [{ ...r.ordering[0], perSeed: r.ordering[0].perSeed.slice(0, 1), meanOverSeeds: est(0.19, 0.1) }];
    const text = renderMarkdown(one);
    expect(text).toMatch(/## Test-set agreement with the gold labels \(95% bootstrap CIs\)/);
    expect(text).not.toContain('Every metric per seed');
    expect(text).toContain('### Pearson r by task family (seed 1)');
    expect(text).toContain('| TRACT > RAFT without CoT | 0.190 [0.090, 0.290] | yes | yes |');
  });
});
