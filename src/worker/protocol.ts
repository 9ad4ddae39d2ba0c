// The typed message protocol between the UI (main thread) and the engine worker, which owns the
// GPUDevice. Plain data only: everything here must survive structured cloning (File objects do).
// Only types live here, so the UI importing this module pulls in no engine code.
import type { KernelTable } from '../kernels/matmul_tuning.ts';
import type { SplitChoice } from '../data/split.ts';
import type { JudgeExample, LoadIssue, Rubric, Split } from '../data/types.ts';
import type { TemplateName } from '../data/templates.ts';
import type { PromptFit } from '../data/example.ts';
import type { TrainedFit } from '../data/trained_fit.ts';
import type { AdapterSummary } from '../gpu/device.ts';
import type { ExperimentConfig, MethodName } from '../eval/config.ts';
import type { ExperimentEvent, ModelName, Report, StageName } from '../eval/experiment.ts';
import type { Judgement } from '../infer/judge.ts';
import type { RowLine } from '../eval/file_rows.ts';
import type { EvalSummary } from '../eval/file_summary.ts';
import type { ModelConfig } from '../model/config.ts';
import type { PretrainEvent, PretrainOptions } from '../train/pretrain.ts';

export type { ExperimentEvent, ModelName, Report, StageName, Judgement, ExperimentConfig, MethodName, JudgeExample, ModelConfig, TemplateName, PretrainEvent, PretrainOptions, PromptFit, TrainedFit };

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
  /** The scale: 5 (the paper's 1..5, default) or 10 (the 1–10 variant). */
  levels?: 5 | 10;
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
  /** Examples whose feedback gives a reference CoT (the CoT methods need them). */
  withReferenceCot: number;
  /** Why the file's own split field cannot split it for a run (null: it can). */
  fileSplitProblem: string | null;
  labelMean: number | null;
  /** Examples per label rounded to 1..5. */
  labelHistogram: number[];
  /** The examples' score scale in words (describeScale) and its level labels, when they share one. */
  scale?: { text: string; labels: string[] } | null;
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
  /**
   * With the current model's tokenizer, when there is one: the prompt as the prompt-fit rule fits it
   * (`fit`: its seqLen and CoT room, the prompt budget in ids, and where the room came from), the
   * target with its CoT cut to the room as training cuts it (cotCut).
   */
  tokens?: {
    prompt: number;
    target: number;
    total: number;
    tokenizer: string;
    /** The prompt was cut to the budget (or, with a note, could not fit at all). */
    truncated: boolean;
    cotCut?: boolean;
    fit?: PromptFit & { budget: number; source: string };
    note?: string;
  };
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
  /** The prompt-fit rule it was trained with (its checkpoint's record, its run's report or config):
   *  the Playground and the Data view fit prompts with this CoT room. */
  promptFit?: TrainedFit;
  /** Why no trained fit is known (a base or a foreign model), when that is worth saying. */
  promptFitMissing?: string;
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

/** The Evaluate view's "judge the Data view's dataset" (tract eval's settings, from the UI). */
export interface FileEvalRequest {
  nCot: number;
  greedy: boolean;
  seed: number;
  /** Cut prompts over the budget (as training does) instead of leaving those rows unscored. */
  cut: boolean;
  renormalize: boolean;
  /** Bootstrap resamples for the CIs. */
  bootstrap: number;
}

/** The file evaluation's outcome: tract eval's summary and its --out lines, one per row. */
export interface FileEvalResult {
  summary: EvalSummary;
  lines: RowLine[];
  model: string;
  backend: string;
  /** The CoT settings in a line (as the Playground says them) and what differs from training. */
  promptFit: { note: string; warnings: string[] };
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
  /**
   * The model it starts from instead of stage 0; its files are the run's artifacts `files`. origin:
   * the shipped base (public/base), a base pretrained in this browser, or the Model view's model
   * (runs stored before origins were recorded have none: the Model view's).
   */
  seedModel?: { name: string; files: string[]; origin?: SeedOrigin };
  /** A run on the user's own file (its split examples are the artifact data.json). */
  data?: { name: string; how: string; train: number; dev: number; test: number; withReferenceCot: number };
}

