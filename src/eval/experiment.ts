// The experiment: the paper's table in miniature (DESIGN.md §1). For each seed, on Rubric Lab:
//   stage 0   a seed model pretrained from scratch (next-token CE on instructions, responses and
//             reference answers — never the feedback)
//   baselines label-only CE, label-only RAFT, CoT-CE (SFT on the reference CoTs), all from the seed
//   stage 1   CoT-RAFT on the reference CoTs, from the seed
//   self-CoT  the frozen stage-1 model samples one CoT per training example (T 1, top-p 0.9)
//   stage 2   CoT-RAFT on the self-CoTs + gold labels, from the SEED (TRACT); and the ablations:
//             self-CoT with CE only, and stage 2 from stage 1
// then every method is scored on eval.split (test by default; dev for choosing settings: Pearson,
// Spearman, Kendall τ-b, RMSE, bootstrap CIs, Pearson per task family) and the CoT-shift diagnostic
// is measured for stage 1 and TRACT. The paper's orderings are checked per seed and in the mean over
// seeds (paired bootstrap over the scored examples).
//
// Every prompt, in training (label-only included), self-CoT sampling and every read-out, follows
// one prompt-fit rule (PromptFit: T and the longest CoT any stage samples), so the same example has
// the same prompt ids for every method; the report gives the rate of cut prompts per split.
//
// Instead of stage 0, any loaded model can be the seed (options.seedModel: e.g. stories260K with its
// tok512, whose digits 1..5 are single tokens); its tokenizer and config then replace the trained BPE
// and config.model.
//
// Every model is saved as a checkpoint (and every evaluation as JSON) in an ArtifactStore before
// the next stage starts; a rerun finds them and continues after the last finished stage, with
// identical results (each stage's randomness comes from (seed, stage) alone). Nothing here touches
// Node: the CLI passes a file-system store, the app an IndexedDB one.
import {
  fitJudgePrompt,
  generateRubricLab,
  describeScale,
  isDefaultScale,
  scaleConflict,
  lmTexts,
  lmTokenStream,
  prepareJudgeSequences,
  trainRubricLabTokenizer,
  hash32,
  promptBudget,
  scoreSuffixTokens,
  type BuiltExample,
  type JudgeExample,
  type PreparedSet,
  type PromptFit,
  type Tokenizer,
} from '../data/index.ts';
import type { Gpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge, type Judgement } from '../infer/judge.ts';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint.ts';
import { makeConfig, type ModelConfig } from '../model/config.ts';
import { buildLayout } from '../model/layout.ts';
import { DeviceModel } from '../model/device_model.ts';
import { initParams } from '../model/init.ts';
import { pretrainLm, trainJudge, type RunLog, type StepReport } from '../train/stages.ts';
import type { TuningStore } from '../kernels/matmul_tuning.ts';
import { tuneTrainingKernels } from '../train/kernel_tuning.ts';
import { precisionFor, precisionOverride } from '../train/precision.ts';
import { parseCacheJson, parseCacheJsonl, weightsHash } from './cache.ts';
import { RAFT_REDUCTION_TEXT, type EvalSplit, type ExperimentConfig, type MethodName } from './config.ts';
import { acrossSeeds, allMetrics, metric, pairedDifference, pairedDifferenceOverSeeds, type Estimate, type MetricSet, METRICS, type MetricName } from './metrics.ts';

export interface ArtifactStore {
  read(name: string): Promise<Uint8Array | null>;
  write(name: string, data: Uint8Array | string): Promise<void>;
}

/** A model the experiment trains. */
export type ModelName = 'seed' | 'label-ce' | 'label-raft' | 'cot-ce' | 'stage1' | 'selfcot-ce' | 'stage2-from-stage1' | 'tract';
export type StageName = ModelName | 'self-cot' | `eval:${ModelName}` | 'cot-shift';

export type ExperimentEvent =
  | { type: 'stage'; seed: number; stage: StageName; status: 'start' | 'done' | 'reused'; seconds?: number; note?: string }
  | { type: 'step'; seed: number; stage: StageName; report: StepReport }
  | { type: 'progress'; seed: number; stage: StageName; done: number; total: number }
  | { type: 'self-cot'; seed: number; id: string; cot: string }
  | { type: 'log'; message: string };

/** How each method is made: which model, read out how. */
const METHOD_SPEC: Record<MethodName, { model: ModelName; readout: 'label' | 'cot'; score: 'yhat' | 'decoded' }> = {
  'label-ce-decode': { model: 'label-ce', readout: 'label', score: 'decoded' },
  'label-raft-rail': { model: 'label-raft', readout: 'label', score: 'yhat' },
  'cot-ce-decode': { model: 'cot-ce', readout: 'cot', score: 'decoded' },
  'cot-ce-cotrail': { model: 'cot-ce', readout: 'cot', score: 'yhat' },
  'stage1-cotrail': { model: 'stage1', readout: 'cot', score: 'yhat' },
  'selfcot-ce-cotrail': { model: 'selfcot-ce', readout: 'cot', score: 'yhat' },
  'stage2-from-stage1-cotrail': { model: 'stage2-from-stage1', readout: 'cot', score: 'yhat' },
  'tract-decode': { model: 'tract', readout: 'cot', score: 'decoded' },
  'tract-cotrail': { model: 'tract', readout: 'cot', score: 'yhat' },
};

