// The page: whether WebGPU is here and on which adapter, and the fused score kernels run live on a
// small example (RAIL read-out, RAFT gradient) next to their CPU reference.
import { useEffect, useReducer, useRef } from 'react';
import { startEngine, type EngineClient } from '../worker/client.ts';
import { AdapterPanel } from './components/AdapterPanel.tsx';
import { ScoreDemo } from './components/ScoreDemo.tsx';
import { initialState, reducer } from './state.ts';

export function App() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const engine = useRef<EngineClient | null>(null);

  useEffect(() => {
    const client = startEngine((msg) => dispatch({ type: 'engine', msg }));
    engine.current = client;
    client.send({ type: 'probe' });
    return () => client.dispose();
  }, []);

  const ready = state.gpu.kind === 'ready';
  // Run the demo on the GPU when the engine is ready, and again whenever a slider or the gold
  // label changes (debounced, so dragging does not queue a run per pixel).
  const { logits, gold } = state;
  useEffect(() => {
    if (!ready || !engine.current) return;
    const timer = setTimeout(() => {
      dispatch({ type: 'demo-requested' });
      engine.current?.send({ type: 'score-demo', logits: logits ?? undefined, gold });
    }, 60);
    return () => clearTimeout(timer);
  }, [ready, logits, gold]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>tract-web</h1>
        <p className="tagline">
          Train small LLM judges with TRACT — regression-aware fine-tuning with chain-of-thought — on WebGPU, right in this tab.
        </p>
      </header>
      {state.errors.length > 0 && (
        <div className="errors" role="alert">
          {state.errors.map((e, i) => (
            <p key={i}>{e}</p>
          ))}
          <button onClick={() => dispatch({ type: 'dismiss-errors' })}>Dismiss</button>
        </div>
      )}
      <main>
        <AdapterPanel status={state.gpu} />
        {ready && <ScoreDemo state={state} dispatch={dispatch} />}
      </main>
      <footer>
        The engine runs in a Web Worker; every kernel is hand-written WGSL with a CPU reference. This page shows the foundation: the
        adapter and the fused RAIL/RAFT score kernels.
      </footer>
    </div>
  );
}
