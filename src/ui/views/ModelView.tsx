// The Model view: the Playground's current model (and how to change it: the ready judge, a file
// from disk, a run's checkpoint), size presets for training with their parameter counts and memory
// estimates checked against this adapter's limits, and the adapter itself.
import type { Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { AdapterPanel } from '../components/AdapterPanel.tsx';
import { formatBytes, formatCount } from '../format.ts';
import { MODEL_PRESETS, sameModel } from '../presets.ts';
import type { Action, State } from '../state.ts';

export function ModelView({ state, dispatch, send }: { state: State; dispatch: Dispatch<Action>; send: Send }) {
  const m = state.model.current;
  const est = state.model.estimates;
  const cfg = state.config;
  return (
    <div className="view model">
      <section className="card" data-testid="current-model">
        <h2>The Playground’s model</h2>
        {state.model.loading && <p aria-busy="true">Loading {state.model.loading}…</p>}
        {m ? (
          <>
            <p>
              <strong data-testid="current-model-name">{m.name}</strong> ({m.origin === 'ready' ? 'shipped with the app' : m.origin === 'run' ? 'from a run in this browser' : 'opened from disk'}, {m.format},{' '}
              {formatBytes(m.bytes)})
            </p>
            <p>{m.description}</p>
            <p className="muted">
              {formatCount(m.parameters)} parameters · dim {m.config.dim} · {m.config.nLayers} layers · {m.config.nHeads} heads ({m.config.nKvHeads} KV) · FFN{' '}
              {m.config.hiddenDim} · vocabulary {m.config.vocabSize} · context {m.config.seqLen} · tokenizer {m.tokenizer ?? 'none'}
              {m.training?.stage ? ` · trained: ${m.training.stage}, ${m.training.step} steps` : ''}
            </p>
            {!m.judge.ok && <p className="warning">Cannot judge: {m.judge.reason}</p>}
          </>
        ) : (
          !state.model.loading && <p className="muted">No model loaded.</p>
        )}
        <div className="controls">
          <label className="file-button">
            Open a model from disk…
            <input
              type="file"
              multiple
              accept=".safetensors,.bin,.json"
              data-testid="model-file"
              onChange={(e) => {
                const files = Array.from(e.target.files ?? []);
                if (files.length === 0) return;
                dispatch({ type: 'model-loading', what: files.map((f) => f.name).join(' + ') });
                send({ type: 'model-open', files });
                e.target.value = '';
              }}
            />
          </label>
          <button onClick={() => send({ type: 'model-ready' })} disabled={m?.origin === 'ready'}>
            Use the ready judge
          </button>
        </div>
        <p className="muted">
          A tract checkpoint (<code>.safetensors</code>, tokenizer inside); a llama2.c model (<code>.bin</code>) selected together with its tokenizer (<code>tok512.bin</code>,{' '}
          <code>tokenizer.bin</code> or <code>tokenizer.json</code>); or a Hugging Face Llama: select <code>config.json</code>, <code>model.safetensors</code> (or its shards and{' '}
          <code>model.safetensors.index.json</code>) and <code>tokenizer.json</code> together. Loaded in the worker from the File API, checked against the adapter’s limits;
          kept in this browser for the next visit.
        </p>
      </section>

      <section className="card" data-testid="size-presets">
        <h2>Model sizes for training</h2>
        <p className="muted">
          Memory for training with batch {cfg.finetune.batchSize} and the vocabulary of the run ({cfg.data.vocabSize} tokens): parameters, gradients and both AdamW moments
          (f32), plus activations and backward scratch for one step. Checked against this adapter’s per-buffer limits. Pick one to train it.
        </p>
        <table className="sizes">
          <thead>
            <tr>
              <th />
              <th>preset</th>
              <th>shape</th>
              <th>parameters</th>
              <th>weights + AdamW</th>
              <th>activations</th>
              <th>total</th>
              <th>fits this adapter?</th>
            </tr>
          </thead>
          <tbody>
            {MODEL_PRESETS.map((p) => {
              const e = est.find((x) => x.name === p.name);
              const chosen = sameModel(p.model, cfg.model);
              return (
                <tr key={p.name} className={chosen ? 'selected' : ''} data-testid={`size-${p.name}`}>
                  <td>
                    <input type="radio" name="model-size" checked={chosen} onChange={() => dispatch({ type: 'config', config: { ...cfg, model: { ...p.model } } })} aria-label={`train the ${p.name} size`} />
                  </td>
                  <td>
                    <strong>{p.name}</strong>
                    <div className="muted">{p.note}</div>
                  </td>
                  <td>
                    dim {p.model.dim} · {p.model.nLayers} layers · {p.model.nHeads}/{p.model.nKvHeads} heads · FFN {p.model.hiddenDim} · ctx {p.model.seqLen}
                  </td>
                  <td data-testid={`size-${p.name}-params`}>{e ? formatCount(e.parameters) : '…'}</td>
                  <td>{e ? formatBytes(e.weightBytes) : '…'}</td>
                  <td>{e ? formatBytes(e.activationBytes) : '…'}</td>
                  <td>{e ? formatBytes(e.totalBytes) : '…'}</td>
                  <td>{!e ? '…' : state.gpu.kind !== 'ready' ? 'no adapter to check' : e.problems.length === 0 ? '✓ fits' : <span className="warning">{e.problems.join('; ')}</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>WebGPU adapter</h2>
        <AdapterPanel
          status={state.gpu}
          kernels={state.kernels}
          onMeasure={() => {
            dispatch({ type: 'kernels-requested' });
            send({ type: 'kernels-measure' });
          }}
        />
      </section>
    </div>
  );
}
