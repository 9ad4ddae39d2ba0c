// The K score probabilities p(1)..p(K) as bars (labelled with the rubric's level labels when given),
// and the scale with markers for ŷ, the decoded score and the gold label.
import { fmt } from '../format.ts';

export function ProbBars({ probs, labels, testid }: { probs: number[]; labels?: readonly string[]; testid?: string }) {
  const named = labels && labels.length === probs.length ? labels : null;
  const max = Math.max(...probs, 1e-9);
  return (
    <div className="prob-bars" data-testid={testid}>
      {probs.map((p, k) => (
        <div className="prob-row" key={k}>
          <span className="prob-label">p({named ? named[k] : k + 1})</span>
          <span className="prob-track">
            <span className={`prob-fill${p === max ? ' top' : ''}`} style={{ width: `${Math.max(0.5, p * 100)}%` }} />
          </span>
          <span className="num" data-testid={testid ? `${testid}-p${k + 1}` : undefined}>
            {fmt(p)}
          </span>
        </div>
      ))}
    </div>
  );
}

/** The scale's values (default 1..5) with markers for ŷ (and the decoded score and gold label). */
export function ScoreScale({ yhat, decoded, gold, values = [1, 2, 3, 4, 5] }: { yhat: number; decoded?: number; gold?: number; values?: readonly number[] }) {
  const lo = values[0];
  const hi = values[values.length - 1];
  const at = (v: number) => `${((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * 100}%`;
  return (
    <div className="scale" aria-label={`ŷ ${fmt(yhat, 2)} on the scale ${lo} to ${hi}`}>
      <div className="scale-line" />
      {values.map((k) => (
        <span key={k} className="scale-tick" style={{ left: at(k) }}>
          {k}
        </span>
      ))}
      {decoded !== undefined && <span className="scale-marker decoded" style={{ left: at(decoded) }} title={`decoded ${decoded}`} />}
      {gold !== undefined && <span className="scale-marker gold" style={{ left: at(gold) }} title={`gold ${fmt(gold, 2)}`} />}
      <span className="scale-marker yhat" style={{ left: at(yhat) }} title={`ŷ ${fmt(yhat, 2)}`} />
      <span className="scale-legend">
        <i className="yhat" /> ŷ {decoded !== undefined && (<><i className="decoded" /> decoded </>)}{gold !== undefined && (<><i className="gold" /> gold</>)}
      </span>
    </div>
  );
}
