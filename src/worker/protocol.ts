// The typed message protocol between the UI (main thread) and the engine worker, which owns the
// GPUDevice. Plain data only: everything here must survive structured cloning (File objects do).
// Only types live here, so the UI importing this module pulls in no engine code.
import type { JudgeExample, LoadIssue, Rubric, Split } from '../data/types.ts';
import type { TemplateName } from '../data/templates.ts';
import type { AdapterSummary } from '../gpu/device.ts';
import type { ExperimentConfig, MethodName } from '../eval/config.ts';
import type { ExperimentEvent, ModelName, Report, StageName } from '../eval/experiment.ts';
import type { Judgement } from '../infer/judge.ts';
import type { ModelConfig } from '../model/config.ts';

export type { ExperimentEvent, ModelName, Report, StageName, Judgement, ExperimentConfig, MethodName, JudgeExample, ModelConfig, TemplateName };

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

// ---- data -----------------------------------------------------------------------------------

export interface RubricLabRequest {
  seed: number;
  train: number;
  dev: number;
  test: number;
}

/** One row of the examples table (long texts cut to a preview). */
export interface ExampleRow {
  index: number;
  id: string;
  split?: Split;
  family?: string;
  instruction: string;
  response: string;
  label: number;
  scores: number[];
}

export interface DatasetSummary {
  name: string;
  kind: 'rubric-lab' | 'file';
  accepted: number;
  rejected: number;
  /** Reading stopped early (truncated or non-JSON file, over the size limit). */
  fatal: boolean;
  /** The first problems, each naming file, line, row and field. */
  errors: LoadIssue[];
  /** How many problems there were in all (errors may be cut short). */
  errorCount: number;
  splits: Partial<Record<Split | 'none', number>>;
  labelMean: number | null;
  /** Examples per label rounded to 1..5. */
  labelHistogram: number[];
  bytes?: number;
  ms: number;
}

export interface ExampleDetail {
  index: number;
  example: JudgeExample;
  template: TemplateName;
  prompt: string;
  /** The training target: `<CoT> So the overall score is N`. */
  target: string;
  /** With the current model's tokenizer, when there is one. */
  tokens?: { prompt: number; target: number; total: number; tokenizer: string; truncated: boolean; note?: string };
}

// ---- models ---------------------------------------------------------------------------------

export type ModelOrigin = 'ready' | 'file' | 'run';

/** The model the Playground judges with. */
export interface ModelSummary {
  name: string;
  origin: ModelOrigin;
  format: 'safetensors' | 'llama2c' | 'huggingface';
  config: ModelConfig;
  parameters: number;
  /** File bytes as loaded. */
  bytes: number;
  tokenizer: string | null;
  /** Whether it can judge (a tokenizer whose score digits 1..5 are single tokens); else why not. */
  judge: { ok: true } | { ok: false; reason: string };
  template: TemplateName;
  /** What it is, in a sentence (the ready judge says how it was made and how good it is). */
  description: string;
  training?: { stage?: string; step?: number; seed?: number };
}

export interface SizeRequest {
  name: string;
  config: ModelConfig;
  /** Sequences per training step and tokens per sequence, for the activation estimate. */
  batch: number;
  seqLen: number;
}

export interface SizeEstimate extends SizeRequest {
  parameters: number;
  /** Parameters, gradients and both AdamW moments (training), f32. */
  weightBytes: number;
  activationBytes: number;
  totalBytes: number;
  /** Limits it would exceed (a single buffer over maxStorageBufferBindingSize …); empty when it fits. */
  problems: string[];
}

// ---- playground -----------------------------------------------------------------------------

export interface JudgeFields {
  instruction: string;
  response: string;
  referenceAnswer: string;
  rubric: Rubric;
}

export interface JudgeRequest {
  requestId: number;
  fields: JudgeFields;
  nCot: number;
  greedy: boolean;
  seed: number;
  maxCotTokens: number;
  renormalize: boolean;
  /** Shown beside ŷ (from a Data view example). */
  gold?: number;
}

// ---- training and runs ----------------------------------------------------------------------

export type RunStatus = 'running' | 'pausing' | 'paused' | 'recovering' | 'cancelled' | 'done' | 'failed' | 'interrupted';

export interface RunMeta {
  id: string;
  label: string;
  created: number;
  updated: number;
  config: ExperimentConfig;
  status: RunStatus;
  message?: string;
  /** Stages in the order they run. */
  stages: StageName[];
  /** The shipped run (public/judge): read-only, never trained here. */
  shipped?: boolean;
  /** The loaded model it starts from instead of stage 0; its files are the run's artifacts `files`. */
  seedModel?: { name: string; files: string[] };
}