/** How each model is trained: from which model, on which targets, with which loss. */
const MODEL_SPEC: Record<Exclude<ModelName, 'seed'>, { from: ModelName; cots: 'none' | 'reference' | 'self'; loss: 'ce' | 'cot-raft' }> = {
  'label-ce': { from: 'seed', cots: 'none', loss: 'ce' },
  'label-raft': { from: 'seed', cots: 'none', loss: 'cot-raft' },
  'cot-ce': { from: 'seed', cots: 'reference', loss: 'ce' },
  stage1: { from: 'seed', cots: 'reference', loss: 'cot-raft' },
  'selfcot-ce': { from: 'seed', cots: 'self', loss: 'ce' },
  'stage2-from-stage1': { from: 'stage1', cots: 'self', loss: 'cot-raft' },
  tract: { from: 'seed', cots: 'self', loss: 'cot-raft' },
};

/** The paper's mean Pearson over four benchmarks (Mistral-7B), DESIGN.md §1. */
export const PAPER_PEARSON: Partial<Record<MethodName, number>> = {
  'tract-cotrail': 0.65,
  'label-raft-rail': 0.623,
  'cot-ce-decode': 0.557,
  'stage1-cotrail': 0.556,
  'stage2-from-stage1-cotrail': 0.515,
  'label-ce-decode': 0.488,
};

/** Mean ± sd over seeds (n: the seeds where the value is defined). */
export type SeedSpread = { mean: number; sd: number; n: number };

export interface MethodResult {
  /** distinct: how many different scores the method predicted (1 → correlations are undefined, null in JSON).
   *  byFamily: Pearson r on the scored examples of each Rubric Lab task family. */
  perSeed: { seed: number; metrics: MetricSet; n: number; distinct: number; offScaleRate: number; byFamily: Record<string, number> }[];
  /** Mean ± sd over seeds of each metric's value. */
  mean: Record<MetricName, SeedSpread>;
  /** Mean ± sd over seeds of the Pearson r of each task family. */
  familyMean: Record<string, SeedSpread>;
}

export interface OrderingCheck {
  claim: string;
  better: MethodName;
  worse: MethodName;
  /** Pearson difference (better − worse) with its paired bootstrap CI, per seed. */
  perSeed: { seed: number; difference: Estimate }[];
  /** The mean over seeds of the Pearson difference, with a paired bootstrap CI that resamples the
   *  scored examples jointly (the same indices for every seed). */
  meanOverSeeds: Estimate;
  /** meanOverSeeds.value > 0. */
  holds: boolean;
  /** meanOverSeeds' CI above 0 (beyond the sampling noise of the examples). */
  significant: boolean;
}

/** Prompts the prompt-fit rule cut in one split: counts and the fraction of the split. */
export interface PromptCut {
  n: number;
  /** Prompts shortened to the budget. */
  cut: number;
  /** cut / n. */
  rate: number;
  /** Examples whose emptied prompt still exceeds the budget (left out of training; a read-out fails). */
  dropped: number;
}

export interface Report {
  config: ExperimentConfig;
  seeds: number[];
  /** truncated, dropped: training examples (reference CoTs) whose prompt was cut, or that could not
   *  fit; referenceCotsCut: reference CoTs cut to promptFit.maxCotTokens. */
  data: {
    train: number;
    dev: number;
    test: number;
    tokenizer: { vocabSize: number; name: string };
    /** The user's file and how it was split (absent: Rubric Lab from config.data). */
    source?: string;
    /** The score scale every example is read out on (describeScale; absent in reports made before scales). */
    scale?: string;
    truncated: number;
    dropped: number;
    referenceCotsCut: number;
    /** The prompt-fit rule every method used, and its prompt budget in ids. */
    promptFit: PromptFit & { budget: number };
    /** Cut prompts per split under that rule. */
    promptCut: Record<'train' | 'dev' | 'test', PromptCut>;
  };
  /** The split the methods were scored on (config.eval.split). */
  split: EvalSplit;
  modelConfig: ModelConfig;
  parameters: number;
  /** The loaded model the run started from instead of stage 0 (null: pretrained in stage 0). */
  seedModel?: { name: string; parameters: number; tokenizer: string } | null;
  stageSeconds: Record<string, Record<string, number>>;
  losses: Record<string, Record<string, { steps: number; ceFirst: number; ceLast: number; raftFirst: number | null; raftLast: number | null; tokens: number; seconds: number }>>;
  methods: Partial<Record<MethodName, MethodResult>>;
  cotShift: Partial<Record<'stage1' | 'tract', { perSeed: { seed: number; rmse: number }[]; mean: number; sd: number }>>;
  ordering: OrderingCheck[];
  paperPearson: Partial<Record<MethodName, number>>;
  wallSeconds: number;
  /** Where this run deviates from DESIGN.md §1, said once. */
  deviations: string[];
}

function modelsNeeded(methods: readonly MethodName[]): Set<ModelName> {
  const need = new Set<ModelName>();
  const add = (m: ModelName) => {
    if (need.has(m)) return;
    need.add(m);
    if (m !== 'seed') {
      add(MODEL_SPEC[m].from);
      if (MODEL_SPEC[m].cots === 'self') add('stage1');
    }
  };
  for (const m of methods) add(METHOD_SPEC[m].model);
  return need;
}

const ORDER: ModelName[] = ['seed', 'label-ce', 'label-raft', 'cot-ce', 'stage1', 'selfcot-ce', 'stage2-from-stage1', 'tract'];

/** Which model a method reads, and which of its scores (RAIL ŷ or the decoded digit). */
export function methodSpec(m: MethodName): { model: ModelName; score: 'yhat' | 'decoded' } {
  const s = METHOD_SPEC[m];
  return { model: s.model, score: s.score };
}

