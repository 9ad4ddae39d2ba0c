// The prompt-fit rule a trained judge was trained with (src/data/example.ts, issue 11), read back
// from what travels with the model, so that every place that judges with it — `tract judge`, the
// app's Playground on WebGPU or onnxruntime-web, the Data view and `tract data` — builds the prompt
// the model was trained on: the same budget of seqLen + 1 − (CoT room + score suffix + score + EOS)
// prompt ids, the same cut.
//
// Where the rule is recorded, most direct first:
//   - tract.training.promptFit in the checkpoint's metadata (scripts/ready-judge.ts writes it);
//   - a run's report.json: data.promptFit (runs since the rule was introduced);
//   - a run's config (report.config, or an app run's config): the rule runExperiment derives from it,
//     { seqLen: the model's context, maxCotTokens: max(selfCot.maxTokens, eval.maxCotTokens) };
//   - exports: tract.prompt_fit in an ONNX model's metadata, prompt_fit in a Hugging Face export's
//     tract_judge.json.
// A stage-0 model ('seed') or a pretrained base was trained on plain text windows: it has no room.
// Pure code (no Node APIs): the CLI, the worker and the UI import it.
import type { PromptFit } from './example.ts';

/** The rule a judge was trained with, and where that was read. */
export interface TrainedFit extends PromptFit {
  /** In words: "tract.training in tract-judge.safetensors", "report.json beside it (data.promptFit)", … */
  source: string;
  /** CoT tokens its run sampled at evaluation (eval.maxCotTokens), when known: the default for judging. */
  evalCotTokens?: number;
}

/** What the rule needs of an experiment config (ExperimentConfig, typed loosely: reports are JSON). */
export interface FitConfig {
  model?: { seqLen?: number };
  selfCot: { maxTokens: number };
  eval: { maxCotTokens: number };
}

/** CoT tokens `tract judge` and the Playground leave room for when nothing records a trained room. */
export const UNRECORDED_COT_TOKENS = 64;

