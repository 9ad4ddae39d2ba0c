// The Evaluate view's methods table, laid out as in docs/report.md: with several seeds each metric
// is the mean ± sd over seeds with every seed's value under it (and every seed's 95% bootstrap CI
// in PerSeedTable); with one seed, the value with its CI. Clicking a row picks the plotted method.
import { fmt } from '../format.ts';
import { GLOSSARY } from './Term.tsx';
import { ci, METHOD_LABELS, methodEntries, METRICS, multiSeed, pct, spread, type Metric, type MethodEntry } from '../report.ts';
import type { MethodName, Report } from '../../worker/protocol.ts';

const HEADERS: Record<Metric, string> = { pearson: 'Pearson r', spearman: 'Spearman ρ', kendall: 'Kendall τ-b', rmse: 'RMSE' };

function MetricCell({ res, k, multi }: { res: MethodEntry[1]; k: Metric; multi: boolean }) {
  const seeds = res.perSeed ?? [];
  if (!multi) return <td>{ci(seeds[0]?.metrics?.[k])}</td>;
  return (
    <td>
      <span data-testid={`mean-${k}`}>{spread(res.mean?.[k])}</span>
      <div className="muted per-seed" data-testid={`per-seed-${k}`}>
        {seeds.map((p) => `${p.seed}: ${fmt(p.metrics?.[k]?.value)}`).join(' · ')}
      </div>
    </td>
  );
}

/** Seeds where the method predicted one constant score (its correlations are undefined there). */
function constantNote(res: MethodEntry[1], multi: boolean): string | null {
  const constant = (res.perSeed ?? []).filter((p) => p.distinct <= 1).map((p) => p.seed);
  if (constant.length === 0) return null;
  return multi ? `one constant prediction in seed ${constant.join(', ')}: correlations undefined there` : 'one constant prediction: correlations undefined';
}

export function MethodsTable({ report, method, onPick }: { report: Report; method: MethodName | null; onPick: (m: MethodName) => void }) {
  const multi = multiSeed(report);
  return (
    <table className="methods-table" data-testid="methods-table">
      <thead>
        <tr>
          <th>Method</th>
          {METRICS.map((k) => (
            <th key={k} title={GLOSSARY[k]}>
              {HEADERS[k]}
            </th>
          ))}
          <th>paper (Pearson, Mistral-7B)</th>
        </tr>
      </thead>
      <tbody>
        {methodEntries(report).map(([m, res]) => {
          const note = constantNote(res, multi);
          const paper = report.paperPearson?.[m];
          return (
            <tr key={m} className={m === method ? 'selected' : ''} onClick={() => onPick(m)} data-testid={`method-${m}`}>
              <td>
                {METHOD_LABELS[m]} <code>{m}</code>
                {note && <div className="muted">{note}</div>}
              </td>
              {METRICS.map((k) => (
                <MetricCell key={k} res={res} k={k} multi={multi} />
              ))}
              <td>{paper !== undefined ? fmt(paper) : ''}</td>
            </tr>
          );
        })}
      </tbody>
      <caption className="muted glossary" data-testid="metrics-glossary">
        {METRICS.map((k) => `${HEADERS[k]}: ${GLOSSARY[k]}`).join(' · ')}. RAIL: {GLOSSARY.rail.replace(/^RAIL: /, '')}; CoT: {GLOSSARY.cot}.
      </caption>
    </table>
  );
}

/** Every metric of every seed with its 95% bootstrap CI, the distinct scores and the off-scale rate. */
export function PerSeedTable({ report }: { report: Report }) {
  return (
    <details data-testid="per-seed-table">
      <summary>Every metric per seed (95% bootstrap CIs)</summary>
      <table>
        <thead>
          <tr>
            <th>Method</th>
            <th>Seed</th>
            {METRICS.map((k) => (
              <th key={k} title={GLOSSARY[k]}>
              {HEADERS[k]}
            </th>
            ))}
            <th>distinct scores</th>
            <th>off-scale</th>
          </tr>
        </thead>
        <tbody>
          {methodEntries(report).flatMap(([m, res]) =>
            (res.perSeed ?? []).map((p) => (
              <tr key={`${m}-${p.seed}`}>
                <td>
                  <code>{m}</code>
                </td>
                <td>{p.seed}</td>
                {METRICS.map((k) => (
                  <td key={k}>{ci(p.metrics?.[k])}</td>
                ))}
                <td>{p.distinct}</td>
                <td>{m.endsWith('-decode') ? pct(p.offScaleRate) : ''}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </details>
  );
}
