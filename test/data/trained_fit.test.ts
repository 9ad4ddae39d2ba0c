// The prompt-fit rule a judge was trained with, read back from its checkpoint record or its run's
// report / config (src/data/trained_fit.ts), and the CoT settings every judging path derives from
// it: the prompt room is the trained one, longer CoTs than the room are said, an unknown room keeps
// the old behaviour (room = CoT length) and says so.
import { describe, expect, it } from 'vitest';
import {
  defaultJudgeCotTokens,
  judgeCotSettings,
  runPromptFit,
  trainedFitFromReport,
  trainedFitFromRunConfig,
  trainedFitFromJudgeJson,
  trainedFitFromTraining,
  UNRECORDED_COT_TOKENS,
  type TrainedFit,
} from '../../src/data/index.ts';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';

const trained: TrainedFit = { seqLen: 288, maxCotTokens: 160, evalCotTokens: 128, source: 'tract.training in judge.safetensors' };

describe('reading the trained prompt fit', () => {
  it('from a checkpoint training record, never from a stage-0 model or a base', () => {
    const rec = { stage: 'tract', step: 250, promptFit: { seqLen: 288, maxCotTokens: 160, evalCotTokens: 128 } };
    expect(trainedFitFromTraining(rec, 'judge.safetensors')).toEqual(trained);
    expect(trainedFitFromTraining({ ...rec, promptFit: { seqLen: 288, maxCotTokens: 160 } }, 'j')).toEqual({ seqLen: 288, maxCotTokens: 160, source: 'tract.training in j' });
    expect(trainedFitFromTraining({ ...rec, stage: 'seed' })).toBeUndefined();
    expect(trainedFitFromTraining({ ...rec, stage: 'base' })).toBeUndefined();
    expect(trainedFitFromTraining({ stage: 'tract' })).toBeUndefined();
    expect(trainedFitFromTraining({ stage: 'tract', promptFit: { seqLen: 0, maxCotTokens: 160 } })).toBeUndefined();
    expect(trainedFitFromTraining({ stage: 'tract', promptFit: { seqLen: 288, maxCotTokens: 1.5 } })).toBeUndefined();
    expect(trainedFitFromTraining(undefined)).toBeUndefined();
  });

  it('from a report: data.promptFit when recorded, else derived from its config as runExperiment derives it', () => {
    const config = { ...DEFAULT_CONFIG, selfCot: { ...DEFAULT_CONFIG.selfCot, maxTokens: 96 }, eval: { ...DEFAULT_CONFIG.eval, maxCotTokens: 80 } };
    const current = { config, modelConfig: { seqLen: 288 }, data: { promptFit: { seqLen: 288, maxCotTokens: 96, budget: 180 } } };
    expect(trainedFitFromReport(current, 'report.json')).toEqual({ seqLen: 288, maxCotTokens: 96, evalCotTokens: 80, source: 'report.json (data.promptFit)' });
    // A report from before data.promptFit: T from modelConfig (the seed's context), room max(selfCot, eval).
    const old = { config, modelConfig: { seqLen: 256 }, data: { truncated: 0 } };
    const derived = trainedFitFromReport(old, 'report.json')!;
    expect(derived).toMatchObject({ seqLen: 256, maxCotTokens: 96, evalCotTokens: 80 });
    expect(derived.source).toMatch(/derived from its config/);
    expect(trainedFitFromReport({ data: {} })).toBeUndefined();
    expect(trainedFitFromReport('nope')).toBeUndefined();
    expect(trainedFitFromRunConfig(config, 192, 'the run "x"')).toEqual({ seqLen: 192, maxCotTokens: 96, evalCotTokens: 80, source: 'the run "x"' });
  });

  it('runPromptFit is the experiment rule: the seed model\'s context when there is one, the longest CoT', () => {
    expect(runPromptFit(DEFAULT_CONFIG)).toEqual({ seqLen: DEFAULT_CONFIG.model.seqLen, maxCotTokens: Math.max(DEFAULT_CONFIG.selfCot.maxTokens, DEFAULT_CONFIG.eval.maxCotTokens) });
    expect(runPromptFit(DEFAULT_CONFIG, 288).seqLen).toBe(288);
  });
});

