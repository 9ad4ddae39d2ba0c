// What `tract eval` and the app's Evaluate view (for a file) report: row counts (scored, prompts cut,
// rows with no score and why, rejected rows), agreement with the labels — src/eval/metrics.ts's Pearson, Spearman, Kendall τ-b and RMSE with
// percentile-bootstrap CIs, of the CoT-RAIL ŷ and of the decoded score — overall and per rubric
// (rows grouped by their rubric's criteria text, when the file has several). Undefined statistics
// (fewer than 2 rows, a constant series) are null in JSON and "–" in text, never NaN.
import { allMetrics, type MetricSet } from './metrics.ts';
import type { FileRows, PromptPlan, RowLine } from './file_rows.ts';

/** A rejected row as the summary lists it (the CLI's error record has this shape). */
export interface RejectedRecord {
  file?: string;
  line?: number;
  row?: number;
  field?: string;
  message: string;
}

export interface RubricGroup {
  criteria: string;
  rows: number;
  /** Rows with a score and a label. */
  n: number;
  metrics: MetricSet | null;
}

export interface EvalSummary<E extends RejectedRecord = RejectedRecord> {
  file: string;
  checkpoint: string;
  rows: number;
  scored: number;
  labelled: number;
  /** Prompts cut (--max-prompt-tokens), and to how many ids (null: cutting was not asked for). */
  cut: { count: number; to: number | null };
  budget: number;
  /** Rows whose prompt is over the budget (no score), with their prompt length. */
  overflow: { id: string; promptIds: number }[];
  /** Rows that cannot fit even emptied (no score). */
  unfit: { id: string; promptIds: number }[];
  /** Rows whose score was not a finite number. */
  failed: { id: string; error: string }[];
  rejected: number;
  errors: E[];
  /** Against the labels (null when no scored row has one). */
  metrics: { yhat: MetricSet; decoded: MetricSet; n: number } | null;
  /** Per rubric, most scored labelled rows first (empty when the file has one rubric). */
  rubrics: RubricGroup[];
  promptFit: unknown;
  settings: Record<string, unknown>;
  seconds: number;
  out: string | null;
}

export function evalSummary<E extends RejectedRecord>(o: {
  file: string;
  checkpoint: string;
  rows: FileRows & { rejected: number };
  lines: readonly RowLine[];
  plans: readonly PromptPlan[];
  cutTo: number | undefined;
  budget: number;
  promptFit: unknown;
  settings: Record<string, unknown> & { bootstrap: number };
  seconds: number;
  out: string | null;
  errors: E[];
}): EvalSummary<E> {
  const { lines, plans } = o;
  const boot = { samples: o.settings.bootstrap, seed: 1 };
  const scored = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.yhat !== undefined);
  const withGold = scored.filter(({ l }) => l.gold !== null);
  const agreement = (xs: typeof withGold) => ({
    yhat: allMetrics(xs.map(({ l }) => l.yhat!), xs.map(({ l }) => l.gold!), boot),
    decoded: allMetrics(xs.map(({ l }) => l.decoded!), xs.map(({ l }) => l.gold!), boot),
  });
  const byCriteria = new Map<string, number[]>();
  o.rows.examples.forEach((ex, i) => byCriteria.set(ex.rubric.criteria, [...(byCriteria.get(ex.rubric.criteria) ?? []), i]));
  const rubrics: RubricGroup[] =
    byCriteria.size < 2
      ? []
      : [...byCriteria].map(([criteria, idx]) => {
          const set = new Set(idx);
          const xs = withGold.filter(({ i }) => set.has(i));
          return { criteria, rows: idx.length, n: xs.length, metrics: xs.length ? agreement(xs).yhat : null };
        });
  rubrics.sort((a, b) => b.n - a.n || b.rows - a.rows);
  const listed = (kind: 'overflow' | 'unfit') =>
    plans.flatMap((p, i) => (p.kind === kind ? [{ id: o.rows.examples[i].id, promptIds: p.uncut }] : []));
  return {
    file: o.file,
    checkpoint: o.checkpoint,
    rows: lines.length,
    scored: scored.length,
    labelled: lines.filter((l) => l.gold !== null).length,
    cut: { count: plans.filter((p) => p.kind === 'cut').length, to: o.cutTo ?? null },
    budget: o.budget,
    overflow: listed('overflow'),
    unfit: listed('unfit'),
    failed: lines.flatMap((l) => (l.error && !l.skipped ? [{ id: l.id, error: l.error }] : [])),
    rejected: o.rows.rejected,
    errors: o.errors,
    metrics: withGold.length ? { ...agreement(withGold), n: withGold.length } : null,
    rubrics,
    promptFit: o.promptFit,
    settings: o.settings,
    seconds: o.seconds,
    out: o.out,
  };
}