export type SeedOrigin = 'shipped-base' | 'base' | 'model';

/**
 * What a new run starts from: the shipped base (public/base/base.safetensors, the app's default), a
 * base pretrained in this browser, the Model view's current model, or a seed pretrained from
 * scratch on the run's own Rubric Lab texts (stage 0).
 */
export type RunSeed = { kind: 'shipped-base' } | { kind: 'base'; baseId: string } | { kind: 'current-model' } | { kind: 'scratch' };

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

// ---- pretraining a base ---------------------------------------------------------------------

/** The shape of a base to pretrain (its tokenizer is trained on the corpus to vocabSize tokens). */
export interface BaseShape {
  dim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** Context, and the length of every pretraining row. */
  seqLen: number;
  vocabSize: number;
}

export interface PretrainRequest {
  label: string;
  shape: BaseShape;
  steps: number;
  batchSize: number;
  /** Seed of the procedural corpus and of its tokenizer. */
  corpusSeed: number;
  /** Seed of the weight initialisation (default 1). */
  seed?: number;
  /** Checkpoint (to IndexedDB) every this many steps; default about every 5% of the run, at most 50. */
  checkpointEvery?: number;
  /** Dev loss every this many steps; default about every 5% of the run. */
  devEvery?: number;
}

/** A base pretrained (or pretraining) in this browser. Its lifecycle is a run's. */
export interface BaseMeta {
  id: string;
  label: string;
  created: number;
  updated: number;
  request: PretrainRequest;
  /** What pretrainBase is called with (every default filled in). */
  options: PretrainOptions;
  config: ModelConfig;
  parameters: number;
  tokenizer: string;
  status: RunStatus;
  message?: string;
  /** Step of the last stored checkpoint: where a resume starts. */
  checkpointStep: number;
  /** The finished base (F16 safetensors): its size and losses (dev CE measured on the F16 weights). */
  result?: { bytes: number; trainCe: number; devCe: number; seconds: number };
}

/** A base's charted history, folded from its pretraining events (src/worker/pretrain_history.ts). */
export interface BaseHistory {
  /** Train CE per step (index i = step i + 1). */
  ce: number[];
  /** Dev CE at some steps (step 0: the initialisation). */
  dev: { step: number; ce: number }[];
  steps: number;
  /** When this session of training began (Date.now()) and at which step, for the ETA. */
  startedAt?: number;
  startStep?: number;
  /** Date.now() of the last step. */
  updatedAt?: number;
  lr?: number;
  tokensPerSec?: number;
}

/** The base shipped with the app (public/base), as the Train view describes it. */
export interface ShippedBase {
  name: string;
  bytes: number;
  config: ModelConfig;
  parameters: number;
  tokenizer: string;
  /** From its training record, when it has one. */
  steps?: number;
  corpusSeed?: number;
  devCe?: number;
  trainCe?: number;
}

