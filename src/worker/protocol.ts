// The typed message protocol between the UI (main thread) and the engine worker, which owns the
// GPUDevice. Plain data only: everything here must survive structured cloning.
import type { AdapterSummary } from '../gpu/device.ts';

/** The score-kernel demonstration: one row of logits over a toy vocabulary, read out with RAIL. */
export interface ScoreDemoResult {
  tokens: string[];
  logits: number[];
  /** Score tokens' positions in `tokens` and their values 1..5. */
  scoreIds: number[];
  scoreValues: number[];
  gpu: ScoreReadout;
  cpu: ScoreReadout;
  /** Gold label and the RAFT gradient on every logit (GPU). */
  gold: number;
  raftGradient: number[];
  cpuRaftGradient: number[];
  maxAbsDiff: number;
  ms: number;
}

export interface ScoreReadout {
  /** p[t_k] over the whole vocabulary. */
  probs: number[];
  mass: number;
  yhat: number;
  /** q_k = p_k / mass and ŷ with renormalisation. */
  renormProbs: number[];
  renormYhat: number;
}

export type ToWorker = { type: 'probe' } | { type: 'score-demo'; logits?: number[]; gold?: number };

export type FromWorker =
  | { type: 'ready'; adapter: AdapterSummary; granted: Record<string, number> }
  | { type: 'unavailable'; reason: string }
  | { type: 'score-demo'; result: ScoreDemoResult }
  | { type: 'error'; message: string }
  | { type: 'device-lost'; message: string };
