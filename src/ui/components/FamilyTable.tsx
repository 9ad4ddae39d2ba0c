// Pearson r per Rubric Lab task family and method: with several seeds the mean ± sd over seeds
// (report.methods[m].familyMean) with every seed's value under it (perSeed[i].byFamily); with one
// seed, its value. A family where a method predicted a constant is 'n/a'.
import { fmt } from '../format.ts';
import { families, methodEntries, multiSeed, spread } from '../report.ts';
import type { Report } from '../../worker/protocol.ts';

export function FamilyTable({ report }: { report: Report }) {
  const fams = families(report);
  if (fams.length === 0) return null;
  const multi = multiSeed(report);
  return (
    <table className="family-table" data-testid="family-table">
      <thead>
        <tr>
          <th>Method</th>
          {fams.map((f) => (
            <th key={f}>{f}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {methodEntries(report).map(([m, res]) => (
          <tr key={m} data-testid={`family-${m}`}>
            <td>
              <code>{m}</code>
            </td>
            {fams.map((f) => {
              const perSeed = (res.perSeed ?? []).map((p) => `${p.seed}: ${fmt(p.byFamily?.[f])}`);
              if (!multi) return <td key={f}>{fmt(res.perSeed?.[0]?.byFamily?.[f])}</td>;
              return (
                <td key={f}>
                  {spread(res.familyMean?.[f])}
                  <div className="muted per-seed">{perSeed.join(' · ')}</div>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