export type ToWorker =
  | { type: 'probe' }
  /** Time the matmul and training-attention kernels for the default run's shapes on this adapter and keep the fastest. */
  | { type: 'kernels-measure' }
  /** levels: the demo's scale, 5 (default) or 10 score tokens. */
  | { type: 'score-demo'; logits?: number[]; gold?: number; levels?: 5 | 10 }
  | { type: 'data-rubric-lab'; request: RubricLabRequest }
  | { type: 'data-file'; file: File }
  | { type: 'data-query'; query: string; split: Split | 'all'; offset: number; limit: number }
  /** fit: the prompt-fit rule to show the prompt under (default: the model's trained fit, else its
   *  context and the default run's CoT room). */
  | { type: 'data-example'; index: number; template: TemplateName; fit?: Partial<PromptFit> }
  | { type: 'estimate'; requests: SizeRequest[] }
  | { type: 'model-open'; files: File[] }
  | { type: 'model-ready' }
  | { type: 'model-from-run'; runId: string; name: string }
  | { type: 'judge'; request: JudgeRequest }
  /** Judge every example of the Data view's dataset with the current model (the Evaluate view). */
  | { type: 'eval-file'; request: FileEvalRequest }
  | { type: 'eval-file-cancel' }
  /** data: train on the file loaded in the Data view, split so (absent: Rubric Lab from config.data). */
  | { type: 'train-start'; config: ExperimentConfig; label: string; seed: RunSeed; data?: SplitChoice }
  | { type: 'train-resume'; runId: string }
  | { type: 'train-pause' }
  | { type: 'train-cancel' }
  | { type: 'runs-list' }
  | { type: 'run-open'; runId: string }
  | { type: 'run-delete'; runId: string }
  | { type: 'artifact-download'; runId: string; name: string }
  | { type: 'pretrain-start'; request: PretrainRequest }
  | { type: 'pretrain-resume'; baseId: string }
  | { type: 'pretrain-pause' }
  | { type: 'pretrain-cancel' }
  | { type: 'base-open'; baseId: string }
  | { type: 'base-delete'; baseId: string }
  /** The finished base as a file (F16 safetensors with config, tokenizer and training record). */
  | { type: 'base-download'; baseId: string }
  /** Debug hooks (tests, and the Learn view's "simulate a lost GPU" button). With atStage, the
   *  device is lost at that stage's next training step (a test's loss lands mid-stage however fast
   *  the stage runs); without, now. */
  | { type: 'debug'; action: 'lose-device'; atStage?: string };

export type FromWorker =
  | { type: 'ready'; adapter: AdapterSummary; granted: Record<string, number>; recovered: boolean }
  /** The matmul (and training-attention) kernels measured on this adapter (null: not yet; 'kernels-measure' measures them). */
  | { type: 'kernels'; table: KernelTable | null; note?: string }
  | { type: 'kernels-progress'; done: number; total: number }
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
  /** promptFit: the CoT room the prompt was fit with, in a line, and what differs from training. */
  | { type: 'judge-result'; requestId: number; judgement: Judgement; ms: number; tokens: number; gold?: number; backend: string; promptFit?: { note: string; warnings: string[] } }
  | { type: 'judge-failed'; requestId: number; message: string }
  /** The file evaluation's progress: rows judged of those with a prompt (at most a few per second). */
  | { type: 'eval-file-progress'; done: number; total: number; ms: number }
  | { type: 'eval-file-result'; result: FileEvalResult }
  | { type: 'eval-file-failed'; message: string; cancelled: boolean }
  | { type: 'runs'; runs: RunMeta[]; active: string | null }
  /** active: the run is the one this worker is training (running, pausing, paused or recovering now). */
  | { type: 'run-status'; meta: RunMeta; active: boolean }
  | { type: 'run-history'; runId: string; history: RunHistory; artifacts: RunArtifact[] }
  /** Events of the active run, batched (at most one message per ~100 ms); t = Date.now() when raised. */
  | { type: 'train-events'; runId: string; events: { t: number; e: ExperimentEvent }[] }
  | { type: 'run-results'; runId: string; report: Report; evaluation: EvalData }
  /** The shipped base, or why there is none (at start-up). */
  | { type: 'shipped-base'; base: ShippedBase | null; reason?: string }
  | { type: 'bases'; bases: BaseMeta[]; active: string | null }
  /** active: the base this worker is pretraining (running, pausing, paused or recovering now). */
  | { type: 'base-status'; meta: BaseMeta; active: boolean }
  | { type: 'base-history'; baseId: string; history: BaseHistory }
  /** Events of the active pretraining, batched as train-events are. */
  | { type: 'pretrain-events'; baseId: string; events: { t: number; e: PretrainEvent }[] }
  | { type: 'download'; name: string; mime: string; bytes: Uint8Array };

/** Inference without WebGPU (onnxruntime-web, src/worker/fallback.ts) — reported with 'unavailable'. */
export interface FallbackStatus {
  available: boolean;
  message: string;
  /** The runtime that judges instead, in words. */
  backend: string;
}