/** The stages one seed of `config` goes through, in the order they run (what an app draws). */
export function plannedStages(config: Pick<ExperimentConfig, 'methods'>): StageName[] {
  const need = modelsNeeded(config.methods);
  const out: StageName[] = [];
  for (const m of ORDER) {
    if (!need.has(m)) continue;
    if (m !== 'seed' && MODEL_SPEC[m].cots === 'self' && !out.includes('self-cot')) out.push('self-cot');
    out.push(m);
  }
  const evalModels = new Set(config.methods.map((m) => METHOD_SPEC[m].model));
  for (const m of ORDER) if (evalModels.has(m)) out.push(`eval:${m}`);
  if (evalModels.has('stage1') || evalModels.has('tract')) out.push('cot-shift');
  return out;
}

/** Stable JSON (sorted keys) for hashing what a stage depends on. */
function stable(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(stable).join(',')}]`;
  if (x && typeof x === 'object') return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${stable((x as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(x);
}

const decoder = new TextDecoder();

/**
 * Receives the experiment's events. It may return a promise: the run awaits it at every training
 * step and at every stage boundary, so an app can pause there (resolve later) or stop the run
 * (reject, or throw). Events raised inside sampling (progress, self-cot, log) are not awaited; a
 * throw from them still stops the run at once, and a rejected promise is seen at the next awaited event.
 */
export type ExperimentEventHandler = (e: ExperimentEvent) => void | Promise<void>;

/** A loaded model to start from instead of stage 0 (its tokenizer must read out the digits 1..5). */
export interface SeedModel {
  /** Shown in the report and the logs (e.g. the file name). */
  name: string;
  config: ModelConfig;
  params: Float32Array;
  tokenizer: Tokenizer;
}

/** The user's own examples, already split, instead of Rubric Lab (config.data's sizes are then not used). */
export interface ExperimentData {
  /** The file it came from, for the report. */
  name: string;
  /** How it was split, in words. */
  how: string;
  train: JudgeExample[];
  dev: JudgeExample[];
  test: JudgeExample[];
}

export interface ExperimentOptions {
  seedModel?: SeedModel;
  data?: ExperimentData;
  /** Time the matmul kernels for this run's training shapes first and use the fastest
   *  (kernels/matmul_tuning.ts), keeping the timings per adapter in this store. Absent: the
   *  adapter-class defaults, nothing measured. */
  tuning?: TuningStore;
}

/** A cheap fingerprint of a parameter vector (FNV-1a over its bits, strided for big models). */
function paramsFingerprint(params: Float32Array): string {
  const bits = new Uint32Array(params.buffer, params.byteOffset, params.length);
  const stride = Math.max(1, Math.floor(bits.length / 1_000_000));
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i += stride) {
    h ^= bits[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${params.length}:${h.toString(16)}`;
}

/** Checks that a seed model can be trained as a judge here; names what is wrong otherwise. */
export function checkSeedModel(m: SeedModel): void {
  // The flat buffer is the layout's padded size (gaps between the decayed and undecayed ranges),
  // which is more than the parameter count when dim is not a multiple of the alignment.
  const layout = buildLayout(m.config);
  if (m.params.length !== layout.size) throw new Error(`seed model ${m.name}: a flat buffer of ${m.params.length} floats, its config needs ${layout.size} (${layout.count} parameters with alignment gaps)`);
  if (m.tokenizer.vocabSize !== m.config.vocabSize) throw new Error(`seed model ${m.name}: tokenizer ${m.tokenizer.name} has ${m.tokenizer.vocabSize} tokens but the model's vocabulary is ${m.config.vocabSize}`);
  try {
    m.tokenizer.scoreTokenIds();
  } catch (e) {
    throw new Error(`seed model ${m.name}: its tokenizer cannot read out scores: ${(e as Error).message}`);
  }
}

