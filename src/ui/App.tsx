// The app: six views over one engine worker. The worker owns the GPU and does all the work; this
// side holds the state (one reducer), sends requests and draws. Nothing here imports GPU code.
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { startEngine, type EngineClient } from '../worker/client.ts';
import type { FromWorker, ToWorker } from '../worker/protocol.ts';
import { NoWebGpu } from './components/AdapterPanel.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { saveFile } from './exports.ts';
import { MODEL_PRESETS } from './presets.ts';
import { DATA_PAGE, initialState, reducer, viewFromHash, VIEWS } from './state.ts';
import { DataView } from './views/DataView.tsx';
import { EvaluateView } from './views/EvaluateView.tsx';
import { LearnView } from './views/LearnView.tsx';
import { ModelView } from './views/ModelView.tsx';
import { PlaygroundView } from './views/PlaygroundView.tsx';
import { TrainView } from './views/TrainView.tsx';
import { makeConfig } from '../model/config.ts';

export type Send = (msg: ToWorker) => void;

export function App() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const engine = useRef<EngineClient | null>(null);

  useEffect(() => {
    const client = startEngine((msgs: FromWorker[]) => {
      for (const m of msgs) if (m.type === 'download') saveFile(m.name, m.mime, m.bytes as Uint8Array<ArrayBuffer>);
      dispatch({ type: 'engine', msgs });
    });
    engine.current = client;
    client.send({ type: 'probe' });
    // The debug hook for tests and the curious: window.tractDebug.loseDevice() destroys the GPUDevice
    // now; loseDevice('stage1') at stage 1's next training step.
    (window as unknown as { tractDebug?: unknown }).tractDebug = {
      loseDevice: (atStage?: string) => client.send(atStage === undefined ? { type: 'debug', action: 'lose-device' } : { type: 'debug', action: 'lose-device', atStage }),
    };
    return () => client.dispose();
  }, []);

  const send: Send = useCallback((msg) => engine.current?.send(msg), []);
  const ready = state.gpu.kind === 'ready';

  // The view is in the URL's #hash (a reload, a link, the back button).
  useEffect(() => {
    if (location.hash !== `#${state.view}`) history.replaceState(null, '', `#${state.view}`);
  }, [state.view]);
  useEffect(() => {
    const onHash = () => dispatch({ type: 'view', view: viewFromHash(location.hash) });
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // The score demo (Learn view) runs on the GPU whenever a slider or the gold label changes
  // (debounced, so dragging does not queue a run per pixel).
  const { logits, gold, view, demoLevels } = state;
  useEffect(() => {
    if (!ready || view !== 'learn') return;
    const timer = setTimeout(() => {
      dispatch({ type: 'demo-requested' });
      send({ type: 'score-demo', logits: logits ?? undefined, gold, levels: demoLevels });
    }, 60);
    return () => clearTimeout(timer);
  }, [ready, view, logits, gold, demoLevels, send]);

  // The selected run's history and results.
  const { selectedRunId } = state;
  useEffect(() => {
    if (selectedRunId) send({ type: 'run-open', runId: selectedRunId });
  }, [selectedRunId, send]);

  // The selected base's history (Train view, Pretrain a base).
  const { selectedBaseId } = state;
  useEffect(() => {
    if (selectedBaseId) send({ type: 'base-open', baseId: selectedBaseId });
  }, [selectedBaseId, send]);

  // A run (or else a base) interrupted by a reload resumes from its last checkpoint, once per page load.
  useEffect(() => {
    if (state.autoResumed || !state.runsLoaded || !state.basesLoaded || !ready) return;
    dispatch({ type: 'auto-resumed' });
    if (state.activeRunId || state.activeBaseId) return;
    const interrupted = state.runs.find((r) => r.status === 'interrupted');
    const base = state.bases.find((b) => b.status === 'interrupted');
    if (interrupted) {
      dispatch({ type: 'notice', message: `Resuming “${interrupted.label}” from its last checkpoint (it was training when the page closed).`, about: `run:${interrupted.id}` });
      dispatch({ type: 'select-run', runId: interrupted.id });
      send({ type: 'train-resume', runId: interrupted.id });
    } else if (base) {
      dispatch({ type: 'notice', message: `Resuming the pretraining of “${base.label}” from its last checkpoint (it was training when the page closed).`, about: `base:${base.id}` });
      dispatch({ type: 'select-base', baseId: base.id });
      send({ type: 'pretrain-resume', baseId: base.id });
    }
  }, [state.autoResumed, state.runsLoaded, state.basesLoaded, state.runs, state.bases, state.activeRunId, state.activeBaseId, ready, send]);

  // Data view: Rubric Lab with the run's settings on first open.
  const dataEmpty = !state.data.summary && !state.data.loading;
  const lab = state.config.data;
  useEffect(() => {
    if (view !== 'data' || !dataEmpty) return;
    dispatch({ type: 'data-loading', what: 'Rubric Lab' });
    send({ type: 'data-rubric-lab', request: { seed: lab.seed, train: lab.train, dev: lab.dev, test: lab.test } });
    // Only on opening the view with nothing loaded, not on every edit of the settings.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, dataEmpty, send]);

  // Data view: the page of the search, debounced while typing.
  const { summary, query, split, offset } = state.data;
  useEffect(() => {
    if (!summary) return;
    const timer = setTimeout(() => send({ type: 'data-query', query, split, offset, limit: DATA_PAGE }), 150);
    return () => clearTimeout(timer);
  }, [summary, query, split, offset, send]);

  // Model view: estimates for every size preset at the run's vocabulary and batch.
  const { config } = state;
  const gpuKind = state.gpu.kind;
  useEffect(() => {
    if (view !== 'model' && view !== 'train') return;
    const vocabSize = config.data.vocabSize;
    const batch = config.finetune.batchSize;
    const requests = [{ name: 'this run', model: config.model }, ...MODEL_PRESETS.map((p) => ({ name: p.name, model: p.model }))].map((p) => ({
      name: p.name,
      config: makeConfig({ ...p.model, vocabSize }),
      batch,
      seqLen: p.model.seqLen,
    }));
    send({ type: 'estimate', requests });
  }, [view, config, gpuKind, send]);

  // Evaluate view: fetch the results it shows.
  const evalRunId = state.evaluation.runId ?? (state.runs.some((r) => r.id === 'shipped') ? 'shipped' : null);
  const haveResults = evalRunId ? !!state.results[evalRunId] : true;
  useEffect(() => {
    if ((view === 'evaluate' || view === 'learn') && evalRunId && !haveResults) send({ type: 'run-open', runId: evalRunId });
  }, [view, evalRunId, haveResults, send]);

  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <h1>tract-web</h1>
          <p className="tagline">Train and run small LLM judges with TRACT — regression-aware fine-tuning with chain-of-thought — on WebGPU, in this tab.</p>
        </div>
        <nav className="tabs" role="tablist" aria-label="Views">
          {VIEWS.map((v) => (
            <button key={v.id} role="tab" aria-selected={state.view === v.id} className={state.view === v.id ? 'tab active' : 'tab'} data-testid={`tab-${v.id}`} onClick={() => dispatch({ type: 'view', view: v.id })}>
              {v.title}
            </button>
          ))}
        </nav>
        <StatusBar state={state} />
      </header>
      {state.gpu.kind === 'unavailable' && <NoWebGpu status={state.gpu} />}
      {state.errors.length > 0 && (
        <div className="banner errors" role="alert" data-testid="errors">
          {state.errors.map((e, i) => (
            <p key={i}>{e}</p>
          ))}
          <button onClick={() => dispatch({ type: 'dismiss-errors' })}>Dismiss</button>
        </div>
      )}
      {state.notices.length > 0 && (
        <div className="banner notices" role="status" data-testid="notices">
          {state.notices.map((n, i) => (
            <p key={i}>{n.text}</p>
          ))}
          <button onClick={() => dispatch({ type: 'dismiss-notices' })}>Dismiss</button>
        </div>
      )}
      <main>
        {state.view === 'playground' && <PlaygroundView state={state} dispatch={dispatch} send={send} />}
        {state.view === 'data' && <DataView state={state} dispatch={dispatch} send={send} />}
        {state.view === 'model' && <ModelView state={state} dispatch={dispatch} send={send} />}
        {state.view === 'train' && <TrainView state={state} dispatch={dispatch} send={send} />}
        {state.view === 'evaluate' && <EvaluateView state={state} dispatch={dispatch} send={send} runId={evalRunId} />}
        {state.view === 'learn' && <LearnView state={state} dispatch={dispatch} runId={evalRunId} />}
      </main>
      <footer>
        The engine runs in a Web Worker that owns the GPU device; every kernel is hand-written WGSL checked against a CPU reference. Runs and checkpoints
        stay in this browser (IndexedDB).
      </footer>
    </div>
  );
}