describe('the CoT settings of a judging', () => {
  it('with a trained fit: the prompt room is the trained one, CoTs default to its run\'s evaluation length', () => {
    const s = judgeCotSettings({ trained, seqLen: 288 });
    expect(s).toMatchObject({ maxCotTokens: 128, promptCotTokens: 160, asTrained: true, warnings: [] });
    expect(s.note).toMatch(/room for 160 CoT tokens in a context of 288, as trained \(from tract\.training in judge\.safetensors\); CoTs up to 128 tokens/);
    // Fewer CoT tokens than the room: the prompt room stays the trained one (the training prompts).
    expect(judgeCotSettings({ trained, seqLen: 288, maxCotTokens: 16 })).toMatchObject({ maxCotTokens: 16, promptCotTokens: 160, asTrained: true });
    expect(defaultJudgeCotTokens(trained)).toBe(128);
    expect(defaultJudgeCotTokens({ maxCotTokens: 60, evalCotTokens: 128 })).toBe(60);
    expect(defaultJudgeCotTokens(undefined)).toBe(UNRECORDED_COT_TOKENS);
  });

  it('says so clearly when more CoT tokens are asked for than the trained room', () => {
    const s = judgeCotSettings({ trained, seqLen: 288, maxCotTokens: 200, names: { maxCot: '--max-cot-tokens', promptCot: '--prompt-cot-tokens' } });
    expect(s).toMatchObject({ maxCotTokens: 200, promptCotTokens: 200, asTrained: false });
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/--max-cot-tokens 200 is more than the 160 CoT tokens this judge was trained to leave room for.*cut shorter than in training/);
    expect(s.note).toMatch(/trained: 160 in 288/);
  });

  it('says when the context or an explicit room differs from training', () => {
    expect(judgeCotSettings({ trained, seqLen: 256 }).warnings.join()).toMatch(/trained with sequences of 288 tokens but its context is 256/);
    const r = judgeCotSettings({ trained, seqLen: 288, promptCotTokens: 170 });
    expect(r).toMatchObject({ promptCotTokens: 170, asTrained: false });
    expect(r.warnings.join()).toMatch(/170 differs from the trained room of 160/);
    expect(() => judgeCotSettings({ trained, seqLen: 288, maxCotTokens: 100, promptCotTokens: 90 })).toThrow(/\(90\) is less than maxCotTokens \(100\)/);
  });

  it('without a record: the room follows the CoT length (the old behaviour) and the note says which room and why', () => {
    const s = judgeCotSettings({ seqLen: 192, missing: 'no report.json beside it' });
    expect(s).toMatchObject({ maxCotTokens: 64, promptCotTokens: 64, asTrained: false, warnings: [] });
    expect(s.note).toBe('prompt fit: no record of the CoT room this model was trained with (no report.json beside it); prompts leave room for 64 CoT tokens (maxCotTokens) in its context of 192');
    expect(judgeCotSettings({ seqLen: 192, maxCotTokens: 32 })).toMatchObject({ maxCotTokens: 32, promptCotTokens: 32 });
    expect(judgeCotSettings({ seqLen: 192, maxCotTokens: 32, promptCotTokens: 48 })).toMatchObject({ maxCotTokens: 32, promptCotTokens: 48 });
  });
});

describe("a Hugging Face export's tract_judge.json", () => {
  it('prompt_fit gives the trained rule; none without it', () => {
    expect(trainedFitFromJudgeJson({ template: 'compact', prompt_fit: { seq_len: 288, max_cot_tokens: 160, eval_cot_tokens: 128 } }, 'x/tract_judge.json')).toEqual({ ...trained, source: 'x/tract_judge.json' });
    expect(trainedFitFromJudgeJson({ template: 'compact' })).toBeUndefined();
    expect(trainedFitFromJudgeJson({ prompt_fit: { seq_len: 288 } })).toBeUndefined();
  });
});