export async function runExperiment(gpu: Gpu, config: ExperimentConfig, store: ArtifactStore, onEvent: ExperimentEventHandler = () => {}, options: ExperimentOptions = {}): Promise<Report> {
  const t0 = performance.now();
  /** An event whose handler is not awaited (inside sampling callbacks): a rejection is left to the next awaited event. */
  const emit = (e: ExperimentEvent): void => {
    const r = onEvent(e);
    if (r) r.catch(() => {});
  };
  const userData = options.data;
  if (userData && (userData.train.length === 0 || userData[config.eval.split].length === 0)) throw new Error(`${userData.name}: the split (${userData.how}) leaves no train or no ${config.eval.split} examples`);
  const lab = userData ?? generateRubricLab({ seed: config.data.seed, train: config.data.train, dev: config.data.dev, test: config.data.test, noise: config.data.noise, ...(config.data.levels ? { levels: config.data.levels } : {}) });
  // RAFT and RAIL read one scale per run: every example must share its rubric's levels.
  const everyExample = [...lab.train, ...lab.dev, ...lab.test];
  const scale = everyExample[0]?.rubric.levels;
  const conflict = scaleConflict(everyExample.map((ex) => ({ id: ex.id, levels: ex.rubric.levels })));
  if (conflict) throw new Error(`${userData?.name ?? 'the data'}: ${conflict}: a run trains and scores on one scale`);
  const seedModel = options.seedModel;
  if (seedModel) checkSeedModel(seedModel);
  const tokenizer: Tokenizer = seedModel?.tokenizer ?? trainRubricLabTokenizer(lab.train, { vocabSize: config.data.vocabSize, template: config.data.template });
  const tokDesc = tokenizer.describe();
  const modelConfig = seedModel?.config ?? makeConfig({ ...config.model, vocabSize: tokenizer.vocabSize });
  const template = config.data.template;
  // A loaded seed keeps its own context length (a foreign tokenizer spends more tokens per example).
  const T = seedModel ? seedModel.config.seqLen : config.model.seqLen;
  const seedFingerprint = seedModel ? `${seedModel.name}/${paramsFingerprint(seedModel.params)}` : null;
  // The user's data enters the cache key by its content (ids, labels, texts), not by config.data.
  const dataHash = hash32(stable({ data: userData ? hash32(stable([userData.train, userData.dev, userData.test])) : config.data, tok: tokDesc.fingerprint })).toString(16);

  // One prompt-fit rule for every method and stage: T, and the longest CoT self-CoT sampling or
  // evaluation may produce.
  const fit: PromptFit = { seqLen: T, maxCotTokens: Math.max(config.selfCot.maxTokens, config.eval.maxCotTokens) };
  const prepare = (o: { labelOnly?: boolean; cots?: ReadonlyMap<string, string> }) => prepareJudgeSequences(lab.train, { tokenizer, template, seqLen: T, maxCotTokens: fit.maxCotTokens, ...o });
  const prepared = { none: prepare({ labelOnly: true }), reference: prepare({}) };
  const split = config.eval.split;
  const scored = lab[split];
  const promptCut = { train: promptCutOf(lab.train, tokenizer, template, fit), dev: promptCutOf(lab.dev, tokenizer, template, fit), test: promptCutOf(lab.test, tokenizer, template, fit) };
  const report: Report = {
    config,
    seeds: config.seeds,
    data: {
      train: lab.train.length,
      dev: lab.dev.length,
      test: lab.test.length,
      tokenizer: { vocabSize: tokenizer.vocabSize, name: tokenizer.name },
      ...(userData ? { source: `${userData.name}, ${userData.how}` } : {}),
      ...(scale ? { scale: describeScale(scale) } : {}),
      truncated: prepared.reference.truncated,
      dropped: prepared.reference.dropped.length,
      referenceCotsCut: prepared.reference.cotCut,
      promptFit: { ...fit, budget: promptBudget(tokenizer, fit) },
      promptCut,
    },
    split,
    modelConfig,
    parameters: buildLayout(modelConfig).count,
    stageSeconds: {},
    losses: {},
    methods: {},
    cotShift: {},
    ordering: [],
    paperPearson: PAPER_PEARSON,
    wallSeconds: 0,
    seedModel: seedModel ? { name: seedModel.name, parameters: buildLayout(modelConfig).count, tokenizer: tokenizer.name } : null,
    deviations: [
      seedModel
        ? `The seed model is ${seedModel.name} (${(buildLayout(modelConfig).count / 1e6).toFixed(2)}M parameters, tokenizer ${tokenizer.name}), ${config.stage0.adapt ? `loaded, then its language-model training continued on the train split's texts (stage0.adapt: ${config.stage0.epochs} epochs, lr ${config.stage0.lr})` : 'loaded instead of pretrained in stage 0'}; config.model and data.vocabSize are not used. The paper fine-tunes Mistral-7B on the Feedback Collection; the paper column is for orientation only.`
        : `Models are ${(buildLayout(modelConfig).count / 1e6).toFixed(2)}M-parameter Llamas trained from scratch on Rubric Lab (the paper fine-tunes Mistral-7B on the Feedback Collection); the paper column is for orientation only.`,
      ...methodDeviations(config, fit, tokenizer, promptCut),
    ],
  };
  const gold = scored.map((e) => e.label);
  const predictions: Record<number, Partial<Record<MethodName, { pred: number[]; offScale: number }>>> = {};
  const shiftPairs: Record<number, Partial<Record<'stage1' | 'tract', number>>> = {};

  // Stage 0 trains only from scratch or when adapting a loaded seed; else its batch size is not used.
  const stage0Trains = !seedFingerprint || config.stage0.adapt;
  const trainedBatchSizes = [...new Set([config.finetune.batchSize, ...(stage0Trains ? [config.stage0.batchSize] : [])])];
  if (options.tuning) {
    emit({ type: 'log', message: `matmul and attention kernels and the training precision: timing the candidates for this run's shapes, unless ${options.tuning.where} keeps them for this adapter` });
    await tuneTrainingKernels(gpu, modelConfig, trainedBatchSizes, T, options.tuning, {
      onPhaseDone: (_, message) => emit({ type: 'log', message }),
    });
  }
  // Mixed precision changes the numerics (within f16 rounding): the report says where it ran.
  const mixedAt = trainedBatchSizes.filter((B) => precisionFor(gpu, modelConfig, B) === 'mixed');
  if (mixedAt.length > 0) {
    report.deviations.push(
      `Training steps at batch size ${mixedAt.join(' and ')} ran in mixed precision (f16 matmul operands with f32 accumulation, f32 master weights and AdamW moments, dynamic loss scaling), ${precisionOverride(gpu) ? 'as forced (--precision mixed)' : 'measured faster than f32 on this adapter'}; the reference runs are f32.`,
    );
  }

  for (const seed of config.seeds) {
    const dir = `seed-${seed}`;
    report.stageSeconds[dir] = {};
    report.losses[dir] = {};
    const need = modelsNeeded(config.methods);
    const params: Partial<Record<ModelName, Float32Array>> = {};
    let selfCots: Map<string, string> | null = null;
    /** The self-CoT training set (the same for every model trained on it). */
    let selfPrepared: PreparedSet | undefined;

    const stage = async <R>(name: StageName, work: () => Promise<R>): Promise<R> => {
      await onEvent({ type: 'stage', seed, stage: name, status: 'start' });
      const t = performance.now();
      const r = await work();
      const seconds = (performance.now() - t) / 1000;
      report.stageSeconds[dir][name] = Math.round(seconds * 10) / 10;
      await onEvent({ type: 'stage', seed, stage: name, status: 'done', seconds });
      return r;
    };
    // A model trained in mixed precision differs from the f32 one (f16 rounding), so the precision
    // is part of its settings; f32 adds nothing, so the hashes of f32 runs are those of earlier runs.
    const trained = (m: ModelName) => m !== 'seed' || stage0Trains;
    const mixed = (m: ModelName) => trained(m) && precisionFor(gpu, modelConfig, m === 'seed' ? config.stage0.batchSize : config.finetune.batchSize) === 'mixed';
    // Each model's hash holds only the settings that model is made with (from its own training and
    // from the models it starts from or samples from), so changing a setting retrains just the models
    // that read it: λ the CoT models with a RAFT term, labelLambda and labelScoreInCe label-only RAFT,
    // selfCot the models trained on self-CoTs. (Before 2026-12-07 every model's hash held the whole
    // finetune and selfCot settings, so those checkpoints are trained once more.)
    const { lambda, labelLambda, labelScoreInCe, raftReduction, renormalize, ...commonFinetune } = config.finetune;
    const finetuneRead = (m: Exclude<ModelName, 'seed'>) => {
      const spec = MODEL_SPEC[m];
      if (spec.loss === 'ce') return commonFinetune;
      const weighting = spec.cots === 'none' ? { labelLambda, labelScoreInCe } : { lambda };
      return { ...commonFinetune, raftReduction, renormalize, ...weighting };
    };
    const settingsHash = (m: ModelName) =>
      hash32(stable({ dataHash, model: seedFingerprint ?? config.model, seed, m, stage0: stage0Trains ? config.stage0 : null, finetune: m === 'seed' ? null : finetuneRead(m), promptFit: m === 'seed' ? null : fit, selfCot: m !== 'seed' && MODEL_SPEC[m].cots === 'self' ? config.selfCot : null, ...(mixed(m) ? { precision: 'mixed' } : {}) })).toString(16);

    /** A model from the store when it was made with these settings, else null. */
    const reuse = async (m: ModelName): Promise<Float32Array | null> => {
      const bytes = await store.read(`${dir}/${m}.safetensors`);
      if (!bytes) return null;
      try {
        const c = loadCheckpoint(bytes);
        const meta = c.training as { settingsHash?: string; log?: RunLog } | undefined;
        if (meta?.settingsHash !== settingsHash(m)) {
          emit({ type: 'log', message: `${dir}/${m}.safetensors was made with other settings: training it again` });
          return null;
        }
        if (meta.log) recordLoss(m, meta.log);
        return c.params;
      } catch (e) {
        emit({ type: 'log', message: `${dir}/${m}.safetensors is unreadable (${(e as Error).message}): training it again` });
        return null;
      }
    };
    const recordLoss = (m: ModelName, log: RunLog) => {
      report.losses[dir][m] = {
        steps: log.steps,
        ceFirst: log.ce[0],
        ceLast: log.ce[log.ce.length - 1],
        raftFirst: log.raft[0] ?? null,
        raftLast: log.raft[log.raft.length - 1] ?? null,
        tokens: log.tokens,
        seconds: Math.round(log.seconds * 10) / 10,
      };
    };
    const save = async (m: ModelName, p: Float32Array, log: RunLog) => {
      const bytes = saveCheckpoint({
        config: modelConfig,
        params: p,
        tokenizer: tokDesc,
        training: { stage: m, step: log.steps, seed, dataHash, settingsHash: settingsHash(m), options: m === 'seed' ? config.stage0 : { ...config.finetune, ...MODEL_SPEC[m] }, log,
          // A fine-tuned judge carries the prompt-fit rule it was trained with (src/data/trained_fit.ts
          // reads it), so tract judge and the app fit its prompts as here; stage 0 judges nothing.
          ...(m === 'seed' ? {} : { promptFit: { seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens, evalCotTokens: config.eval.maxCotTokens } }),
          // A judge trained on another scale than 1..5 says which (its exports record it).
          ...(m !== 'seed' && scale && !isDefaultScale(scale) ? { scoreLevels: scale.map((l) => ({ label: l.label, value: l.value })) } : {}) },
      });
      await store.write(`${dir}/${m}.safetensors`, bytes);
    };

    for (const m of ORDER) {
      if (!need.has(m)) continue;
      if (m === 'seed' && seedModel && !config.stage0.adapt) {
        params.seed = seedModel.params;
        report.stageSeconds[dir].seed = 0;
        await onEvent({ type: 'stage', seed, stage: 'seed', status: 'reused', note: `loaded from ${seedModel.name}` });
        continue;
      }
      if (m !== 'seed' && MODEL_SPEC[m].cots === 'self' && !selfCots) {
        selfCots = await selfCotStage();
      }
      const existing = await reuse(m);
      if (existing) {
        params[m] = existing;
        report.stageSeconds[dir][m] = report.losses[dir][m]?.seconds ?? 0;
        await onEvent({ type: 'stage', seed, stage: m, status: 'reused' });
        continue;
      }
      params[m] = await stage(m, async () => {
        const model = new DeviceModel(gpu, modelConfig, { training: true });
        try {
          let log: RunLog;
          const onStep = (r: StepReport) => onEvent({ type: 'step', seed, stage: m, report: r });
          if (m === 'seed') {
            // From scratch, or (stage0.adapt) from the loaded seed: its LM training continues on the
            // train split's texts.
            model.upload(seedModel ? seedModel.params : initParams(model.layout, seed));
            const stream = lmTokenStream(lmTexts(lab.train), tokenizer);
            const s = config.stage0;
            // Windows of T tokens: the seed sees every position it is fine-tuned and judged at.
            log = await pretrainLm(model, stream, tokenizer, { ...s, seqLen: T, seed: hash32(`${seed}/seed`), maxSteps: s.maxSteps || undefined, adamw: { weightDecay: s.weightDecay, gradClip: s.gradClip } }, onStep);
          } else {
            const spec = MODEL_SPEC[m];
            model.upload(params[spec.from]!);
            const seqs: BuiltExample[] = spec.cots === 'none' ? prepared.none.sequences : spec.cots === 'reference' ? prepared.reference.sequences : (selfPrepared ??= prepare({ cots: selfCots! })).sequences;
            const f = config.finetune;
            log = await trainJudge(
              model,
              seqs,
              tokenizer,
              {
                ...f,
                seed: hash32(`${seed}/${m}`),
                maxSteps: f.maxSteps || undefined,
                lambda: spec.loss === 'ce' ? 0 : spec.cots === 'none' ? f.labelLambda : f.lambda,
                raftReduction: f.raftReduction,
                renormalize: f.renormalize,
                includeScoreInCe: spec.loss === 'ce' || (spec.cots === 'none' && f.labelScoreInCe),
                adamw: { weightDecay: f.weightDecay, gradClip: f.gradClip },
              },
              onStep,
            );
          }
          recordLoss(m, log);
          const p = await model.downloadParams();
          await save(m, p, log);
          return p;
        } finally {
          model.destroy();
        }
      });
    }

    async function selfCotStage(): Promise<Map<string, string>> {
      const name = `${dir}/self-cot.jsonl`;
      if (!params.stage1) params.stage1 = (await reuse('stage1')) ?? undefined;
      // Keyed on the settings and on the stage-1 weights the CoTs were sampled from.
      const key = hash32(stable({ s: settingsHash('stage1'), selfCot: config.selfCot, w: params.stage1 ? weightsHash(params.stage1) : null })).toString(16);
      const existing = await store.read(name);
      if (existing) {
        const parsed = parseCacheJsonl(decoder.decode(existing));
        const rows = 'value' in parsed ? (parsed.value as { id?: unknown; cot?: unknown; settings?: unknown }[]) : [];
        const why =
          'problem' in parsed
            ? parsed.problem
            : rows.length !== lab.train.length
              ? `${rows.length} rows for ${lab.train.length} training examples`
              : !rows.every((r) => r && typeof r.id === 'string' && typeof r.cot === 'string')
                ? 'a row lacks its id or cot'
                : !rows.every((r) => r.settings === key)
                  ? 'sampled with other settings or from other stage-1 weights'
                  : null;
        if (why === null) {
          report.stageSeconds[dir]['self-cot'] = 0;
          await onEvent({ type: 'stage', seed, stage: 'self-cot', status: 'reused' });
          return new Map(rows.map((r) => [r.id as string, r.cot as string]));
        }
        emit({ type: 'log', message: `${name} ignored (${why}): sampling the self-CoTs again` });
      }
      return stage('self-cot', async () => {
        const { judge, release } = judgeFor(params.stage1!);
        try {
          const { cots } = await judge.sampleCots(lab.train, {
            template,
            nCot: 1,
            maxCotTokens: config.selfCot.maxTokens,
            promptCotTokens: fit.maxCotTokens,
            seed: hash32(`${seed}/self-cot`),
            sampling: { temperature: config.selfCot.temperature, topP: config.selfCot.topP, repetitionPenalty: config.selfCot.repetitionPenalty },
            onProgress: (done, total) => emit({ type: 'progress', seed, stage: 'self-cot', done, total }),
            // Each CoT as soon as its sequence stops (the app shows them as they are produced).
            onCot: (i, _sample, cot) => emit({ type: 'self-cot', seed, id: lab.train[i].id, cot }),
          });
          const map = new Map(lab.train.map((ex, i) => [ex.id, cots[i][0]]));
          await store.write(name, lab.train.map((ex, i) => JSON.stringify({ id: ex.id, cot: cots[i][0], label: ex.label, settings: key })).join('\n') + '\n');
          return map;
        } finally {
          release();
        }
      });
    }

    function judgeFor(p: Float32Array) {
      const model = new DeviceModel(gpu, modelConfig);
      model.upload(p);
      const gen = new Generator(model, config.eval.batch, T);
      return {
        judge: new Judge(gen, tokenizer),
        release: () => {
          gen.destroy();
          model.destroy();
        },
      };
    }

    // Evaluation: each model once (a CoT model's decoding and CoT-RAIL come from the same CoTs).
    const evalModels = new Set(config.methods.map((m) => METHOD_SPEC[m].model));
    const judged: Partial<Record<ModelName, Judgement[]>> = {};
    for (const m of ORDER) {
      if (!evalModels.has(m)) continue;
      const readout = config.methods.map((x) => METHOD_SPEC[x]).find((s) => s.model === m)!.readout;
      const cacheName = `${dir}/eval-${m}.json`;
      // Keyed on the settings and on the weights evaluated (a retrained model is evaluated again).
      const evalKey = hash32(stable({ h: settingsHash(m), w: weightsHash(params[m]!), eval: config.eval, readout })).toString(16);
      const cached = await store.read(cacheName);
      if (cached) {
        const parsed = parseCacheJson(decoder.decode(cached));
        const c = 'value' in parsed ? (parsed.value as { key?: unknown; judgements?: unknown } | null) : null;
        const why =
          'problem' in parsed
            ? parsed.problem
            : !c || typeof c !== 'object' || !Array.isArray(c.judgements)
              ? 'no judgements in it'
              : c.key !== evalKey
                ? 'made with other settings or from other weights'
                : c.judgements.length !== scored.length
                  ? `${c.judgements.length} judgements for ${scored.length} examples`
                  : null;
        if (why === null) {
          judged[m] = (c as { judgements: Judgement[] }).judgements;
          report.stageSeconds[dir][`eval:${m}`] = 0;
          await onEvent({ type: 'stage', seed, stage: `eval:${m}`, status: 'reused' });
          continue;
        }
        emit({ type: 'log', message: `${cacheName} ignored (${why}): evaluating ${m} again` });
      }
      judged[m] = await stage(`eval:${m}`, async () => {
        const { judge, release } = judgeFor(params[m]!);
        try {
          const o = { template, renormalize: config.finetune.renormalize, promptCotTokens: fit.maxCotTokens };
          const j =
            readout === 'label'
              ? await judge.labelOnly(scored, o)
              : await judge.cotRail(scored, {
                  ...o,
                  nCot: config.eval.nCot,
                  maxCotTokens: config.eval.maxCotTokens,
                  seed: hash32(`${seed}/eval/${m}`),
                  sampling: { temperature: config.eval.temperature, topP: config.eval.topP, repetitionPenalty: config.eval.repetitionPenalty },
                  onProgress: (done, total) => emit({ type: 'progress', seed, stage: `eval:${m}`, done, total }),
                });
          await store.write(cacheName, JSON.stringify({ key: evalKey, judgements: j }));
          return j;
        } finally {
          release();
        }
      });
    }

    // The CoT-shift diagnostic: ŷ given the reference CoTs vs ŷ given the model's own CoTs.
    const shiftModels = (['stage1', 'tract'] as const).filter((m) => judged[m]);
    if (shiftModels.length > 0) {
      await stage('cot-shift', async () => {
        shiftPairs[seed] = {};
        for (const m of shiftModels) {
          const { judge, release } = judgeFor(params[m]!);
          try {
            const ref = await judge.withCots(scored, Judge.referenceCots(scored), { template, renormalize: config.finetune.renormalize, promptCotTokens: fit.maxCotTokens });
            shiftPairs[seed][m] = metric('rmse', ref.map((r) => r.yhat), judged[m]!.map((r) => r.yhat));
          } finally {
            release();
          }
        }
      });
    }

    predictions[seed] = {};
    for (const method of config.methods) {
      const spec = METHOD_SPEC[method];
      const j = judged[spec.model]!;
      predictions[seed][method] = {
        pred: j.map((x) => (spec.score === 'yhat' ? x.yhat : x.decoded)),
        offScale: j.filter((x) => !x.samples[0].argmaxIsScore).length / j.length,
      };
    }
  }

  // Metrics per method and seed, then across seeds.
  const boot = { samples: config.eval.bootstrap };
  const families = [...new Set(scored.map((ex) => ex.extras?.family).filter((f): f is string => typeof f === 'string'))];
  for (const method of config.methods) {
    const perSeed = config.seeds.map((seed, i) => {
      const { pred, offScale } = predictions[seed][method]!;
      const byFamily: Record<string, number> = {};
      for (const fam of families) {
        const idx = scored.flatMap((ex, k) => (ex.extras?.family === fam ? [k] : []));
        byFamily[fam] = metric('pearson', idx.map((k) => pred[k]), idx.map((k) => gold[k]));
      }
      return { seed, metrics: allMetrics(pred, gold, { ...boot, seed: 1000 + i }), n: pred.length, distinct: new Set(pred).size, offScaleRate: offScale, byFamily };
    });
    const mean = {} as MethodResult['mean'];
    for (const k of METRICS) mean[k] = acrossSeeds(perSeed.map((p) => p.metrics[k].value));
    const familyMean = Object.fromEntries(families.map((f) => [f, acrossSeeds(perSeed.map((p) => p.byFamily[f]))]));
    report.methods[method] = { perSeed, mean, familyMean };
  }
  for (const m of ['stage1', 'tract'] as const) {
    const perSeed = config.seeds.filter((s) => shiftPairs[s]?.[m] !== undefined).map((s) => ({ seed: s, rmse: shiftPairs[s][m]! }));
    if (perSeed.length > 0) {
      const a = acrossSeeds(perSeed.map((p) => p.rmse));
      report.cotShift[m] = { perSeed, mean: a.mean, sd: a.sd };
    }
  }
  const claims: [string, MethodName, MethodName][] = [
    ['TRACT > RAFT without CoT', 'tract-cotrail', 'label-raft-rail'],
    ['RAFT without CoT > CoT-CE with decoding', 'label-raft-rail', 'cot-ce-decode'],
    ['CoT-CE with decoding > label-only CE', 'cot-ce-decode', 'label-ce-decode'],
    ['CoT-RAIL > decoding (CoT-CE model)', 'cot-ce-cotrail', 'cot-ce-decode'],
    ['CoT-RAIL > decoding (TRACT model)', 'tract-cotrail', 'tract-decode'],
    ['stage 2 from the seed > stage 2 from stage 1', 'tract-cotrail', 'stage2-from-stage1-cotrail'],
  ];
  for (const [claim, better, worse] of claims) {
    if (!config.methods.includes(better) || !config.methods.includes(worse)) continue;
    const perSeed = config.seeds.map((seed, i) => ({
      seed,
      difference: pairedDifference('pearson', predictions[seed][better]!.pred, predictions[seed][worse]!.pred, gold, { ...boot, seed: 2000 + i }),
    }));
    const predsOf = (m: MethodName) => config.seeds.map((seed) => predictions[seed][m]!.pred);
    // Bootstrap seed 2000, as seed 0's own CI: with one seed the two estimates are the same.
    const meanOverSeeds = pairedDifferenceOverSeeds('pearson', predsOf(better), predsOf(worse), gold, { ...boot, seed: 2000 });
    report.ordering.push({ claim, better, worse, perSeed, meanOverSeeds, holds: meanOverSeeds.value > 0, significant: meanOverSeeds.lo > 0 });
  }
  report.wallSeconds = Math.round((performance.now() - t0) / 100) / 10;
  return report;
}

