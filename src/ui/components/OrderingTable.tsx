// The paper's orderings as the run checked them: the mean over seeds of the Pearson difference
// (better − worse) with its paired 95% bootstrap CI as the main figure, then each seed's difference
// with its CI, whether it holds (mean above 0) and whether beyond noise (the CI above 0). Reports
// made before the mean over seeds was recorded show 'n/a' there (one seed: that seed's difference,
// which is the mean) and their per-seed differences.
import { ci, multiSeed } from '../report.ts';
import type { Report } from '../../worker/protocol.ts';

export function OrderingTable({ report }: { report: Report }) {
  const ordering = report.ordering ?? [];
  if (ordering.length === 0) return null;
  const multi = multiSeed(report);
  return (
    <>
      <table className="ordering-table" data-testid="ordering-table">
        <thead>
          <tr>
            <th>Claim</th>
            <th>{multi ? 'mean over seeds' : 'Pearson difference'} [paired 95% CI]</th>
            <th>per seed [paired 95% CI]</th>
            <th>holds</th>
            <th>beyond noise</th>
          </tr>
        </thead>
        <tbody>
          {ordering.map((o) => (
            <tr key={o.claim} data-testid="ordering-row">
              <td>{o.claim}</td>
              <td data-testid="ordering-mean">
                <strong>{ci(o.meanOverSeeds ?? (multi ? null : o.perSeed?.[0]?.difference))}</strong>
              </td>
              <td className="muted">
                {(o.perSeed ?? []).map((p) => (
                  <div key={p.seed}>
                    seed {p.seed}: {ci(p.difference)}
                  </div>
                ))}
              </td>
              <td>{o.holds ? 'holds' : 'does not hold'}</td>
              <td>{o.significant ? 'beyond noise' : 'within noise'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Holds: the {multi ? 'mean over seeds of the ' : ''}Pearson difference (better − worse) is above 0. Beyond noise: its paired 95% bootstrap CI is above 0 (both methods
        on the same resampled examples{multi ? ', the same indices for every seed' : ''}).
      </p>
    </>
  );
}
