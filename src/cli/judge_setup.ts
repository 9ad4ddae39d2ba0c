// What `tract judge` (one row or a file) and `tract eval` share before any GPU work: the model and its
// tokenizer, the prompt-fit rule the judge was trained with (src/cli/trained_fit.ts) and the CoT
// settings that follow from it and the flags (judgeCotSettings), and the JudgeOptions built from
// them — so that both commands give a row the same prompt, the same CoT length and the same sampling,
// hence the same ŷ under --greedy.
import { judgeCotSettings, promptBudget, type JudgeCotSettings, type PromptFit, type TemplateName, type TrainedFit, type Tokenizer } from '../data/index.ts';
import type { JudgeOptions } from '../infer/judge.ts';
import { MAX_CONFIG } from '../model/config.ts';
import { numberFlag, UsageError } from './args.ts';
import { loadModelFile, tokenizerForModel, type LoadedModel } from './files.ts';
import { inputFile } from './paths.ts';
import { findTrainedFit, type FoundFit } from './trained_fit.ts';

/** The flags both commands take (node:util parseArgs options). */
export const JUDGE_FLAGS = {
  checkpoint: { type: 'string' },
  'n-cot': { type: 'string' },
  greedy: { type: 'boolean' },
  template: { type: 'string' },
  renormalize: { type: 'boolean' },
  seed: { type: 'string' },
  'repetition-penalty': { type: 'string' },
  'max-cot-tokens': { type: 'string' },
  'prompt-cot-tokens': { type: 'string' },
  report: { type: 'string' },
  tokenizer: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type JudgeFlagValues = { [K in keyof typeof JUDGE_FLAGS]?: (typeof JUDGE_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** The CoT settings of `tract judge` for a model of context `seqLen`, from its trained fit (if known) and the flags. */
export function judgeCliCotSettings(o: { trained?: TrainedFit; missing?: string; seqLen: number; maxCotTokens?: number; promptCotTokens?: number }): JudgeCotSettings {
  try {
    return judgeCotSettings({ ...o, names: { maxCot: '--max-cot-tokens', promptCot: '--prompt-cot-tokens' } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The flags checked (usage errors) before any file is read. */
export interface JudgeFlags {
  checkpoint: string;
  template: TemplateName;
  nCot: number;
  seed: number;
  greedy: boolean;
  /** CoT sampling's repetition penalty (1 = off, tract judge's default; tract run evaluates with 1.03). */
  repetitionPenalty: number;
  renormalize: boolean;
  maxCotTokens?: number;
  promptCotTokens?: number;
  report?: string;
  tokenizer?: string;
}

export function judgeFlags(values: JudgeFlagValues): JudgeFlags {
  if (!values.checkpoint) throw new UsageError('--checkpoint is required');
  const template = values.template ?? 'compact';
  if (template !== 'compact' && template !== 'prometheus') throw new UsageError(`--template must be compact or prometheus, got '${template}'`);
  const optional = (flag: 'max-cot-tokens' | 'prompt-cot-tokens') => (values[flag] === undefined ? undefined : numberFlag(flag, values[flag], 0, { integer: true, min: 1, max: MAX_CONFIG.seqLen }));
  if (values.report !== undefined) inputFile(values.report, '--report');
  return {
    checkpoint: values.checkpoint,
    template,
    nCot: numberFlag('n-cot', values['n-cot'], 1, { integer: true, min: 1, max: 64 }),
    seed: numberFlag('seed', values.seed, 0, { integer: true, min: 0 }),
    greedy: !!values.greedy,
    repetitionPenalty: numberFlag('repetition-penalty', values['repetition-penalty'], 1, { min: 0.5, max: 2 }),
    renormalize: !!values.renormalize,
    maxCotTokens: optional('max-cot-tokens'),
    promptCotTokens: optional('prompt-cot-tokens'),
    report: values.report,
    tokenizer: values.tokenizer,
  };
}

export interface JudgeSetup {
  flags: JudgeFlags;
  loaded: LoadedModel;
  tokenizer: Tokenizer;
  found: FoundFit;
  cot: JudgeCotSettings;
  /** The prompt-fit rule prompts are fit with: { seqLen: the model's context, maxCotTokens: the CoT room }. */
  rule: PromptFit;
  /** Most prompt ids (BOS included) under `rule`. */
  budget: number;
}

/** Loads the model and tokenizer and decides the CoT settings; the note and warnings go to stderr. */
export async function setupJudge(flags: JudgeFlags): Promise<JudgeSetup> {
  const loaded = await loadModelFile(flags.checkpoint);
  const tokenizer = await tokenizerForModel(loaded, flags.checkpoint, flags.tokenizer);
  // A CoT (or its room) as long as the context leaves no room for any prompt: a flag error, not the input's.
  for (const [flag, n] of [['--max-cot-tokens', flags.maxCotTokens], ['--prompt-cot-tokens', flags.promptCotTokens]] as const) {
    if (n !== undefined && n >= loaded.config.seqLen) throw new UsageError(`${flag} ${n} must be less than the model's context of ${loaded.config.seqLen} tokens`);
  }
  const found = await findTrainedFit(flags.checkpoint, loaded, flags.report);
  const cot = judgeCliCotSettings({ trained: found.fit, missing: found.missing, seqLen: loaded.config.seqLen, maxCotTokens: flags.maxCotTokens, promptCotTokens: flags.promptCotTokens });
  console.error(cot.note);
  for (const w of cot.warnings) console.error(`warning: ${w}`);
  const rule = { seqLen: loaded.config.seqLen, maxCotTokens: cot.promptCotTokens };
  return { flags, loaded, tokenizer, found, cot, rule, budget: promptBudget(tokenizer, rule) };
}

/**
 * The JudgeOptions of a setup: `tract judge`'s sampling (T 1, top-p 0.9; greedy: T 0), its seed, the
 * CoT length and the prompt room. `promptCotTokens` overrides the room (tract eval --max-prompt-tokens
 * widens it to cut prompts shorter).
 */
export function judgeOptions(s: JudgeSetup, o: { seed?: number; promptCotTokens?: number } = {}): JudgeOptions {
  return {
    template: s.flags.template,
    nCot: s.flags.nCot,
    maxCotTokens: s.cot.maxCotTokens,
    promptCotTokens: o.promptCotTokens ?? s.cot.promptCotTokens,
    seed: o.seed ?? s.flags.seed,
    renormalize: s.flags.renormalize,
    sampling: {
      ...(s.flags.greedy ? { temperature: 0 } : { temperature: 1, topP: 0.9 }),
      ...(s.flags.repetitionPenalty !== 1 ? { repetitionPenalty: s.flags.repetitionPenalty } : {}),
    },
  };
}

/** What a judgement's promptFit record says (the --json output of both commands). */
export function promptFitRecord(s: JudgeSetup) {
  return { seqLen: s.rule.seqLen, promptCotTokens: s.cot.promptCotTokens, maxCotTokens: s.cot.maxCotTokens, asTrained: s.cot.asTrained, trained: s.found.fit ?? null };
}