/** How the prompt-fit rule treats one split's prompts. */
function promptCutOf(examples: readonly JudgeExample[], tokenizer: Tokenizer, template: ExperimentConfig['data']['template'], fit: PromptFit): PromptCut {
  let cut = 0;
  let dropped = 0;
  for (const ex of examples) {
    const p = fitJudgePrompt(ex, tokenizer, template, fit);
    if (!p) dropped++;
    else if (p.truncated) cut++;
  }
  return { n: examples.length, cut, rate: examples.length > 0 ? cut / examples.length : 0, dropped };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The reference code's evaluation sampling (DESIGN.md §1). */
const REFERENCE_SAMPLING = { temperature: 1, topP: 0.9, repetitionPenalty: 1.03 };

/** Where this run's training and evaluation differ from the reference TRACT code, said once each. */
function methodDeviations(config: ExperimentConfig, fit: PromptFit, tokenizer: Tokenizer, cut: Record<'train' | 'dev' | 'test', PromptCut>): string[] {
  const f = config.finetune;
  const e = config.eval;
  const raft =
    `RAFT weighting (finetune.raftReduction '${f.raftReduction}', λ = ${f.lambda} for the CoT models${f.labelLambda !== f.lambda ? ` and ${f.labelLambda} for label-only RAFT (finetune.labelLambda), each chosen on the dev split` : ', label-only RAFT included'}): ${RAFT_REDUCTION_TEXT[f.raftReduction]}` +
    (f.raftReduction === 'mean'
      ? `. The reference code divides the batch-mean squared error by the number of sequences again (an effective λ/B, B = 8 per device there); finetune.raftReduction 'reference' reproduces it.`
      : `, here B = the step's sequences (finetune.batchSize ${f.batchSize}; the reference code: 8 per device).`);
  const asReference = (x: { temperature: number; topP: number; repetitionPenalty: number }) =>
    x.temperature === REFERENCE_SAMPLING.temperature && x.topP === REFERENCE_SAMPLING.topP && x.repetitionPenalty === REFERENCE_SAMPLING.repetitionPenalty;
  const sameSampling = asReference(e);
  const reference = `the reference code: T ${REFERENCE_SAMPLING.temperature}, top-p ${REFERENCE_SAMPLING.topP}, repetition penalty ${REFERENCE_SAMPLING.repetitionPenalty}`;
  const s = config.selfCot;
  const selfCotLine = plannedStages(config).includes('self-cot')
    ? [
        `The self-CoTs (stage 2's training CoTs, one per training example from the stage-1 model) are ${s.temperature === 0 ? 'greedy' : `sampled at T ${s.temperature}, top-p ${s.topP}`}, repetition penalty ${s.repetitionPenalty}` +
          (asReference(s) ? ', as the reference code samples them.' : ` (${reference}).`),
      ]
    : [];
  return [
    'Decoding (…-decode) takes the argmax of the five score tokens at the score position after the CoT; the reference code samples the score token at T 1.0. The fraction of examples where the whole-vocabulary argmax is not a score token is reported as offScaleRate.',
    'The CE baselines (label-ce, cot-ce, selfcot-ce) include the score token in CE (plain SFT); ' +
      (f.labelScoreInCe
        ? 'the CoT-RAFT models leave it out of CE, as the reference code does; label-only RAFT keeps it in its CE (finetune.labelScoreInCe), unlike the reference code.'
        : 'the RAFT models, label-only RAFT included, leave it out of CE, as the reference code does.'),
    raft,
    `CoT-RAIL averages ŷ over eval.nCot = ${e.nCot} sampled CoT${e.nCot === 1 ? '' : 's'} per example (decoding reads the first), sampled at T ${e.temperature}, top-p ${e.topP}, repetition penalty ${e.repetitionPenalty}` +
      (sameSampling ? ', as the reference code samples.' : ` (${reference}).`),
    ...selfCotLine,
    `One prompt-fit rule for every method (ours): a prompt gets at most T + 1 − (maxCotTokens ${fit.maxCotTokens} + ${scoreSuffixTokens(tokenizer)} tokens of " So the overall score is " + score + EOS) = ${promptBudget(tokenizer, fit)} ids (T ${fit.seqLen}), in training (label-only included), self-CoT sampling and every read-out; a longer prompt is cut (response and reference answer first, marked "..."), and a training CoT longer than ${fit.maxCotTokens} tokens is cut at a word boundary instead of the prompt. Cut prompts: train ${pct(cut.train.rate)}, dev ${pct(cut.dev.rate)}, test ${pct(cut.test.rate)}.`,
  ];
}
