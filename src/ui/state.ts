// All UI state in one reducer. Components dispatch actions; the engine worker's replies arrive as
// actions too ({ type: 'engine', msgs }: everything that arrived since the last animation frame).
import type { KernelTable } from '../kernels/matmul_tuning.ts';
import type { AdapterSummary } from '../gpu/device.ts';
import type { SplitChoice } from '../data/split.ts';
import { DIGIT_SCALES, resizeLevels, type ScoreLevel } from '../data/levels.ts';
import { defaultJudgeCotTokens } from '../data/trained_fit.ts';
import { emptyHistory, foldEvents } from '../worker/history.ts';
import { foldPretrainEvents } from '../worker/pretrain_history.ts';
import type {
  FileEvalResult,
  BaseHistory,
  BaseMeta,
  DatasetSummary,
  EvalData,
  ExampleDetail,
  ExampleRow,
  ExperimentConfig,
  FallbackStatus,
  FromWorker,
  JudgeFields,
  Judgement,
  MethodName,
  ModelSummary,
  Report,
  RunArtifact,
  RunHistory,
  RunMeta,
  RunSeed,
  ScoreDemoResult,
  SizeEstimate,
  TemplateName,
} from '../worker/protocol.ts';
import { PLAYGROUND_EXAMPLES } from './examples.ts';
import { basePreset, runPreset, type BasePresetName, type RunPresetName } from './presets.ts';
import type { ShippedBaseState } from './seed.ts';

export type View = 'playground' | 'data' | 'model' | 'train' | 'evaluate' | 'learn';
export const VIEWS: { id: View; title: string }[] = [
  { id: 'playground', title: 'Playground' },
  { id: 'data', title: 'Data' },
  { id: 'model', title: 'Model' },
  { id: 'train', title: 'Train' },
  { id: 'evaluate', title: 'Evaluate' },
  { id: 'learn', title: 'Learn' },
];

export interface KernelsState {
  table: KernelTable | null;
  /** Shape classes timed so far while a measurement runs. */
  measuring: { done: number; total: number } | null;
  /** What the last measurement did ("102 shape classes timed in 15.0 s …"). */
  note: string | null;
}

export type GpuStatus =
  | { kind: 'probing' }
  | { kind: 'ready'; adapter: AdapterSummary; granted: Record<string, number> }
  | { kind: 'lost'; message: string }
  | { kind: 'unavailable'; reason: string; fallback: FallbackStatus };

export const DATA_PAGE = 25;

export interface DataState {
  loading: string | null;
  summary: DatasetSummary | null;
  query: string;
  split: 'all' | 'train' | 'dev' | 'test';
  offset: number;
  total: number;
  rows: ExampleRow[];
  detail: ExampleDetail | null;
  template: TemplateName;
}

export interface PlaygroundState {
  fields: JudgeFields;
  exampleName: string;
  gold: number | undefined;
  nCot: number;
  greedy: boolean;
  seed: number;
  maxCotTokens: number;
  renormalize: boolean;
  requestId: number;
  running: boolean;
  /** Streamed text per sample. */
  cots: string[];
  result: { judgement: Judgement; ms: number; tokens: number; gold?: number; backend: string; promptFit?: { note: string; warnings: string[] } } | null;
  /** The rubric levels of the judgement running or shown (its bars are labelled with them). */
  judgedLevels: ScoreLevel[];
  error: string | null;
}

export interface RunView {
  id: string;
  history: RunHistory;
  artifacts: RunArtifact[];
}

/** The Train view's "Pretrain a base" settings. */
export interface PretrainForm {
  preset: BasePresetName;
  steps: number;
  batchSize: number;
  corpusSeed: number;
}

/** A notice; one tied to a run or a base (`run:<id>`, `base:<id>`) goes when that job stops. */
export interface Notice {
  text: string;
  about?: string;
}

