// One line under the tabs: the GPU, the Playground's model, the training run.
import { adapterLabel } from './AdapterPanel.tsx';
import type { State } from '../state.ts';

export function StatusBar({ state }: { state: State }) {
  const active = state.runs.find((r) => r.id === state.activeRunId);
  const m = state.model.current;
  return (
    <div className="status-bar">
      <span className={`dot ${state.gpu.kind}`} aria-hidden="true" />
      <span data-testid="status-gpu">{adapterLabel(state.gpu)}</span>
      <span className="sep">·</span>
      <span data-testid="status-model">{state.model.loading ? `loading ${state.model.loading}…` : m ? `judge: ${m.name}` : 'no model yet'}</span>
      {active && (
        <>
          <span className="sep">·</span>
          <span data-testid="status-run">
            training “{active.label}”: {active.status}
          </span>
        </>
      )}
    </div>
  );
}