/** One training step as charted. */
export interface StepPoint {
  stage: StageName;
  step: number;
  total: number;
  ce: number;
  raft: number | null;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
}

export interface StageState {
  status: 'pending' | 'running' | 'done' | 'reused';
  /** Why it did not run (e.g. "loaded from stories260K.bin": a loaded seed model instead of stage 0). */
  note?: string;
  /** Wall-clock ms (Date.now()) when it started, for the ETA. */
  startedAt?: number;
  /** Date.now() of its last step or progress report. */
  updatedAt?: number;
  seconds?: number;
  done?: number;
  total?: number;
}

export interface RunHistory {
  points: StepPoint[];
  stages: Partial<Record<StageName, StageState>>;
  selfCots: { id: string; cot: string }[];
  log: string[];
}

/** A run's evaluation: the test examples with their gold labels, and every model's judgements. */
export interface EvalData {
  examples: { id: string; gold: number; family?: string; instruction: string; response: string; referenceCot: string }[];
  judgements: Partial<Record<ModelName, Judgement[]>>;
  /** Which model and which score (RAIL ŷ or the decoded digit) each method reads. */
  methods: Partial<Record<MethodName, { model: ModelName; score: 'yhat' | 'decoded' }>>;
}

export interface RunArtifact {
  name: string;
  bytes: number;
}

export type ToWorker =
  | { type: 'probe' }
  | { type: 'score-demo'; logits?: number[]; gold?: number }
  | { type: 'data-rubric-lab'; request: RubricLabRequest }
  | { type: 'data-file'; file: File }
  | { type: 'data-query'; query: string; split: Split | 'all'; offset: number; limit: number }
  | { type: 'data-example'; index: number; template: TemplateName }
  | { type: 'estimate'; requests: SizeRequest[] }
  | { type: 'model-open'; files: File[] }
  | { type: 'model-ready' }
  | { type: 'model-from-run'; runId: string; name: string }
  | { type: 'judge'; request: JudgeRequest }
  /** seedFromModel: the current model (Model view) is the seed instead of stage 0. */
  | { type: 'train-start'; config: ExperimentConfig; label: string; seedFromModel?: boolean }
  | { type: 'train-resume'; runId: string }
  | { type: 'train-pause' }
  | { type: 'train-cancel' }
  | { type: 'runs-list' }
  | { type: 'run-open'; runId: string }
  | { type: 'run-delete'; runId: string }
  | { type: 'artifact-download'; runId: string; name: string }
  /** Debug hooks (tests, and the Learn view's "simulate a lost GPU" button). */
  | { type: 'debug'; action: 'lose-device' };

export type FromWorker =
  | { type: 'ready'; adapter: AdapterSummary; granted: Record<string, number>; recovered: boolean }
  | { type: 'unavailable'; reason: string; fallback: FallbackStatus }
  | { type: 'score-demo'; result: ScoreDemoResult }
  | { type: 'error'; message: string; context?: string }
  | { type: 'device-lost'; message: string; recovering: boolean }
  | { type: 'notice'; message: string }
  | { type: 'data-loaded'; summary: DatasetSummary }
  | { type: 'data-rows'; query: string; split: Split | 'all'; offset: number; total: number; rows: ExampleRow[] }
  | { type: 'data-example'; detail: ExampleDetail }
  | { type: 'estimates'; estimates: SizeEstimate[] }
  | { type: 'model-loading'; name: string }
  | { type: 'model'; model: ModelSummary }
  | { type: 'judge-text'; requestId: number; pieces: { sample: number; text: string }[] }
  | { type: 'judge-result'; requestId: number; judgement: Judgement; ms: number; tokens: number; gold?: number; backend: string }
  | { type: 'judge-failed'; requestId: number; message: string }
  | { type: 'runs'; runs: RunMeta[]; active: string | null }
  /** active: the run is the one this worker is training (running, pausing, paused or recovering now). */
  | { type: 'run-status'; meta: RunMeta; active: boolean }
  | { type: 'run-history'; runId: string; history: RunHistory; artifacts: RunArtifact[] }
  /** Events of the active run, batched (at most one message per ~100 ms); t = Date.now() when raised. */
  | { type: 'train-events'; runId: string; events: { t: number; e: ExperimentEvent }[] }
  | { type: 'run-results'; runId: string; report: Report; evaluation: EvalData }
  | { type: 'download'; name: string; mime: string; bytes: Uint8Array };

/** Inference without WebGPU (onnxruntime-web, src/worker/fallback.ts) — reported with 'unavailable'. */
export interface FallbackStatus {
  available: boolean;
  message: string;
  /** The runtime that judges instead, in words. */
  backend: string;
}
