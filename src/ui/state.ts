// All UI state in one reducer. Components dispatch actions; the engine worker's replies arrive as
// actions too ({ type: 'engine', msg }).
import type { AdapterSummary } from '../gpu/device.ts';
import type { FromWorker, ScoreDemoResult } from '../worker/protocol.ts';

export type GpuStatus =
  | { kind: 'probing' }
  | { kind: 'ready'; adapter: AdapterSummary; granted: Record<string, number> }
  | { kind: 'unavailable'; reason: string };

export interface State {
  gpu: GpuStatus;
  demo: ScoreDemoResult | null;
  demoRunning: boolean;
  /** The demo's logits as the sliders set them (null until the first run returns the defaults). */
  logits: number[] | null;
  gold: number;
  errors: string[];
}

export const initialState: State = {
  gpu: { kind: 'probing' },
  demo: null,
  demoRunning: false,
  logits: null,
  gold: 3.67,
  errors: [],
};

export type Action =
  | { type: 'engine'; msg: FromWorker }
  | { type: 'demo-requested' }
  | { type: 'logit'; token: number; value: number }
  | { type: 'gold'; value: number }
  | { type: 'dismiss-errors' };

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'engine': {
      const msg = action.msg;
      switch (msg.type) {
        case 'ready':
          return { ...state, gpu: { kind: 'ready', adapter: msg.adapter, granted: msg.granted } };
        case 'unavailable':
          return { ...state, gpu: { kind: 'unavailable', reason: msg.reason }, demoRunning: false };
        case 'score-demo':
          return {
            ...state,
            demo: msg.result,
            demoRunning: false,
            logits: state.logits ?? msg.result.logits,
          };
        case 'error':
          return { ...state, demoRunning: false, errors: [...state.errors, msg.message] };
        case 'device-lost':
          return { ...state, demoRunning: false, gpu: { kind: 'probing' }, errors: [...state.errors, `GPU device lost: ${msg.message}`] };
      }
      return state;
    }
    case 'demo-requested':
      return { ...state, demoRunning: true };
    case 'logit': {
      if (!state.logits) return state;
      const next = state.logits.slice();
      next[action.token] = action.value;
      return { ...state, logits: next };
    }
    case 'gold':
      return { ...state, gold: action.value };
    case 'dismiss-errors':
      return { ...state, errors: [] };
  }
}
