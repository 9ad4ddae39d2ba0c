// The Evaluate view's file evaluation: the dataset of the Data view (a file opened there, or Rubric
// Lab) judged by the current model, as `tract eval` judges a file — progress with an ETA, then
// agreement with the labels (Pearson r, Spearman ρ, Kendall τ-b, RMSE with bootstrap 95% CIs, of
// the CoT-RAIL ŷ and of the decoded score), per rubric when the dataset has several, the rows with
// no score and why, and the exports tract eval writes (its --out JSONL, a CSV, the summary JSON).
// Dataset text (ids, criteria, errors) is rendered as text, never as HTML.
import type { Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { saveFile, toCsv, toJsonl } from '../exports.ts';
import { fmt, formatSeconds } from '../format.ts';
import type { Action, FileEvalState, State } from '../state.ts';
import type { MetricSet } from '../../eval/metrics.ts';
import type { RowLine } from '../../eval/file_rows.ts';
import type { FileEvalResult } from '../../worker/protocol.ts';

const METRIC_ROWS = [
  ['pearson', 'Pearson r'],
  ['spearman', 'Spearman ρ'],
  ['kendall', 'Kendall τ-b'],
  ['rmse', 'RMSE'],
] as const;

const MAX_LISTED = 20;
const MAX_RUBRICS = 15;

/** "0.812 [0.771, 0.846]", or "–" for an undefined statistic (a constant series, too few rows). */
function withCi(m: MetricSet[keyof MetricSet] | undefined): string {
  if (!m || m.value === null || !Number.isFinite(m.value)) return '–';
  const b = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));
  return `${m.value.toFixed(3)} [${b(m.lo)}, ${b(m.hi)}]`;
}

/** One CSV row per dataset row: what tract eval --out holds, flattened (K probabilities as p1..pK). */
export function fileEvalCsvRows(lines: readonly RowLine[]): Record<string, string | number>[] {
  const k = Math.max(0, ...lines.map((l) => l.probs?.length ?? 0));
  return lines.map((l) => {
    const row: Record<string, string | number> = { id: l.id, gold: l.gold ?? '', yhat: l.yhat ?? '', decoded: l.decoded ?? '', mass: l.mass ?? '' };
    for (let i = 0; i < k; i++) row[`p${i + 1}`] = l.probs?.[i] ?? '';
    row.prompt_ids = 'ids' in l.prompt ? l.prompt.ids : '';
    row.prompt_cut = 'cut' in l.prompt ? String(l.prompt.cut) : '';
    row.skipped = l.skipped ?? '';
    row.error = l.error ?? '';
    row.cot = (l.cots ?? []).join(' ||| ');
    return row;
  });
}

function baseName(name: string): string {
  return name.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '-').slice(0, 60) || 'dataset';
}

function Progress({ f }: { f: FileEvalState }) {
  const frac = f.total > 0 ? f.done / f.total : 0;
  const eta = f.done > 0 && f.total > f.done ? ((f.ms / f.done) * (f.total - f.done)) / 1000 : null;
  return (
    <div data-testid="file-eval-progress">
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label="file evaluation progress">
        <div className="progress-fill" style={{ width: `${frac * 100}%` }} />
      </div>
      <p className="muted">
        {f.total > 0 ? `${f.done} of ${f.total} rows judged` : 'planning the prompts…'} · {formatSeconds(f.ms / 1000)} elapsed
        {eta !== null ? ` · about ${formatSeconds(eta)} left` : f.total > 0 && f.done === 0 ? ' · time left: known once the first rows are judged' : ''}
        {f.status === 'cancelling' ? ' · cancelling after the rows in flight…' : ''}
      </p>
    </div>
  );
}

