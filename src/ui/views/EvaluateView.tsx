// The Evaluate view: what docs/report.md shows for a run — the scored split, the methods table
// (mean ± sd over seeds with every seed's value, or one seed's value with its bootstrap 95% CI),
// Pearson per task family, the paper's orderings with paired CIs, the CoT shift, the prompt-fit
// rule and its cut rates, where the run started from and its deviations — then a scatter plot of
// one method's predictions against the gold labels and a drill-down per scored example: its CoT(s),
// the K score probabilities, ŷ, the decoded score and the gold label. Below, the dataset of the
// Data view judged by the current model, as `tract eval` judges a file (FileEvalPanel).
import { CotBytes } from '../components/CotText.tsx';
import { useMemo, type Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { CotShiftTable } from '../components/CotShiftTable.tsx';
import { FamilyTable } from '../components/FamilyTable.tsx';
import { FileEvalPanel } from '../components/FileEvalPanel.tsx';
import { MethodsTable, PerSeedTable } from '../components/MethodsTable.tsx';
import { OrderingTable } from '../components/OrderingTable.tsx';
import { ProbBars, ScoreScale } from '../components/ProbBars.tsx';
import { Deviations, RunSetup } from '../components/RunSetup.tsx';
import { evaluationRows, saveFile, toCsv, toJsonl } from '../exports.ts';
import { fmt } from '../format.ts';
import { METHOD_LABELS as LABELS, multiSeed, scoredCount, scoredSplit } from '../report.ts';
import type { Action, State } from '../state.ts';
import type { EvalData, MethodName, Report } from '../../worker/protocol.ts';

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
  // The axes span the scale the run scored on: 1..5 unless its labels or predictions reach further.
  const lo = Math.min(1, Math.floor(Math.min(...ev.examples.map((e) => e.gold), ...pred)));
  const hi = Math.max(5, Math.ceil(Math.max(...ev.examples.map((e) => e.gold), ...pred)));
  const span = hi - lo + 0.4;
  const sx = (v: number) => P + ((v - lo + 0.2) / span) * (W - P - 10);
  const sy = (v: number) => H - P - ((v - lo + 0.2) / span) * (H - P - 10);
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  // Tiny deterministic jitter so identical decoded scores do not hide each other.
  const jit = (i: number) => (((i * 2654435761) >>> 0) % 1000) / 1000 - 0.5;
  const decoded = ev.methods[method]!.score === 'decoded';
  return (
    <svg className="scatter" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${method}: predicted score against the gold label, ${pred.length} scored examples`} data-testid="scatter">
      <line x1={sx(lo)} y1={sy(lo)} x2={sx(hi)} y2={sy(hi)} className="diag" />
      {ticks.map((k) => (
        <g key={k}>
          <line x1={sx(k)} y1={sy(lo - 0.1)} x2={sx(k)} y2={sy(hi + 0.1)} className="grid" />
          <line x1={sx(lo - 0.1)} y1={sy(k)} x2={sx(hi + 0.1)} y2={sy(k)} className="grid" />
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
            <strong>CoT{j.cots.length > 1 ? ` ${k + 1}` : ''}:</strong> <CotBytes text={c} />
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

function heading(r: Report): string {
  const split = scoredSplit(r);
  return split ? `Evaluation on the ${split} split` : 'Evaluation (scored split: n/a)';
}

/** What the table holds: how many examples of which split, the model size, the seeds. */
function Summary({ report: r, shipped }: { report: Report; shipped: boolean }) {
  const n = scoredCount(r);
  const split = scoredSplit(r);
  const seeds = r.seeds ?? [];
  const bootstrap = r.config?.eval?.bootstrap;
  return (
    <p className="muted" data-testid="eval-summary">
      {n ?? 'n/a'} {split ?? 'scored'} examples{r.data?.source ? <span data-testid="eval-source"> of {r.data.source}</span> : ''}, {typeof r.parameters === 'number' ? r.parameters.toLocaleString('en-US') : 'n/a'}-parameter models, {seeds.length === 1 ? 'seed' : `${seeds.length} seeds:`}{' '}
      {seeds.join(', ')}. Pearson r is the headline.{' '}
      {multiSeed(r)
        ? `Each metric is the mean ± sd over the seeds, with every seed’s value under it; every seed’s 95% bootstrap CI (${bootstrap ?? 'n/a'} resamples) is in the per-seed table.`
        : `Every metric has a 95% bootstrap CI (${bootstrap ?? 'n/a'} resamples).`}{' '}
      Click a method to plot it.
      {shipped ? ' This is the run the ready judge comes from (npm run tract -- run).' : ''}
    </p>
  );
}

/** The rest of the report: per family, the orderings, the CoT shift, how the run was made. */
function ReportDetails({ report }: { report: Report }) {
  const multi = multiSeed(report);
  const split = scoredSplit(report) ?? 'scored';
  return (
    <>
      <section className="card">
        <h2>Pearson r by task family</h2>
        <p className="muted">{multi ? 'Mean ± sd over seeds, with every seed’s value under it.' : `Seed ${(report.seeds ?? []).join(', ')}.`} n/a: a constant prediction on that family.</p>
        <FamilyTable report={report} />
        <h2>The paper’s orderings, checked here</h2>
        {(report.ordering ?? []).length === 0 ? <p className="muted">This run did not score the methods an ordering compares.</p> : <OrderingTable report={report} />}
      </section>
      <section className="card" data-testid="eval-cot-shift">
        <h2>CoT shift</h2>
        <p className="muted">
          RMSE between the ŷ a model reads out after the <em>reference</em> CoTs and after its <em>own</em> sampled CoTs, on the {split} split: how much its score depends on
          whose reasoning it reads.
        </p>
        <CotShiftTable report={report} />
      </section>
      <section className="card">
        <h2>How the run was made</h2>
        <RunSetup report={report} />
        <Deviations report={report} />
      </section>
    </>
  );
}

export function EvaluateView({ state, dispatch, send, runId }: { state: State; dispatch: Dispatch<Action>; send: Send; runId: string | null }) {
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
          <h2 className="grow">{res ? heading(res.report) : 'Evaluation'}</h2>
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
        {res && <Summary report={res.report} shipped={runId === 'shipped'} />}
        {res && <MethodsTable report={res.report} method={method} onPick={(m) => dispatch({ type: 'eval-method', method: m })} />}
        {res && multiSeed(res.report) && <PerSeedTable report={res.report} />}
      </section>
      {res && <ReportDetails report={res.report} />}
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
      <FileEvalPanel state={state} dispatch={dispatch} send={send} />
    </div>
  );
}
