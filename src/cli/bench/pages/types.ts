// What a training benchmark in the bench page takes and returns. Shared by the page
// (window.tractBench.*, running in headless Chromium) and the Node harness (browser_bench.ts):
// both engines, theirs (nanogpt) and ours, take the same arguments and fill the same result, so
// one Chromium run can compare them shape by shape.

/** One model shape and how long to train it. tokens per step = batch × seqLen. */
export interface TrainBenchArgs {
  dim: number;
  /** Feed-forward width (ours: SwiGLU hidden size; nanogpt: its 2-matrix MLP's width, mlpFactor = hidden / dim). */
  hidden: number;
  layers: number;
  heads: number;
  /** Ours only (grouped-query attention); nanogpt has none and uses `heads` K/V heads. */
  kvHeads?: number;
  vocab: number;
  seqLen: number;
  batch: number;
  /** Timed steps after the first (untimed) step. */
  steps: number;
  /** Longest wait for model creation and the engine's own warm-up before training starts. */
  warmupTimeoutMs: number;
  /** Ours only: 'f32' (default) or 'mixed' (f16 matmul operands, train/step.ts). */
  precision?: 'f32' | 'mixed';
}

export interface TrainBenchResult {
  engine: string;
  /** batch × seqLen × steps / (wall time of the timed steps). */
  tokensPerSec: number;
  /** Mean wall time of a timed step: dispatch, GPU work, the loss read back. */
  msPerStep: number;
  steps: number;
  /** Wall time of the first training step (shader compilation, pipeline creation, first allocations). */
  firstStepMs: number;
  /** Model creation until the engine is ready to train (weights, the engine's own warm-up pass). */
  warmupMs: number;
  /** What ran the work, e.g. "webgpu". */
  backend: string;
  /** The page's WebGPU adapter, in the same words as `tract info` (adapterName). */
  adapter: string;
  /** Trainable parameters as the engine counts them. */
  params: number;
  /** Each timed step's wall time, in order. */
  stepMs: number[];
  /** The training loss after each step, first step included. */
  losses: number[];
  /** Anything a reader needs to judge the numbers: architecture differences, settings. */
  notes: string[];
  /** Engine-specific extras (dispatch counts, ...). */
  extra?: Record<string, number | string | boolean>;
}

/** What the page exposes on `window.tractBench`. Each training function runs in a fresh tab. */
export interface TractBench {
  /** The WebGPU adapter's name; throws with what is missing when there is no WebGPU. */
  adapter(): Promise<string>;
  nanogpt(args: TrainBenchArgs): Promise<TrainBenchResult>;
  [engine: string]: ((args: TrainBenchArgs) => Promise<TrainBenchResult>) | (() => Promise<string>);
}
