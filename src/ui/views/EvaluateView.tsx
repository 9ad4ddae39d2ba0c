// The Evaluate view: the methods table with bootstrap 95% CIs (as in report.md), the paper's
// orderings, a scatter plot of one method's predictions against the gold labels, and a drill-down
// per test example: its CoT(s), the five score probabilities, ŷ, the decoded score and the gold label.
import { useMemo, type Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { ProbBars, ScoreScale } from '../components/ProbBars.tsx';
import { evaluationRows, saveFile, toCsv, toJsonl } from '../exports.ts';
import { fmt } from '../format.ts';
import type { Action, State } from '../state.ts';
import type { EvalData, MethodName, Report } from '../../worker/protocol.ts';

type Est = { value: number | null; lo: number | null; hi: number | null };
const ci = (e: Est | undefined) => (e ? `${fmt(e.value)} [${fmt(e.lo)}, ${fmt(e.hi)}]` : 'n/a');

const LABELS: Record<MethodName, string> = {
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

function predictions(ev: EvalData, method: MethodName): number[] | null {
  const spec = ev.methods[method];
  const js = spec && ev.judgements[spec.model];
  if (!spec || !js) return null;
  return js.map((j) => (spec.score === 'yhat' ? j.yhat : j.decoded));
}

function Scatter({ ev, method, selected, onPick }: { ev: EvalData; method: MethodName; selected: number | null; onPick: (i: number) => void }) {
  const pred = useMemo(() => predictions(ev, method), [ev, method]);
  if (!pred) return <p className="muted">No judgements for {method}.</p>;
  const W = 360,
    H = 320,
    P = 36;
  const sx = (v: number) => P + ((v - 0.8) / 4.4) * (W - P - 10);
  const sy = (v: number) => H - P - ((v - 0.8) / 4.4) * (H - P - 10);
  // Tiny deterministic jitter so identical decoded scores do not hide each other.
  const jit = (i: number) => (((i * 2654435761) >>> 0) % 1000) / 1000 - 0.5;
  const decoded = ev.methods[method]!.score === 'decoded';
  return (
    <svg className="scatter" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${method}: predicted score against the gold label, ${pred.length} test examples`} data-testid="scatter">
      <line x1={sx(1)} y1={sy(1)} x2={sx(5)} y2={sy(5)} className="diag" />
      {[1, 2, 3, 4, 5].map((k) => (
        <g key={k}>
          <line x1={sx(k)} y1={sy(0.9)} x2={sx(k)} y2={sy(5.1)} className="grid" />
          <line x1={sx(0.9)} y1={sy(k)} x2={sx(5.1)} y2={sy(k)} className="grid" />
          <text x={sx(k)} y={H - P + 16} textAnchor="middle">
            {k}
          </text>
          <text x={P - 8} y={sy(k) + 4} textAnchor="end">
            {k}
          </text>
        </g>
      ))}
      <text x={(W + P) / 2} y={H - 4} textAnchor="middle" className="axis-label">
        gold label
      </text>
      <text x={12} y={(H - P) / 2} textAnchor="middle" className="axis-label" transform={`rotate(-90 12 ${(H - P) / 2})`}>
        {decoded ? 'decoded score' : 'ŷ'}
      </text>
      {ev.examples.map((ex, i) => (
        <circle
          key={i}
          cx={sx(ex.gold + (decoded ? jit(i) * 0.08 : 0))}
          cy={sy(pred[i] + (decoded ? jit(i + 7) * 0.15 : 0))}
          r={selected === i ? 5 : 3}
          className={selected === i ? 'pt selected' : 'pt'}
          onClick={() => onPick(i)}
          data-testid="scatter-point"
        >
          <title>{`${ex.id}: gold ${fmt(ex.gold, 2)}, predicted ${fmt(pred[i], 2)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

function MethodsTable({ report, method, onPick }: { report: Report; method: MethodName | null; onPick: (m: MethodName) => void }) {
  return (
    <table className="methods-table" data-testid="methods-table">
      <thead>
        <tr>
          <th>Method</th>
          <th>Pearson r</th>
          <th>Spearman ρ</th>
          <th>Kendall τ-b</th>
          <th>RMSE</th>
          <th>paper (Pearson, Mistral-7B)</th>
        </tr>
      </thead>
      <tbody>
        {(Object.entries(report.methods) as [MethodName, NonNullable<Report['methods'][MethodName]>][]).map(([m, res]) => {
          const x = res.perSeed[0].metrics as unknown as Record<string, Est>;
          return (
            <tr key={m} className={m === method ? 'selected' : ''} onClick={() => onPick(m)} data-testid={`method-${m}`}>
              <td>
                {LABELS[m]} <code>{m}</code>
                {res.perSeed[0].distinct <= 1 && <div className="muted">one constant prediction: correlations undefined</div>}
              </td>
              <td>{ci(x.pearson)}</td>
              <td>{ci(x.spearman)}</td>
              <td>{ci(x.kendall)}</td>
              <td>{ci(x.rmse)}</td>
              <td>{report.paperPearson[m] !== undefined ? fmt(report.paperPearson[m]) : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Drill({ ev, method, index }: { ev: EvalData; method: MethodName; index: number }) {
  const ex = ev.examples[index];
  const spec = ev.methods[method]!;
  const j = ev.judgements[spec.model]?.[index];
  if (!ex || !j) return null;
  return (
    <div className="drill" data-testid="drill">
      <h3>
        <code>{ex.id}</code> {ex.family ? `· ${ex.family}` : ''} · {spec.model}
      </h3>
      <p>
        <strong>Instruction:</strong> {ex.instruction}
      </p>
      <p>
        <strong>Response:</strong> {ex.response}
      </p>
      {j.cots.map((c, k) =>
        c ? (
          <p key={k} className="cot" data-testid="drill-cot">
            <strong>CoT{j.cots.length > 1 ? ` ${k + 1}` : ''}:</strong> {c}
          </p>
        ) : (
          <p key={k} className="muted">
            (label-only read-out: no CoT)
          </p>
        ),
      )}
      <p className="muted">
        <strong>Reference CoT:</strong> {ex.referenceCot || '(none)'}
      </p>
      <ProbBars probs={j.probs} testid="drill-probs" />
      <ScoreScale yhat={j.yhat} decoded={j.decoded} gold={ex.gold} />
      <dl className="readout">
        <dt>ŷ (RAIL)</dt>
        <dd data-testid="drill-yhat">{fmt(j.yhat)}</dd>
        <dt>decoded</dt>
        <dd>{j.decoded}</dd>
        <dt>gold</dt>
        <dd data-testid="drill-gold">{fmt(ex.gold, 2)}</dd>
        <dt>captured mass</dt>
        <dd>{fmt(j.mass)}</dd>
        <dt>this method scores</dt>
        <dd>{spec.score === 'yhat' ? 'ŷ' : 'the decoded digit'}</dd>
      </dl>
    </div>
  );
}

export function EvaluateView({ state, dispatch, runId }: { state: State; dispatch: Dispatch<Action>; send: Send; runId: string | null }) {
  const res = runId ? state.results[runId] : undefined;
  const candidates = state.runs.filter((r) => r.status === 'done');
  const methods = res ? (Object.keys(res.report.methods) as MethodName[]) : [];
  const method = state.evaluation.method && methods.includes(state.evaluation.method) ? state.evaluation.method : methods.includes('tract-cotrail') ? 'tract-cotrail' : (methods[0] ?? null);
  const worst = useMemo(() => {
    if (!res || !method) return [];
    const pred = predictions(res.evaluation, method);
    if (!pred) return [];
    return res.evaluation.examples.map((ex, i) => ({ i, err: Math.abs(pred[i] - ex.gold) })).sort((a, b) => b.err - a.err);
  }, [res, method]);
  return (
    <div className="view evaluate">
      <section className="card">
        <div className="controls">
          <h2 className="grow">Evaluation on the test split</h2>
          <label>
            run{' '}
            <select value={runId ?? ''} onChange={(e) => dispatch({ type: 'eval-run', runId: e.target.value })} data-testid="eval-run">
              {candidates.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          {res && (
            <>
              <button onClick={() => saveFile(`${runId}-evaluation.jsonl`, 'application/jsonl', toJsonl(evaluationRows(res.evaluation)))}>Export JSONL</button>
              <button onClick={() => saveFile(`${runId}-evaluation.csv`, 'text/csv', toCsv(evaluationRows(res.evaluation)))}>Export CSV</button>
            </>
          )}
        </div>
        {!res && <p aria-busy="true">{runId ? 'Loading the results…' : 'No finished run yet: train one in the Train view.'}</p>}
        {res && (
          <>
            <p className="muted">
              {res.report.data.test} test examples, {res.report.parameters.toLocaleString('en-US')}-parameter models, seed {res.report.seeds.join(', ')}. Pearson r is the headline; every
              metric has a 95% bootstrap CI ({res.report.config.eval.bootstrap} resamples). Click a method to plot it.
              {runId === 'shipped' ? ' This is the run the ready judge comes from (npm run tract -- run).' : ''}
            </p>
            <MethodsTable report={res.report} method={method} onPick={(m) => dispatch({ type: 'eval-method', method: m })} />
            {res.report.ordering.length > 0 && (
              <details>
                <summary>The paper’s orderings, checked here</summary>
                <table>
                  <tbody>
                    {res.report.ordering.map((o) => (
                      <tr key={o.claim}>
                        <td>{o.claim}</td>
                        <td>{o.perSeed.map((p) => ci(p.difference as unknown as Est)).join('; ')}</td>
                        <td>{o.holds ? 'holds' : 'does not hold'}</td>
                        <td>{o.significant ? 'beyond noise' : 'within noise'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </>
        )}
      </section>
      {res && method && (
        <div className="two-col">
          <section className="card">
            <h2>
              {LABELS[method]}: predicted vs gold
            </h2>
            <Scatter ev={res.evaluation} method={method} selected={state.evaluation.example} onPick={(i) => dispatch({ type: 'eval-example', index: i })} />
            <h3>Largest errors</h3>
            <ul className="worst">
              {worst.slice(0, 8).map(({ i, err }) => (
                <li key={i}>
                  <button className="link" onClick={() => dispatch({ type: 'eval-example', index: i })} data-testid="worst-example">
                    {res.evaluation.examples[i].id}
                  </button>{' '}
                  off by {fmt(err, 2)}
                </li>
              ))}
            </ul>
          </section>
          <section className="card">
            <h2>One example</h2>
            {state.evaluation.example === null ? <p className="muted">Click a point or an example.</p> : <Drill ev={res.evaluation} method={method} index={state.evaluation.example} />}
          </section>
        </div>
      )}
    </div>
  );
}
