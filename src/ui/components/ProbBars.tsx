// The five score probabilities p(1)..p(5) as bars, with ŷ, the decoded score and the captured mass.
import { fmt } from '../format.ts';

export function ProbBars({ probs, testid }: { probs: number[]; testid?: string }) {
  const max = Math.max(...probs, 1e-9);
  return (
    <div className="prob-bars" data-testid={testid}>
      {probs.map((p, k) => (
        <div className="prob-row" key={k}>
          <span className="prob-label">p({k + 1})</span>
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

/** A 1..5 scale with markers for ŷ (and the gold label). */
export function ScoreScale({ yhat, decoded, gold }: { yhat: number; decoded?: number; gold?: number }) {
  const at = (v: number) => `${((Math.min(5, Math.max(1, v)) - 1) / 4) * 100}%`;
  return (
    <div className="scale" aria-label={`ŷ ${fmt(yhat, 2)} on the scale 1 to 5`}>
      <div className="scale-line" />
      {[1, 2, 3, 4, 5].map((k) => (
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