const isCount = (x: unknown, min: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A { seqLen, maxCotTokens } pair when `x` is one (extra fields ignored). */
export function asPromptFit(x: unknown): PromptFit | undefined {
  if (!isObject(x) || !isCount(x.seqLen, 1) || !isCount(x.maxCotTokens, 0)) return undefined;
  return { seqLen: x.seqLen, maxCotTokens: x.maxCotTokens };
}

/**
 * The rule runExperiment uses for a config (src/eval/experiment.ts): T is the seed model's context
 * when the run starts from a loaded seed, else config.model.seqLen; the CoT room is the longest CoT
 * self-CoT sampling or evaluation may produce.
 */
export function runPromptFit(config: FitConfig, seedSeqLen?: number): PromptFit {
  const seqLen = seedSeqLen ?? config.model?.seqLen;
  if (!isCount(seqLen, 1)) throw new Error('runPromptFit: no context length (config.model.seqLen or the seed model\'s)');
  return { seqLen, maxCotTokens: Math.max(config.selfCot.maxTokens, config.eval.maxCotTokens) };
}

function fitConfigOf(x: unknown): FitConfig | undefined {
  if (!isObject(x) || !isObject(x.selfCot) || !isObject(x.eval)) return undefined;
  if (!isCount(x.selfCot.maxTokens, 0) || !isCount(x.eval.maxCotTokens, 0)) return undefined;
  return x as unknown as FitConfig;
}

/** Stages trained on plain text windows (no judge prompts, so no prompt room). */
const UNFIT_STAGES = new Set(['seed', 'base']);

/** Whether a checkpoint's training record says it was trained on plain text (stage 0, a base). */
export function trainedOnText(training: unknown): boolean {
  return isObject(training) && typeof training.stage === 'string' && UNFIT_STAGES.has(training.stage);
}

/** The rule recorded in a checkpoint's tract.training (training.promptFit), if any. */
export function trainedFitFromTraining(training: unknown, file = 'the checkpoint'): TrainedFit | undefined {
  if (!isObject(training) || trainedOnText(training)) return undefined;
  const fit = asPromptFit(training.promptFit);
  if (!fit) return undefined;
  const evalCot = isObject(training.promptFit) && isCount(training.promptFit.evalCotTokens, 1) ? training.promptFit.evalCotTokens : undefined;
  return { ...fit, source: `tract.training in ${file}`, ...(evalCot !== undefined ? { evalCotTokens: evalCot } : {}) };
}

/** The rule a Hugging Face export's tract_judge.json records (prompt_fit: seq_len, max_cot_tokens, eval_cot_tokens). */
export function trainedFitFromJudgeJson(json: unknown, where = 'tract_judge.json'): TrainedFit | undefined {
  const p = isObject(json) && isObject(json.prompt_fit) ? json.prompt_fit : undefined;
  if (!p) return undefined;
  const fit = asPromptFit({ seqLen: p.seq_len, maxCotTokens: p.max_cot_tokens });
  if (!fit) return undefined;
  return { ...fit, source: where, ...(isCount(p.eval_cot_tokens, 1) ? { evalCotTokens: p.eval_cot_tokens } : {}) };
}

/**
 * The rule a run's report.json records (data.promptFit), else the one its config implies
 * (runPromptFit with modelConfig.seqLen: reports from before the rule was recorded). `where` names
 * the report in the source ("report.json beside it").
 */
export function trainedFitFromReport(report: unknown, where = 'the run\'s report.json'): TrainedFit | undefined {
  if (!isObject(report)) return undefined;
  const config = fitConfigOf(report.config);
  const evalCot = config && config.eval.maxCotTokens > 0 ? { evalCotTokens: config.eval.maxCotTokens } : {};
  const data = isObject(report.data) ? report.data : undefined;
  const recorded = asPromptFit(data?.promptFit);
  if (recorded) return { ...recorded, source: `${where} (data.promptFit)`, ...evalCot };
  if (!config) return undefined;
  const seqLen = isObject(report.modelConfig) && isCount(report.modelConfig.seqLen, 1) ? report.modelConfig.seqLen : undefined;
  try {
    return { ...runPromptFit(config, seqLen), source: `${where} (derived from its config: it predates data.promptFit)`, ...evalCot };
  } catch {
    return undefined;
  }
}

/** The rule a run's config implies for one of its fine-tuned models (an app run, before or without a report). */
export function trainedFitFromRunConfig(config: FitConfig, modelSeqLen: number, where = 'its run\'s config'): TrainedFit {
  return { ...runPromptFit(config, modelSeqLen), source: where, ...(config.eval.maxCotTokens > 0 ? { evalCotTokens: config.eval.maxCotTokens } : {}) };
}

/** The CoT tokens to sample by default with a trained fit: its run's evaluation length, never more than the room. */
export function defaultJudgeCotTokens(fit: Pick<TrainedFit, 'maxCotTokens' | 'evalCotTokens'> | undefined): number {
  if (!fit) return UNRECORDED_COT_TOKENS;
  return Math.max(1, Math.min(fit.evalCotTokens ?? fit.maxCotTokens, fit.maxCotTokens));
}

/** The CoT settings of one judging: what JudgeOptions gets, and what to tell the user. */
export interface JudgeCotSettings {
  /** CoT tokens sampled (JudgeOptions.maxCotTokens). */
  maxCotTokens: number;
  /** The rule's CoT room for the prompts (JudgeOptions.promptCotTokens). */
  promptCotTokens: number;
  /** Whether the prompt room is the one the model was trained with. */
  asTrained: boolean;
  /** One line: which room is used and why. */
  note: string;
  /** Said clearly when set: more CoT tokens asked for than the trained room, a context or room other than training's. */
  warnings: string[];
}

/**
 * The CoT length and prompt room for judging with a model of context `seqLen`:
 *   - trained room known: the prompts get it (so they are the training prompts); CoTs default to
 *     defaultJudgeCotTokens; asking for more CoT tokens than the room widens the room to them (the
 *     judge cannot sample more than the prompt leaves) and says that the prompts then differ from training's;
 *   - unknown: CoTs default to UNRECORDED_COT_TOKENS and the prompt room follows them (the behaviour
 *     before trained rooms were read), said in the note.
 * `promptCotTokens` given explicitly overrides the room (never below the CoT length). `names` words
 * the settings for the reader (CLI flags or UI labels); `missing` says why no room is known.
 */
export function judgeCotSettings(o: {
  trained?: TrainedFit;
  seqLen: number;
  maxCotTokens?: number;
  promptCotTokens?: number;
  names?: { maxCot: string; promptCot: string };
  /** Why no trained room is known (what was looked at), for the note. */
  missing?: string;
}): JudgeCotSettings {
  const names = o.names ?? { maxCot: 'maxCotTokens', promptCot: 'promptCotTokens' };
  const t = o.trained;
  const warnings: string[] = [];
  const maxCotTokens = o.maxCotTokens ?? defaultJudgeCotTokens(t);
  if (o.promptCotTokens !== undefined && o.promptCotTokens < maxCotTokens) {
    throw new Error(`${names.promptCot} (${o.promptCotTokens}) is less than ${names.maxCot} (${maxCotTokens}): the prompts would leave no room for the CoTs sampled`);
  }
  if (!t) {
    const promptCotTokens = o.promptCotTokens ?? maxCotTokens;
    return {
      maxCotTokens,
      promptCotTokens,
      asTrained: false,
      note: `prompt fit: no record of the CoT room this model was trained with${o.missing ? ` (${o.missing})` : ''}; prompts leave room for ${promptCotTokens} CoT tokens (${o.promptCotTokens !== undefined ? names.promptCot : names.maxCot}) in its context of ${o.seqLen}`,
      warnings,
    };
  }
  let promptCotTokens = o.promptCotTokens ?? t.maxCotTokens;
  if (maxCotTokens > promptCotTokens) {
    warnings.push(
      `${names.maxCot} ${maxCotTokens} is more than the ${t.maxCotTokens} CoT tokens this judge was trained to leave room for: its prompts leave room for ${maxCotTokens} instead, so a long prompt is cut shorter than in training (and CoTs longer than ${t.maxCotTokens} tokens are longer than any it was trained on)`,
    );
    promptCotTokens = maxCotTokens;
  } else if (o.promptCotTokens !== undefined && o.promptCotTokens !== t.maxCotTokens) {
    warnings.push(`${names.promptCot} ${o.promptCotTokens} differs from the trained room of ${t.maxCotTokens}: prompts may be cut differently than in training`);
  }
  if (t.seqLen !== o.seqLen) {
    warnings.push(`it was trained with sequences of ${t.seqLen} tokens but its context is ${o.seqLen}: prompts are fit to ${o.seqLen}, so their cut may differ from training's`);
  }
  const asTrained = promptCotTokens === t.maxCotTokens && t.seqLen === o.seqLen;
  return {
    maxCotTokens,
    promptCotTokens,
    asTrained,
    note: `prompt fit: room for ${promptCotTokens} CoT tokens in a context of ${o.seqLen}${asTrained ? ', as trained' : ` (trained: ${t.maxCotTokens} in ${t.seqLen})`} (from ${t.source}); CoTs up to ${maxCotTokens} tokens`,
    warnings,
  };
}
