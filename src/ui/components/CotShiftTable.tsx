// The CoT-shift diagnostic of a run (report.cotShift): for stage 1 and TRACT, the RMSE between the
// ŷ read out after the reference CoTs and after the model's own sampled CoTs on the scored split,
// as mean ± sd over seeds with every seed's value (one seed: its value). Shared by Evaluate and Learn.
import { fmt } from '../format.ts';
import { multiSeed, spread } from '../report.ts';
import type { Report } from '../../worker/protocol.ts';

export const SHIFT_MODELS = { stage1: 'Stage 1 (trained on reference CoTs)', tract: 'TRACT (trained on its own CoTs)' } as const;

export function CotShiftTable({ report }: { report: Report }) {
  const shift = report.cotShift ?? {};
  const multi = multiSeed(report);
  const rows = (Object.keys(SHIFT_MODELS) as (keyof typeof SHIFT_MODELS)[]).filter((m) => shift[m]);
  if (rows.length === 0) return <p className="muted">This run evaluated neither stage 1 nor TRACT: no CoT shift.</p>;
  return (
    <table className="cot-shift-table">
      <thead>
        <tr>
          <th>Model</th>
          <th>RMSE{multi ? ' (mean ± sd over seeds)' : ''}</th>
          <th>per seed</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((m) => {
          const s = shift[m]!;
          return (
            <tr key={m}>
              <td>{SHIFT_MODELS[m]}</td>
              <td data-testid={`cot-shift-${m}`}>{multi ? spread(s) : fmt(s.mean)}</td>
              <td className="muted" data-testid={`cot-shift-${m}-seeds`}>
                {(s.perSeed ?? []).map((p) => `${p.seed}: ${fmt(p.rmse)}`).join(' · ')}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
