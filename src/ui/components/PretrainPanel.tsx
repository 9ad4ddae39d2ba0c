// The Train view's "Pretrain a base": a small Llama pretrained in this tab on the procedural corpus
// (what `tract pretrain` does in Node), as an option beside the shipped base a run starts from by
// default. Settings (a shape preset, steps, batch, corpus seed), the bases kept in this browser,
// and the selected one: start / pause / resume / cancel, a progress bar with ETA, train and dev CE
// live, and when it has finished, "start a TRACT run from this base" and the file to download.
import { memo, useMemo, type Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { Chart } from './Chart.tsx';
import { fmt, formatBytes, formatCount, formatSeconds } from '../format.ts';
import { BASE_PRESETS, basePreset } from '../presets.ts';
import type { Action, PretrainForm, State } from '../state.ts';
import type { ShippedBaseState } from '../seed.ts';
import { makeConfig, parameterCount } from '../../model/config.ts';
import { pretrainProgress } from '../../worker/pretrain_history.ts';
import type { BaseHistory, BaseMeta } from '../../worker/protocol.ts';

const int = (v: string, min: number) => Math.max(min, Math.round(Number(v) || 0));

function ShippedBaseNote({ shipped }: { shipped: ShippedBaseState }) {
  if (!shipped) return null;
  const b = shipped.base;
  return (
    <p className="muted" data-testid="shipped-base">
      {b
        ? `New runs start from the shipped base by default: public/base/${b.name}, ${formatCount(b.parameters)} parameters (dim ${b.config.dim}, ${b.config.nLayers} layers, context ${b.config.seqLen}, ${b.tokenizer})` +
          `${b.steps ? `, pretrained for ${b.steps} steps` : ''}${b.devCe !== undefined ? `, dev CE ${fmt(b.devCe)} nats/token` : ''}.`
        : `No shipped base (${shipped.reason ?? 'public/base/base.safetensors is missing'}): new runs start from stage 0 unless you pretrain one here.`}
    </p>
  );
}

const PretrainSettings = memo(function PretrainSettings({ form, busy, gpuReady, dispatch, send }: { form: PretrainForm; busy: boolean; gpuReady: boolean; dispatch: Dispatch<Action>; send: Send }) {
  const preset = basePreset(form.preset);
  return (
    <>
      <div className="presets">
        {BASE_PRESETS.map((p) => (
          <label key={p.name} className={`preset${form.preset === p.name ? ' selected' : ''}`}>
            <input type="radio" name="base-preset" checked={form.preset === p.name} onChange={() => dispatch({ type: 'pretrain-preset', preset: p.name })} data-testid={`base-preset-${p.name}`} />
            <strong>
              {p.title} · {formatCount(parameterCount(makeConfig(p.shape)))} parameters
            </strong>
            <span className="muted">{p.blurb}</span>
          </label>
        ))}
      </div>
      <div className="controls">
        <label>
          steps <input type="number" min={1} value={form.steps} onChange={(e) => dispatch({ type: 'pretrain-form', patch: { steps: int(e.target.value, 1) } })} data-testid="pretrain-steps" />
        </label>
        <label>
          rows per step{' '}
          <input type="number" min={1} value={form.batchSize} onChange={(e) => dispatch({ type: 'pretrain-form', patch: { batchSize: int(e.target.value, 1) } })} data-testid="pretrain-batch" />
        </label>
        <label>
          corpus seed{' '}
          <input type="number" min={0} value={form.corpusSeed} onChange={(e) => dispatch({ type: 'pretrain-form', patch: { corpusSeed: int(e.target.value, 0) } })} data-testid="pretrain-corpus-seed" />
        </label>
        <button
          className="primary"
          disabled={busy || !gpuReady}
          data-testid="pretrain-start"
          onClick={() =>
            send({
              type: 'pretrain-start',
              request: { label: `${preset.title} · ${form.steps} steps · corpus seed ${form.corpusSeed} · ${new Date().toLocaleString()}`, shape: preset.shape, steps: form.steps, batchSize: form.batchSize, corpusSeed: form.corpusSeed },
            })
          }
        >
          Pretrain
        </button>
        {busy && <span className="muted">One run or pretraining trains at a time.</span>}
      </div>
    </>
  );
});

interface BasesProps {
  bases: BaseMeta[];
  selectedBaseId: string | null;
  activeBaseId: string | null;
  canStart: boolean;
  dispatch: Dispatch<Action>;
  send: Send;
}

const BasesTable = memo(function BasesTable({ bases, selectedBaseId, activeBaseId, canStart, dispatch, send }: BasesProps) {
  if (bases.length === 0) return <p className="muted">No base pretrained in this browser yet.</p>;
  return (
    <table className="runs" data-testid="bases">
      <tbody>
        {bases.map((b) => (
          <tr key={b.id} className={b.id === selectedBaseId ? 'selected' : ''} data-testid="base-row">
            <td>
              <button className="link" onClick={() => dispatch({ type: 'select-base', baseId: b.id })}>
                {b.label}
              </button>
            </td>
            <td>
              <span className={`chip ${b.status}`} data-testid={`base-status-${b.id}`}>
                {b.status}
              </span>
            </td>
            <td className="muted">
              {formatCount(b.parameters)} parameters{b.result ? ` · dev CE ${fmt(b.result.devCe)}` : ''}
            </td>
            <td>
              {b.id !== activeBaseId && b.status !== 'done' && (
                <button onClick={() => send({ type: 'pretrain-resume', baseId: b.id })} disabled={!canStart}>
                  Resume
                </button>
              )}
              {b.id !== activeBaseId && (
                <button
                  onClick={() => {
                    if (confirm(`Delete “${b.label}” and its checkpoint from this browser?`)) send({ type: 'base-delete', baseId: b.id });
                  }}
                >
                  Delete
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
});

const PretrainChart = memo(function PretrainChart({ history: h }: { history: BaseHistory }) {
  const data = useMemo(() => {
    const n = Math.max(h.ce.length, ...h.dev.map((d) => d.step));
    const x = Array.from({ length: n + 1 }, (_, i) => i);
    const train: (number | null)[] = [null, ...h.ce];
    while (train.length < x.length) train.push(null);
    const dev: (number | null)[] = x.map(() => null);
    for (const d of h.dev) dev[d.step] = d.ce;
    return { x, train, dev };
  }, [h.ce, h.dev]);
  return (
    <Chart
      title="Cross-entropy (nats/token): train per step, dev on held-out corpus rows"
      testid="chart-pretrain"
      x={data.x}
      series={[
        { label: 'train CE', color: '#2563eb', values: data.train },
        { label: 'dev CE', color: '#dc2626', values: data.dev, sparse: true },
      ]}
    />
  );
});

function Progress({ history }: { history: BaseHistory }) {
  const p = pretrainProgress(history);
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const right = p.eta !== null ? ` · ETA ${formatSeconds(p.eta)}` : '';
  const extra = history.tokensPerSec ? ` · ${Math.round(history.tokensPerSec)} tokens/s` : '';
  return (
    <div className="stage main" data-testid="pretrain-progress">
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label="pretraining progress">
        <div className="progress-fill" style={{ width: `${frac * 100}%` }} />
      </div>
      <div className="stage-status">
        <span data-testid="pretrain-steps-done">
          step {p.done}/{p.total}
        </span>
        <span>
          {right}
          {extra}
        </span>
      </div>
    </div>
  );
}

interface BaseViewProps {
  meta: BaseMeta;
  history: BaseHistory | null;
  active: boolean;
  canStart: boolean;
  dispatch: Dispatch<Action>;
  send: Send;
}

function BaseView({ meta, history, active, canStart, dispatch, send }: BaseViewProps) {
  const o = meta.options;
  const c = meta.config;
  return (
    <div data-testid="base-view">
      <div className="controls">
        <h3 className="grow">{meta.label}</h3>
        <span className={`chip ${meta.status}`} data-testid="base-status">
          {meta.status}
        </span>
        {active && meta.status !== 'paused' && meta.status !== 'pausing' && (
          <button onClick={() => send({ type: 'pretrain-pause' })} data-testid="pretrain-pause">
            Pause
          </button>
        )}
        {active && (meta.status === 'paused' || meta.status === 'pausing') && (
          <button onClick={() => send({ type: 'pretrain-resume', baseId: meta.id })} data-testid="pretrain-resume">
            Resume
          </button>
        )}
        {active && (
          <button onClick={() => send({ type: 'pretrain-cancel' })} data-testid="pretrain-cancel">
            Cancel
          </button>
        )}
        {!active && meta.status !== 'done' && (
          <button onClick={() => send({ type: 'pretrain-resume', baseId: meta.id })} disabled={!canStart} data-testid="pretrain-continue">
            Resume from the last checkpoint
          </button>
        )}
      </div>
      <p className="muted">
        {formatCount(meta.parameters)} parameters: dim {c.dim}, {c.nLayers} layers, {c.nHeads}/{c.nKvHeads} heads, context {c.seqLen}, {meta.tokenizer} · {o.steps} steps of {o.batchSize} × {o.seqLen} tokens, lr{' '}
        {o.lr}, corpus seed {o.corpusSeed}, weight seed {o.seed} · checkpoint every {o.checkpointEvery} steps (last: step {meta.checkpointStep})
      </p>
      {meta.message && (
        <p className="muted" data-testid="base-message">
          {meta.message}
        </p>
      )}
      {history && <Progress history={history} />}
      {history && (history.ce.length > 0 || history.dev.length > 0) && <PretrainChart history={history} />}
      {meta.status === 'done' && meta.result && (
        <div className="controls" data-testid="base-result">
          <span className="grow">
            The base: F16 safetensors with its config, tokenizer and training record, {formatBytes(meta.result.bytes)}; train CE {fmt(meta.result.trainCe)}, dev CE {fmt(meta.result.devCe)} after{' '}
            {formatSeconds(meta.result.seconds)} of training.
          </span>
          <button
            className="primary"
            data-testid="base-use"
            onClick={() => {
              dispatch({ type: 'run-seed', seed: { kind: 'base', baseId: meta.id } });
              document.querySelector('[data-testid="run-settings"]')?.scrollIntoView({ behavior: 'smooth' });
            }}
          >
            Start a TRACT run from this base
          </button>
          <button onClick={() => send({ type: 'base-download', baseId: meta.id })} data-testid="base-download">
            Download .safetensors
          </button>
        </div>
      )}
    </div>
  );
}

export function PretrainPanel({ state, dispatch, send }: { state: State; dispatch: Dispatch<Action>; send: Send }) {
  const busy = !!state.activeRunId || !!state.activeBaseId;
  const gpuReady = state.gpu.kind === 'ready';
  const meta = state.bases.find((b) => b.id === state.selectedBaseId);
  const history = state.base && state.base.id === state.selectedBaseId ? state.base.history : null;
  return (
    <section className="card" data-testid="pretrain">
      <h2>Pretrain a base</h2>
      <p className="muted">
        A TRACT run fine-tunes a base model that can already take the steps its chains of thought write out. Here you can pretrain one in this tab, as{' '}
        <code>tract pretrain</code> does in Node: next-token CE on a procedural corpus generated from a seed — column addition and subtraction with carries and borrows, comparing
        numbers, counting items, position-by-position checks — never the judge data. Its checkpoint stays in this browser, so a reload resumes it.
      </p>
      <ShippedBaseNote shipped={state.shippedBase} />
      <PretrainSettings form={state.pretrainForm} busy={busy} gpuReady={gpuReady} dispatch={dispatch} send={send} />
      <BasesTable bases={state.bases} selectedBaseId={state.selectedBaseId} activeBaseId={state.activeBaseId} canStart={!busy && gpuReady} dispatch={dispatch} send={send} />
      {meta && <BaseView meta={meta} history={history} active={meta.id === state.activeBaseId} canStart={!busy && gpuReady} dispatch={dispatch} send={send} />}
    </section>
  );
}