export interface State {
  view: View;
  gpu: GpuStatus;
  /** The matmul kernels measured on this adapter (table null: none yet), and a measurement under way. */
  kernels: KernelsState;
  demo: ScoreDemoResult | null;
  demoRunning: boolean;
  /** The demo's logits as the sliders set them (null until the first run returns the defaults). */
  logits: number[] | null;
  gold: number;
  /** The score demo's scale: 5 or 10 score tokens (the Learn view follows K). */
  demoLevels: 5 | 10;
  errors: string[];
  notices: Notice[];
  data: DataState;
  model: { current: ModelSummary | null; loading: string | null; estimates: SizeEstimate[] };
  playground: PlaygroundState;
  /** The settings the next run trains with (Data, Model and Train views edit parts of it). */
  config: ExperimentConfig;
  runPreset: RunPresetName | 'custom';
  runs: RunMeta[];
  runsLoaded: boolean;
  activeRunId: string | null;
  selectedRunId: string | null;
  run: RunView | null;
  results: Record<string, { report: Report; evaluation: EvalData }>;
  evaluation: { runId: string | null; method: MethodName | null; example: number | null };
  /** What a new run starts from (the shipped base unless chosen otherwise). */
  runSeed: RunSeed;
  shippedBase: ShippedBaseState;
  /** Bases pretrained in this browser. */
  bases: BaseMeta[];
  basesLoaded: boolean;
  activeBaseId: string | null;
  selectedBaseId: string | null;
  base: { id: string; history: BaseHistory } | null;
  pretrainForm: PretrainForm;
  /** Runs (and bases) interrupted by a reload are resumed once per page load. */
  autoResumed: boolean;
  /** What a new run trains on: Rubric Lab (config.data), or the file loaded in the Data view split so. */
  trainData: TrainData;
  fileEval: FileEvalState;
}

/** The Evaluate view's evaluation of the Data view's dataset with the current model. */
export interface FileEvalState {
  status: 'idle' | 'running' | 'cancelling' | 'done' | 'failed' | 'cancelled';
  /** Rows judged of those with a prompt, and ms since the start (for the ETA). */
  done: number;
  total: number;
  ms: number;
  result: FileEvalResult | null;
  error: string | null;
  /** The dataset and model it was started on (a result is stale once either changes). */
  dataset: string | null;
  form: { nCot: number; greedy: boolean; cut: boolean; seed: number };
}

export type TrainData = { source: 'rubric-lab' } | { source: 'file'; split: SplitChoice };

function pretrainForm(preset: BasePresetName): PretrainForm {
  const p = basePreset(preset);
  return { preset, steps: p.steps, batchSize: p.batchSize, corpusSeed: 1 };
}

function defaultFields(): JudgeFields {
  const e = PLAYGROUND_EXAMPLES[0];
  return { instruction: e.instruction, response: e.response, referenceAnswer: e.referenceAnswer, rubric: { ...e.rubric } };
}

