// The text of `tract eval`'s summary (stdout); the summary itself is src/eval/file_summary.ts,
// shared with the app.
import { METRICS } from '../eval/metrics.ts';
import type { EvalSummary } from '../eval/file_summary.ts';
import type { CliErrorRecord } from './errors.ts';

export { evalSummary, type RubricGroup } from '../eval/file_summary.ts';
export type { EvalSummary };

const NAMES = { pearson: 'Pearson r', spearman: 'Spearman ρ', kendall: 'Kendall τ-b', rmse: 'RMSE' } as const;

/** A number to 3 places, or "–" when undefined. */
export function num(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3);
}

/** The lines of the text summary (stdout). */
export function summaryText(s: EvalSummary<CliErrorRecord>, o: { maxRubrics?: number; maxListed?: number } = {}): string[] {
  const maxRubrics = o.maxRubrics ?? 15;
  const maxListed = o.maxListed ?? 20;
  const out: string[] = [];
  const noScore = s.overflow.length + s.unfit.length + s.failed.length;
  out.push(`${s.file}: ${s.rows} rows${s.rejected ? `, ${s.rejected} rejected` : ''}; ${s.scored} scored, ${noScore} without a score; ${s.labelled} with a label`);
  if (s.cut.to !== null) out.push(`prompts cut to fit (--max-prompt-tokens ${s.cut.to}): ${s.cut.count} of ${s.rows}`);
  out.push(`over the context (prompt over the budget of ${s.budget} ids, not scored${s.cut.to === null ? '; --max-prompt-tokens cuts them instead' : ''}): ${s.overflow.length}`);
  const list = (title: string, xs: { id: string; promptIds: number }[]) => {
    if (!xs.length) return;
    out.push(`  ${title}: ${xs.slice(0, maxListed).map((x) => `${x.id} (${x.promptIds} ids)`).join(', ')}${xs.length > maxListed ? `, …and ${xs.length - maxListed} more (--json or --out lists them all)` : ''}`);
  };
  list('over the context', s.overflow);
  if (s.unfit.length) out.push(`cannot fit even with an emptied prompt (not scored): ${s.unfit.length}`);
  list('cannot fit', s.unfit);
  for (const f of s.failed.slice(0, maxListed)) out.push(`no finite score: ${f.id}: ${f.error}`);
  if (!s.metrics) out.push(s.labelled ? 'no scored row has a label: no agreement to report' : 'the rows have no labels: no agreement to report');
  else {
    out.push('', `agreement with the labels (n = ${s.metrics.n}; percentile-bootstrap 95% CI, ${s.settings.bootstrap} resamples):`);
    out.push(`  ${''.padEnd(12)} ${'CoT-RAIL ŷ'.padEnd(26)} decoded score`);
    for (const m of METRICS) {
      const e = s.metrics.yhat[m];
      const d = s.metrics.decoded[m];
      out.push(`  ${NAMES[m].padEnd(12)} ${`${num(e.value)} [${num(e.lo)}, ${num(e.hi)}]`.padEnd(26)} ${num(d.value)} [${num(d.lo)}, ${num(d.hi)}]`);
    }
  }
  if (s.rubrics.length && s.metrics) {
    const shown = s.rubrics.filter((g) => g.n > 0);
    const none = s.rubrics.length - shown.length;
    out.push('', `per rubric (${s.rubrics.length} rubrics by criteria text${none ? `, ${none} with no scored labelled row` : ''}; CoT-RAIL ŷ; n = scored labelled rows, most first):`);
    out.push(`  ${'rows'.padStart(5)} ${'n'.padStart(5)}  ${'r'.padStart(6)} ${'ρ'.padStart(6)} ${'τ-b'.padStart(6)} ${'RMSE'.padStart(6)}  criteria`);
    for (const g of shown.slice(0, maxRubrics)) {
      const v = (m: (typeof METRICS)[number]) => num(g.metrics?.[m].value).padStart(6);
      const c = g.criteria.replace(/\s+/g, ' ');
      out.push(`  ${String(g.rows).padStart(5)} ${String(g.n).padStart(5)}  ${v('pearson')} ${v('spearman')} ${v('kendall')} ${v('rmse')}  ${c.length > 60 ? c.slice(0, 57) + '...' : c}`);
    }
    if (shown.length > maxRubrics) out.push(`  …and ${shown.length - maxRubrics} more rubrics (--json lists them all, with CIs)`);
  }
  if (s.errors.length) {
    out.push('', `rejected rows (${s.rejected}):`);
    for (const e of s.errors.slice(0, maxListed)) out.push(`  ${e.file ?? ''}${e.line !== undefined ? `:${e.line}` : ''}${e.row !== undefined ? ` (row ${e.row})` : ''} ${e.field ?? ''}: ${e.message}`);
    if (s.errors.length > maxListed) out.push(`  …and ${s.errors.length - maxListed} more (--json lists them all)`);
  }
  if (s.out) out.push('', `wrote ${s.out} (one JSON line per row)`);
  return out;
}

export function printSummary(s: EvalSummary<CliErrorRecord>): void {
  console.log(summaryText(s).join('\n'));
}

export { METRICS };
