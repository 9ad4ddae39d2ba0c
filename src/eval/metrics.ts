// Agreement between predicted and gold scores: Pearson r (the headline), Spearman ρ, Kendall τ-b,
// RMSE, each with a seeded percentile-bootstrap 95% confidence interval; and mean ± sd across seeds.
// Pure functions (no GPU, no Node), used by the experiment runner, the CLI and the app.
import { mean, sampleCorrelation, sampleRankCorrelation, sampleStandardDeviation } from 'simple-statistics';
import { kendallTauB } from './kendall.ts';
import { Rng } from '../model/rng.ts';

export type MetricName = 'pearson' | 'spearman' | 'kendall' | 'rmse';
export const METRICS: readonly MetricName[] = ['pearson', 'spearman', 'kendall', 'rmse'];

function constant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

/** One metric; NaN when undefined (a correlation of a constant series, fewer than 2 points). */
export function metric(name: MetricName, pred: readonly number[], gold: readonly number[]): number {
  if (pred.length !== gold.length) throw new Error(`${name}: ${pred.length} predictions but ${gold.length} gold scores`);
  if (pred.length === 0) return NaN;
  if (name === 'rmse') {
    let s = 0;
    for (let i = 0; i < pred.length; i++) s += (pred[i] - gold[i]) ** 2;
    return Math.sqrt(s / pred.length);
  }
  if (pred.length < 2 || constant(pred) || constant(gold)) return NaN;
  if (name === 'pearson') return sampleCorrelation(pred as number[], gold as number[]);
  if (name === 'spearman') return sampleRankCorrelation(pred as number[], gold as number[]);
  return kendallTauB(pred, gold);
}

export interface Estimate {
  value: number;
  /** Bounds of the percentile-bootstrap interval (NaN when the metric is undefined). */
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  samples?: number;
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

/** A percentile-bootstrap CI of `stat` over n paired items: each resample draws n indices with
 *  replacement (seeded); resamples where the statistic is undefined are left out. */
function percentileBootstrap(n: number, value: number, stat: (pick: (i: number) => number) => number, opts: BootstrapOptions): Estimate {
  const samples = opts.samples ?? 1000;
  const level = opts.level ?? 0.95;
  const rng = new Rng(opts.seed ?? 1);
  const idx = new Int32Array(n);
  const stats: number[] = [];
  for (let s = 0; s < samples && n > 0; s++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng.next() * n);
    const v = stat((i) => idx[i]);
    if (Number.isFinite(v)) stats.push(v);
  }
  if (stats.length === 0) return { value, lo: NaN, hi: NaN };
  stats.sort((a, b) => a - b);
  const q = (f: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(f * (stats.length - 1) + 0.5)))];
  return { value, lo: q((1 - level) / 2), hi: q(1 - (1 - level) / 2) };
}

function gather(x: readonly number[], pick: (i: number) => number): number[] {
  return Array.from({ length: x.length }, (_, i) => x[pick(i)]);
}

/** The metric with a percentile-bootstrap CI over resampled (pred, gold) pairs. */
export function bootstrap(name: MetricName, pred: readonly number[], gold: readonly number[], opts: BootstrapOptions = {}): Estimate {
  const value = metric(name, pred, gold);
  return percentileBootstrap(pred.length, value, (pick) => metric(name, gather(pred, pick), gather(gold, pick)), opts);
}

/** metric(a) − metric(b) on the same examples, with a paired percentile-bootstrap CI (the same
 *  resampled examples for both): whether one method beats another beyond the sampling noise. */
export function pairedDifference(name: MetricName, predA: readonly number[], predB: readonly number[], gold: readonly number[], opts: BootstrapOptions = {}): Estimate {
  const n = gold.length;
  if (predA.length !== n || predB.length !== n) throw new Error(`${name} difference: ${predA.length} and ${predB.length} predictions for ${n} gold scores`);
  const value = metric(name, predA, gold) - metric(name, predB, gold);
  return percentileBootstrap(n, value, (pick) => {
    const g = gather(gold, pick);
    return metric(name, gather(predA, pick), g) - metric(name, gather(predB, pick), g);
  }, opts);
}

/**
 * The mean over seeds of metric(a_s) − metric(b_s), with a paired bootstrap CI that resamples the
 * examples jointly: each resample draws one set of indices and uses it for every seed and both
 * methods (the seeds score the same examples, so their differences are not independent).
 * predA[s], predB[s]: seed s's predictions on the examples of `gold`. NaN when a seed's difference
 * is undefined (a constant prediction); resamples where one is undefined are left out.
 */
export function pairedDifferenceOverSeeds(name: MetricName, predA: readonly (readonly number[])[], predB: readonly (readonly number[])[], gold: readonly number[], opts: BootstrapOptions = {}): Estimate {
  const n = gold.length;
  if (predA.length === 0 || predA.length !== predB.length) throw new Error(`${name} difference over seeds: ${predA.length} and ${predB.length} seeds of predictions`);
  predA.forEach((a, s) => {
    if (a.length !== n || predB[s].length !== n) throw new Error(`${name} difference over seeds: seed ${s} has ${a.length} and ${predB[s].length} predictions for ${n} gold scores`);
  });
  const meanDiff = (pick: (i: number) => number) => {
    const g = gather(gold, pick);
    let sum = 0;
    for (let s = 0; s < predA.length; s++) sum += metric(name, gather(predA[s], pick), g) - metric(name, gather(predB[s], pick), g);
    return sum / predA.length;
  };
  return percentileBootstrap(n, meanDiff((i) => i), meanDiff, opts);
}

export type MetricSet = Record<MetricName, Estimate>;

export function allMetrics(pred: readonly number[], gold: readonly number[], opts: BootstrapOptions = {}): MetricSet {
  const out = {} as MetricSet;
  for (const m of METRICS) out[m] = bootstrap(m, pred, gold, opts);
  return out;
}

/** Mean and sample standard deviation of a metric over seeds (sd 0 for one seed). */
export function acrossSeeds(values: readonly number[]): { mean: number; sd: number; n: number } {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { mean: NaN, sd: NaN, n: 0 };
  return { mean: mean(finite), sd: finite.length > 1 ? sampleStandardDeviation(finite) : 0, n: finite.length };
}

