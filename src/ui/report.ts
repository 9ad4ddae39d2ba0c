// What the Evaluate and Learn views read from a run's Report (src/eval/experiment.ts), as text.
// report.json files made by older versions lack fields (split, mean over seeds of the orderings,
// familyMean, promptFit/promptCut, cotShift sd, seedModel): every reader here says 'n/a' for a
// missing one instead of throwing, and JSON's null (a NaN: the correlation of a constant) too.
import { fmt } from './format.ts';
import type { MethodName, Report } from '../worker/protocol.ts';

export const METHOD_LABELS: Record<MethodName, string> = {
  'label-ce-decode': 'Label-only CE + decoding',
  'label-raft-rail': 'Label-only RAFT (no CoT) + RAIL',
  'cot-ce-decode': 'CoT-CE (SFT on reference CoTs) + decoding',
  'cot-ce-cotrail': 'CoT-CE + CoT-RAIL',
  'stage1-cotrail': 'Stage 1 only + CoT-RAIL',
  'selfcot-ce-cotrail': 'Self-CoT with CE only + CoT-RAIL',
  'stage2-from-stage1-cotrail': 'Stage 2 from stage 1 + CoT-RAIL',
  'tract-decode': 'TRACT + decoding',
  'tract-cotrail': 'TRACT + CoT-RAIL',
};

export type MethodResult = NonNullable<Report['methods'][MethodName]>;
export type MethodEntry = [MethodName, MethodResult];
export const METRICS = ['pearson', 'spearman', 'kendall', 'rmse'] as const;
export type Metric = (typeof METRICS)[number];

/** An estimate with its 95% CI as it arrives from JSON (NaN bounds are null there). */
type Est = { value: number | null; lo: number | null; hi: number | null };
/** Mean ± sd over seeds as it arrives from JSON. */
type Spread = { mean: number | null; sd: number | null };

/** "0.812 [0.771, 0.850]"; 'n/a' when the estimate is missing. */
export function ci(e: Est | { value: number; lo: number; hi: number } | null | undefined): string {
  return e ? `${fmt(e.value)} [${fmt(e.lo)}, ${fmt(e.hi)}]` : 'n/a';
}

/** "0.812 ± 0.021"; 'n/a' when missing. */
export function spread(s: Spread | { mean: number; sd: number } | null | undefined): string {
  return s ? `${fmt(s.mean)} ± ${fmt(s.sd)}` : 'n/a';
}

export function pct(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a';
}

export function methodEntries(r: Report): MethodEntry[] {
  return Object.entries(r.methods ?? {}) as MethodEntry[];
}

/** More than one seed: tables lead with mean ± sd over seeds (one seed: its value with a CI). */
export function multiSeed(r: Report): boolean {
  return (r.seeds?.length ?? 0) > 1;
}

/** The split the methods were scored on; null in reports made before the split was recorded. */
export function scoredSplit(r: Report): Report['split'] | null {
  return r.split === 'dev' || r.split === 'test' ? r.split : null;
}

/** How many examples were scored: the first method's count, else the split's size. */
export function scoredCount(r: Report): number | null {
  const first = methodEntries(r)[0]?.[1].perSeed?.[0]?.n;
  if (typeof first === 'number') return first;
  const split = scoredSplit(r);
  return split ? (r.data?.[split] ?? null) : null;
}

/** Task families in the order the report first names them (over methods and seeds). */
export function families(r: Report): string[] {
  const out: string[] = [];
  for (const [, res] of methodEntries(r)) {
    for (const p of res.perSeed ?? []) for (const f of Object.keys(p.byFamily ?? {})) if (!out.includes(f)) out.push(f);
    for (const f of Object.keys(res.familyMean ?? {})) if (!out.includes(f)) out.push(f);
  }
  return out;
}

/** Pearson mean over seeds of one method (one seed: its value); null when the method is absent. */
export function meanPearson(r: Report, m: MethodName): number | null {
  const res = r.methods?.[m];
  if (!res) return null;
  const mean = res.mean?.pearson?.mean;
  if (typeof mean === 'number') return mean;
  const v = res.perSeed?.[0]?.metrics?.pearson?.value;
  return typeof v === 'number' ? v : null;
}