function Result({ r }: { r: FileEvalResult }) {
  const s = r.summary;
  const noScore = s.overflow.length + s.unfit.length + s.failed.length;
  const name = baseName(s.file);
  return (
    <div data-testid="file-eval-result">
      <p data-testid="file-eval-counts">
        {s.file}: {s.rows} rows{s.rejected ? `, ${s.rejected} rejected when loading` : ''}; {s.scored} scored, {noScore} without a score; {s.labelled} with a label. Judged by{' '}
        {r.model} in {s.seconds.toFixed(1)} s ({r.backend}).
      </p>
      <p className="muted">
        {r.promptFit.note.replace(/\.?\s*$/, '.')}
        {s.cut.to !== null ? ` Prompts over the budget of ${s.budget} ids were cut to it: ${s.cut.count}.` : ` Prompts over the budget of ${s.budget} ids are not cut: ${s.overflow.length} rows over it have no score.`}
      </p>
      {r.promptFit.warnings.map((w, i) => (
        <p key={i} className="warning">
          {w}
        </p>
      ))}
      {s.metrics ? (
        <table className="metrics" data-testid="file-eval-metrics">
          <caption>
            Agreement with the labels (n = {s.metrics.n}; percentile-bootstrap 95% CI, {String(s.settings.bootstrap)} resamples)
          </caption>
          <thead>
            <tr>
              <th />
              <th>CoT-RAIL ŷ</th>
              <th>decoded score</th>
            </tr>
          </thead>
          <tbody>
            {METRIC_ROWS.map(([k, label]) => (
              <tr key={k}>
                <th>{label}</th>
                <td>{withCi(s.metrics!.yhat[k])}</td>
                <td>{withCi(s.metrics!.decoded[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{s.labelled ? 'No scored row has a label: no agreement to report.' : 'The rows have no labels: no agreement to report.'}</p>
      )}
      {s.rubrics.length > 0 && (
        <table className="metrics" data-testid="file-eval-rubrics">
          <caption>
            Per rubric ({s.rubrics.length} by criteria text; CoT-RAIL ŷ; n = scored labelled rows, most first{s.rubrics.length > MAX_RUBRICS ? `; the first ${MAX_RUBRICS} shown, the JSON has all` : ''})
          </caption>
          <thead>
            <tr>
              <th>criteria</th>
              <th>rows</th>
              <th>n</th>
              <th>r</th>
              <th>ρ</th>
              <th>τ-b</th>
              <th>RMSE</th>
            </tr>
          </thead>
          <tbody>
            {s.rubrics.slice(0, MAX_RUBRICS).map((g, i) => (
              <tr key={i}>
                <td title={g.criteria}>{g.criteria.length > 70 ? `${g.criteria.slice(0, 67)}...` : g.criteria}</td>
                <td>{g.rows}</td>
                <td>{g.n}</td>
                {METRIC_ROWS.map(([k]) => (
                  <td key={k}>{fmt(g.metrics?.[k].value ?? null)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {noScore > 0 && (
        <div data-testid="file-eval-noscore">
          <h3>Rows with no score</h3>
          <ul>
            {[
              ...s.overflow.map((x) => `${x.id}: the prompt takes ${x.promptIds} ids, over the budget of ${s.budget} (tick "cut long prompts" to score it)`),
              ...s.unfit.map((x) => `${x.id}: cannot fit even with an emptied prompt (${x.promptIds} ids)`),
              ...s.failed.map((x) => `${x.id}: ${x.error}`),
            ]
              .slice(0, MAX_LISTED)
              .map((t, i) => (
                <li key={i}>{t}</li>
              ))}
          </ul>
          {noScore > MAX_LISTED && <p className="muted">…and {noScore - MAX_LISTED} more (the JSONL export lists every row).</p>}
        </div>
      )}
      <div className="controls">
        <button onClick={() => saveFile(`${name}-eval.jsonl`, 'application/jsonl', toJsonl(r.lines as unknown as Record<string, unknown>[]))} data-testid="file-eval-jsonl">
          Export JSONL (one line per row)
        </button>
        <button onClick={() => saveFile(`${name}-eval.csv`, 'text/csv', toCsv(fileEvalCsvRows(r.lines)))}>Export CSV</button>
        <button onClick={() => saveFile(`${name}-eval-summary.json`, 'application/json', JSON.stringify(s, null, 2) + '\n')}>Export summary JSON</button>
      </div>
    </div>
  );
}

export function FileEvalPanel({ state, dispatch, send }: { state: State; dispatch: Dispatch<Action>; send: Send }) {
  const f = state.fileEval;
  const data = state.data.summary;
  const model = state.model.current;
  const running = f.status === 'running' || f.status === 'cancelling';
  const rows = data ? data.accepted : 0;
  const blocked = !data || rows === 0 ? 'Open a file (or generate Rubric Lab) in the Data view first.' : !model ? 'Load a model in the Model view first.' : !model.judge.ok ? `${model.name} cannot judge: ${model.judge.reason}` : state.gpu.kind !== 'ready' ? 'Evaluating a file needs WebGPU.' : null;
  const start = () => {
    if (!data) return;
    dispatch({ type: 'file-eval-start', dataset: data.name });
    send({ type: 'eval-file', request: { ...f.form, renormalize: false, bootstrap: 1000 } });
  };
  return (
    <section className="card" data-testid="file-eval">
      <h2>Evaluate the Data view’s dataset</h2>
      <p className="muted">
        Judges every row of <strong>{data ? data.name : 'the dataset in the Data view'}</strong>
        {data ? ` (${rows} rows)` : ''} with <strong>{model ? model.name : 'the current model'}</strong>, as <code>tract eval</code> judges a file: the prompt and CoT room the model was
        trained with, a row whose prompt is over the budget left unscored (and listed) unless you cut long prompts, agreement with the labels with bootstrap CIs.
      </p>
      <div className="controls">
        <label>
          CoTs per row{' '}
          <input type="number" min={1} max={8} value={f.form.nCot} disabled={running} onChange={(e) => dispatch({ type: 'file-eval-form', patch: { nCot: Math.max(1, Math.min(8, Math.round(Number(e.target.value) || 1))) } })} data-testid="file-eval-ncot" />
        </label>
        <label>
          <input type="checkbox" checked={f.form.greedy} disabled={running} onChange={(e) => dispatch({ type: 'file-eval-form', patch: { greedy: e.target.checked } })} /> greedy CoTs
        </label>
        <label>
          <input type="checkbox" checked={f.form.cut} disabled={running} onChange={(e) => dispatch({ type: 'file-eval-form', patch: { cut: e.target.checked } })} data-testid="file-eval-cut" /> cut long prompts
        </label>
        <label>
          seed{' '}
          <input type="number" min={0} value={f.form.seed} disabled={running || f.form.greedy} onChange={(e) => dispatch({ type: 'file-eval-form', patch: { seed: Math.max(0, Math.round(Number(e.target.value) || 0)) } })} />
        </label>
        {running ? (
          <button
            onClick={() => {
              dispatch({ type: 'file-eval-cancel' });
              send({ type: 'eval-file-cancel' });
            }}
            disabled={f.status === 'cancelling'}
            data-testid="file-eval-cancel"
          >
            Cancel
          </button>
        ) : (
          <button onClick={start} disabled={blocked !== null} data-testid="file-eval-start">
            Evaluate
          </button>
        )}
      </div>
      {blocked && !running && <p className="muted">{blocked}</p>}
      {running && <Progress f={f} />}
      {f.status === 'failed' && f.error && (
        <p className="error" role="alert" data-testid="file-eval-error">
          {f.error}
        </p>
      )}
      {f.status === 'cancelled' && <p className="muted">Cancelled: nothing was kept.</p>}
      {f.status === 'done' && f.result && (
        <>
          {data && f.dataset !== data.name && <p className="warning">This result is for {f.dataset}, not the dataset now in the Data view.</p>}
          <Result r={f.result} />
        </>
      )}
    </section>
  );
}