/** The view named by the page's #hash (so a reload stays where it was). */
export function viewFromHash(hash: string): View {
  const id = hash.replace(/^#/, '');
  return VIEWS.some((v) => v.id === id) ? (id as View) : 'playground';
}

export const initialState: State = {
  view: typeof location === 'undefined' ? 'playground' : viewFromHash(location.hash),
  gpu: { kind: 'probing' },
  kernels: { table: null, measuring: null, note: null },
  demo: null,
  demoRunning: false,
  logits: null,
  gold: 3.67,
  demoLevels: 5,
  errors: [],
  notices: [],
  data: { loading: null, summary: null, query: '', split: 'all', offset: 0, total: 0, rows: [], detail: null, template: 'compact' },
  model: { current: null, loading: null, estimates: [] },
  playground: {
    fields: defaultFields(),
    exampleName: PLAYGROUND_EXAMPLES[0].name,
    gold: PLAYGROUND_EXAMPLES[0].gold,
    nCot: 1,
    greedy: false,
    seed: 1,
    maxCotTokens: 64,
    renormalize: false,
    requestId: 0,
    running: false,
    cots: [],
    result: null,
    judgedLevels: defaultFields().rubric.levels,
    error: null,
  },
  config: runPreset('smoke'),
  runPreset: 'smoke',
  runs: [],
  runsLoaded: false,
  activeRunId: null,
  selectedRunId: null,
  run: null,
  results: {},
  evaluation: { runId: null, method: null, example: null },
  runSeed: { kind: 'shipped-base' },
  shippedBase: undefined,
  bases: [],
  basesLoaded: false,
  activeBaseId: null,
  selectedBaseId: null,
  base: null,
  pretrainForm: pretrainForm('smoke'),
  autoResumed: false,
  trainData: { source: 'rubric-lab' },
  fileEval: { status: 'idle', done: 0, total: 0, ms: 0, result: null, error: null, dataset: null, form: { nCot: 1, greedy: true, cut: false, seed: 1 } },
};

export type Action =
  | { type: 'engine'; msgs: FromWorker[] }
  | { type: 'view'; view: View }
  | { type: 'demo-requested' }
  /** The Measure button of the adapter panel was pressed (the worker was sent 'kernels-measure'). */
  | { type: 'kernels-requested' }
  | { type: 'logit'; token: number; value: number }
  | { type: 'gold'; value: number }
  | { type: 'demo-levels'; levels: 5 | 10 }
  | { type: 'error'; message: string }
  | { type: 'dismiss-errors' }
  | { type: 'dismiss-notices' }
  | { type: 'notice'; message: string; about?: string }
  | { type: 'data-loading'; what: string }
  | { type: 'data-query'; query: string }
  | { type: 'data-split'; split: DataState['split'] }
  | { type: 'data-offset'; offset: number }
  | { type: 'data-template'; template: TemplateName }
  | { type: 'data-close-detail' }
  | { type: 'model-loading'; what: string }
  /** A text field, or (a number) the description of the rubric level at that index. */
  | { type: 'pg-field'; field: 'instruction' | 'response' | 'referenceAnswer' | 'criteria' | number; value: string }
  /** The rubric's scale: one of DIGIT_SCALES' ids ("1..5", "1..10", "0..9", …). */
  | { type: 'pg-scale'; scale: string }
  | { type: 'pg-example'; name: string; fields: JudgeFields; gold?: number }
  | { type: 'pg-option'; patch: Partial<Pick<PlaygroundState, 'nCot' | 'greedy' | 'seed' | 'maxCotTokens' | 'renormalize'>> }
  | { type: 'pg-start'; requestId: number }
  | { type: 'config'; config: ExperimentConfig; preset?: RunPresetName | 'custom' }
  | { type: 'select-run'; runId: string }
  | { type: 'auto-resumed' }
  | { type: 'run-seed'; seed: RunSeed }
  | { type: 'train-data'; data: TrainData }
  | { type: 'select-base'; baseId: string }
  | { type: 'pretrain-preset'; preset: BasePresetName }
  | { type: 'pretrain-form'; patch: Partial<Omit<PretrainForm, 'preset'>> }
  | { type: 'eval-run'; runId: string }
  | { type: 'eval-method'; method: MethodName }
  | { type: 'eval-example'; index: number | null }
  | { type: 'file-eval-form'; patch: Partial<FileEvalState['form']> }
  | { type: 'file-eval-start'; dataset: string }
  | { type: 'file-eval-cancel' };


function upsertRun<T extends { id: string }>(runs: T[], meta: T): T[] {
  const i = runs.findIndex((r) => r.id === meta.id);
  if (i < 0) return [meta, ...runs];
  const next = runs.slice();
  next[i] = meta;
  return next;
}

/** Notices about a run or base ("Resuming …") go once it is no longer starting or running. */
function dropAbout(notices: Notice[], about: string, status: string): Notice[] {
  if (status === 'running' || status === 'recovering' || status === 'pausing' || !notices.some((n) => n.about === about)) return notices;
  return notices.filter((n) => n.about !== about);
}

/** One worker message. */
function engine(state: State, msg: FromWorker): State {
  switch (msg.type) {
    case 'ready':
      return {
        ...state,
        gpu: { kind: 'ready', adapter: msg.adapter, granted: msg.granted },
        notices: msg.recovered ? [...state.notices, { text: 'A new GPU device is ready.' }] : state.notices,
      };
    case 'kernels':
      return { ...state, kernels: { table: msg.table, measuring: null, note: msg.note ?? state.kernels.note } };
    case 'kernels-progress':
      return { ...state, kernels: { ...state.kernels, measuring: { done: msg.done, total: msg.total } } };
    case 'unavailable':
      return { ...state, gpu: { kind: 'unavailable', reason: msg.reason, fallback: msg.fallback }, demoRunning: false, model: { ...state.model, loading: null } };
    case 'device-lost':
      return {
        ...state,
        demoRunning: false,
        gpu: { kind: 'lost', message: msg.message },
        playground: state.playground.running ? { ...state.playground, running: false, error: `the GPU device was lost (${msg.message})` } : state.playground,
        errors: [...state.errors, `GPU device lost: ${msg.message.replace(/\.+$/, '')}.${msg.recovering ? ' Getting a new device; a training run continues from its last finished stage, a pretraining from its last checkpoint.' : ''}`],
      };
    case 'score-demo':
      // A demo of the scale no longer chosen (the toggle moved while it ran) is dropped.
      if (msg.result.scoreIds.length !== state.demoLevels) return { ...state, demoRunning: false };
      return { ...state, demo: msg.result, demoRunning: false, logits: state.logits ?? msg.result.logits };
    case 'error':
      return {
        ...state,
        demoRunning: false,
        data: msg.context?.startsWith('data-') ? { ...state.data, loading: null } : state.data,
        model: msg.context?.startsWith('model-') ? { ...state.model, loading: null } : state.model,
        kernels: msg.context === 'kernels-measure' ? { ...state.kernels, measuring: null } : state.kernels,
        errors: [...state.errors, msg.message],
      };
    case 'notice':
      return { ...state, notices: [...state.notices, { text: msg.message }] };
    case 'data-loaded':
      return {
        ...state,
        data: { ...state.data, loading: null, summary: msg.summary, offset: 0, detail: null, rows: [], total: 0 },
        // The Train view's file choice was about the file loaded before: back to Rubric Lab.
        trainData: { source: 'rubric-lab' },
      };
    case 'data-rows':
      if (msg.query !== state.data.query || msg.split !== state.data.split || msg.offset !== state.data.offset) return state; // stale
      return { ...state, data: { ...state.data, rows: msg.rows, total: msg.total } };
    case 'data-example':
      return { ...state, data: { ...state.data, detail: msg.detail } };
    case 'estimates':
      return { ...state, model: { ...state.model, estimates: msg.estimates } };
    case 'model-loading':
      return { ...state, model: { ...state.model, loading: msg.name } };
    case 'model': {
      // A judge with a known trained CoT room: CoTs default to its run's length, never beyond the room.
      // The judgement shown was the old model's: it goes with it (a judge still running is ignored by requestId).
      const fit = msg.model.promptFit;
      const pg = state.playground;
      const playground: PlaygroundState = { ...pg, maxCotTokens: fit ? defaultJudgeCotTokens(fit) : pg.maxCotTokens, result: null, cots: [], error: null, running: false, requestId: pg.running ? -1 : pg.requestId };
      return { ...state, model: { ...state.model, current: msg.model, loading: null }, playground };
    }
    case 'judge-text': {
      const pg = state.playground;
      if (msg.requestId !== pg.requestId) return state;
      const cots = pg.cots.slice();
      for (const p of msg.pieces) cots[p.sample] = (cots[p.sample] ?? '') + p.text;
      return { ...state, playground: { ...pg, cots } };
    }
    case 'judge-result': {
      const pg = state.playground;
      if (msg.requestId !== pg.requestId) return state;
      return { ...state, playground: { ...pg, running: false, result: { judgement: msg.judgement, ms: msg.ms, tokens: msg.tokens, gold: msg.gold, backend: msg.backend, promptFit: msg.promptFit } } };
    }
    case 'eval-file-progress':
      return state.fileEval.status === 'running' || state.fileEval.status === 'cancelling' ? { ...state, fileEval: { ...state.fileEval, done: msg.done, total: msg.total, ms: msg.ms } } : state;
    case 'eval-file-result':
      return { ...state, fileEval: { ...state.fileEval, status: 'done', result: msg.result, error: null, done: state.fileEval.total } };
    case 'eval-file-failed':
      return { ...state, fileEval: { ...state.fileEval, status: msg.cancelled ? 'cancelled' : 'failed', error: msg.cancelled ? null : msg.message } };
    case 'judge-failed': {
      const pg = state.playground;
      if (msg.requestId !== pg.requestId) return state;
      return { ...state, playground: { ...pg, running: false, error: msg.message } };
    }
    case 'runs': {
      const selected = state.selectedRunId && msg.runs.some((r) => r.id === state.selectedRunId) ? state.selectedRunId : (msg.active ?? msg.runs[0]?.id ?? null);
      return { ...state, runs: msg.runs, runsLoaded: true, activeRunId: msg.active, selectedRunId: selected, run: state.run && state.run.id === selected ? state.run : null };
    }
    case 'run-status': {
      const live = msg.active;
      const activeRunId = live ? msg.meta.id : state.activeRunId === msg.meta.id ? null : state.activeRunId;
      const follow = live && state.selectedRunId !== msg.meta.id && msg.meta.status === 'running';
      return {
        ...state,
        notices: dropAbout(state.notices, `run:${msg.meta.id}`, msg.meta.status),
        runs: upsertRun(state.runs, msg.meta),
        activeRunId,
        selectedRunId: follow ? msg.meta.id : state.selectedRunId,
        run: follow ? null : state.run,
      };
    }
    case 'run-history':
      if (msg.runId !== state.selectedRunId) return state;
      return { ...state, run: { id: msg.runId, history: msg.history, artifacts: msg.artifacts } };
    case 'train-events': {
      if (!state.run || msg.runId !== state.run.id) return state;
      return { ...state, run: { ...state.run, history: foldEvents(state.run.history, msg.events) } };
    }
    case 'run-results': {
      const results = { ...state.results, [msg.runId]: { report: msg.report, evaluation: msg.evaluation } };
      // A run that just finished in this tab becomes the one the Evaluate view shows.
      const evaluation = state.activeRunId === msg.runId || !state.evaluation.runId ? { runId: msg.runId, method: null, example: null } : state.evaluation;
      return { ...state, results, evaluation };
    }
    case 'shipped-base':
      return { ...state, shippedBase: { base: msg.base, reason: msg.reason } };
    case 'bases': {
      const selected = state.selectedBaseId && msg.bases.some((b) => b.id === state.selectedBaseId) ? state.selectedBaseId : (msg.active ?? msg.bases[0]?.id ?? null);
      return { ...state, bases: msg.bases, basesLoaded: true, activeBaseId: msg.active, selectedBaseId: selected, base: state.base && state.base.id === selected ? state.base : null };
    }
    case 'base-status': {
      const live = msg.active;
      const activeBaseId = live ? msg.meta.id : state.activeBaseId === msg.meta.id ? null : state.activeBaseId;
      const follow = live && state.selectedBaseId !== msg.meta.id && msg.meta.status === 'running';
      return {
        ...state,
        notices: dropAbout(state.notices, `base:${msg.meta.id}`, msg.meta.status),
        bases: upsertRun(state.bases, msg.meta),
        activeBaseId,
        selectedBaseId: follow ? msg.meta.id : state.selectedBaseId,
        base: follow ? null : state.base,
      };
    }
    case 'base-history':
      if (msg.baseId !== state.selectedBaseId) return state;
      return { ...state, base: { id: msg.baseId, history: msg.history } };
    case 'pretrain-events':
      if (!state.base || msg.baseId !== state.base.id) return state;
      return { ...state, base: { ...state.base, history: foldPretrainEvents(state.base.history, msg.events) } };
    case 'download':
      return state; // handled by the App (a file save, not state)
  }
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'engine':
      return action.msgs.reduce(engine, state);
    case 'view':
      // Errors belong to the view they were raised in (a device loss is also in the status bar): leaving it clears them.
      return action.view === state.view ? state : { ...state, view: action.view, errors: [] };
    case 'kernels-requested':
      return { ...state, kernels: { ...state.kernels, measuring: { done: 0, total: 0 } } };
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
    case 'demo-levels':
      // New logits for the new vocabulary come with the next demo; the gold label stays within the scale.
      return action.levels === state.demoLevels ? state : { ...state, demoLevels: action.levels, logits: null, demo: null, gold: Math.min(state.gold, action.levels) };
    case 'error':
      return { ...state, errors: [...state.errors, action.message] };
    case 'dismiss-errors':
      return { ...state, errors: [] };
    case 'dismiss-notices':
      return { ...state, notices: [] };
    case 'notice':
      return { ...state, notices: [...state.notices, { text: action.message, about: action.about }] };
    case 'data-loading':
      return { ...state, data: { ...state.data, loading: action.what } };
    case 'data-query':
      return { ...state, data: { ...state.data, query: action.query, offset: 0 } };
    case 'data-split':
      return { ...state, data: { ...state.data, split: action.split, offset: 0 } };
    case 'data-offset':
      return { ...state, data: { ...state.data, offset: Math.max(0, action.offset) } };
    case 'data-template':
      return { ...state, data: { ...state.data, template: action.template } };
    case 'data-close-detail':
      return { ...state, data: { ...state.data, detail: null } };
    case 'model-loading':
      return { ...state, model: { ...state.model, loading: action.what } };
    case 'pg-field': {
      const f = state.playground.fields;
      const field = action.field;
      const fields: JudgeFields =
        typeof field === 'number'
          ? { ...f, rubric: { ...f.rubric, levels: f.rubric.levels.map((l, i) => (i === field ? { ...l, description: action.value } : l)) } }
          : field === 'criteria'
            ? { ...f, rubric: { ...f.rubric, criteria: action.value } }
            : { ...f, [field]: action.value };
      return { ...state, playground: { ...state.playground, fields, exampleName: 'your own', gold: undefined } };
    }
    case 'pg-scale': {
      const scale = DIGIT_SCALES.find((d) => d.id === action.scale);
      if (!scale) return state;
      const f = state.playground.fields;
      const fields: JudgeFields = { ...f, rubric: { ...f.rubric, levels: resizeLevels(f.rubric.levels, scale.first, scale.k) } };
      return { ...state, playground: { ...state.playground, fields, exampleName: 'your own', gold: undefined } };
    }
    case 'pg-example':
      return {
        ...state,
        view: 'playground',
        errors: state.view === 'playground' ? state.errors : [],
        playground: { ...state.playground, fields: action.fields, exampleName: action.name, gold: action.gold, result: null, cots: [], error: null },
      };
    case 'pg-option':
      return { ...state, playground: { ...state.playground, ...action.patch } };
    case 'pg-start':
      return { ...state, playground: { ...state.playground, requestId: action.requestId, running: true, cots: [], result: null, error: null, judgedLevels: state.playground.fields.rubric.levels } };
    case 'config':
      return { ...state, config: action.config, runPreset: action.preset ?? 'custom' };
    case 'select-run':
      return state.selectedRunId === action.runId ? state : { ...state, selectedRunId: action.runId, run: null };
    case 'auto-resumed':
      return { ...state, autoResumed: true };
    case 'run-seed':
      return { ...state, runSeed: action.seed };
    case 'train-data':
      return { ...state, trainData: action.data };
    case 'select-base':
      return state.selectedBaseId === action.baseId ? state : { ...state, selectedBaseId: action.baseId, base: null };
    case 'pretrain-preset':
      return { ...state, pretrainForm: { ...pretrainForm(action.preset), corpusSeed: state.pretrainForm.corpusSeed } };
    case 'pretrain-form':
      return { ...state, pretrainForm: { ...state.pretrainForm, ...action.patch } };
    case 'eval-run':
      return { ...state, evaluation: { runId: action.runId, method: null, example: null } };
    case 'eval-method':
      return { ...state, evaluation: { ...state.evaluation, method: action.method, example: null } };
    case 'eval-example':
      return { ...state, evaluation: { ...state.evaluation, example: action.index } };
    case 'file-eval-form':
      return { ...state, fileEval: { ...state.fileEval, form: { ...state.fileEval.form, ...action.patch } } };
    case 'file-eval-start':
      return { ...state, fileEval: { ...state.fileEval, status: 'running', done: 0, total: 0, ms: 0, result: null, error: null, dataset: action.dataset } };
    case 'file-eval-cancel':
      return state.fileEval.status === 'running' ? { ...state, fileEval: { ...state.fileEval, status: 'cancelling' } } : state;
  }
}

export { emptyHistory };
