// The experiment's --config files: the fields issue 11 added (finetune.raftReduction, eval.split,
// eval.repetitionPenalty) with their defaults, and errors that name the field.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, QUICK_CONFIG, mergeConfig } from '../../src/eval/config.ts';

describe('experiment config', () => {
  it('defaults: our RAFT mean, the test split, the reference repetition penalty; stage 0 has no window length of its own', () => {
    expect(DEFAULT_CONFIG.finetune.raftReduction).toBe('mean');
    expect(DEFAULT_CONFIG.eval.split).toBe('test');
    expect(DEFAULT_CONFIG.eval.repetitionPenalty).toBe(1.03);
    expect('seqLen' in DEFAULT_CONFIG.stage0).toBe(false);
    expect('seqLen' in QUICK_CONFIG.stage0).toBe(false);
  });

  it('merges the new fields from a --config file', () => {
    const c = mergeConfig(DEFAULT_CONFIG, { finetune: { raftReduction: 'reference' }, eval: { split: 'dev', repetitionPenalty: 1 } });
    expect(c.finetune.raftReduction).toBe('reference');
    expect(c.eval.split).toBe('dev');
    expect(c.eval.repetitionPenalty).toBe(1);
    expect(DEFAULT_CONFIG.finetune.raftReduction).toBe('mean');
  });

  it('λ for the CoT models and for label-only RAFT, each as chosen on the dev split; greedy CoTs at evaluation', () => {
    expect([DEFAULT_CONFIG.finetune.lambda, DEFAULT_CONFIG.finetune.labelLambda]).toEqual([0.1, 0.25]);
    expect(DEFAULT_CONFIG.eval.temperature).toBe(0);
    const c = mergeConfig(DEFAULT_CONFIG, { finetune: { lambda: 1 } });
    expect([c.finetune.lambda, c.finetune.labelLambda]).toEqual([1, 0.25]);
    expect(() => mergeConfig(DEFAULT_CONFIG, { finetune: { labelLambda: -1 } }, 'my.json')).toThrow(/my\.json: 'finetune\.labelLambda' must be a number in \[0, 1000000\], got -1/);
  });

  it('finetune.labelScoreInCe: a boolean, on by default as chosen on the dev split (the reference code masks the score token out)', () => {
    expect(DEFAULT_CONFIG.finetune.labelScoreInCe).toBe(true);
    expect(mergeConfig(DEFAULT_CONFIG, { finetune: { labelScoreInCe: false } }).finetune.labelScoreInCe).toBe(false);
    expect(() => mergeConfig(DEFAULT_CONFIG, { finetune: { labelScoreInCe: 'yes' } }, 'my.json')).toThrow(/my\.json: 'finetune\.labelScoreInCe' must be a boolean, got "yes"/);
  });

  it('names a bad value, and says why stage0.seqLen is gone', () => {
    expect(() => mergeConfig(DEFAULT_CONFIG, { finetune: { raftReduction: 'sum' } }, 'my.json')).toThrow(/my\.json: 'finetune\.raftReduction' must be 'mean' or 'reference', got "sum"/);
    expect(() => mergeConfig(DEFAULT_CONFIG, { eval: { split: 'train' } })).toThrow(/'eval\.split' must be 'dev' or 'test', got "train"/);
    expect(() => mergeConfig(DEFAULT_CONFIG, { eval: { repetitionPenalty: 0 } })).toThrow(/'eval\.repetitionPenalty' must be a number > 0/);
    expect(() => mergeConfig(DEFAULT_CONFIG, { stage0: { seqLen: 128 } })).toThrow(/'stage0\.seqLen' was removed: stage 0 now trains on windows of model\.seqLen tokens/);
  });
});

// Issue 16 item 3: every field checked before use, naming it; prototype keys are unknown fields.
describe('experiment config bounds (issue 16)', () => {
  const bad: [string, unknown, RegExp][] = [
    ['eval.batch 0 (trained five stages, then "generate: no prompts")', { eval: { batch: 0 } }, /c\.json: 'eval\.batch' must be an integer in 1\.\.4096, got 0/],
    ['model.seqLen 0', { model: { seqLen: 0 } }, /'model\.seqLen' must be an integer in 1\.\.131072, got 0/],
    ['model.seqLen 1e9', { model: { seqLen: 1e9 } }, /'model\.seqLen' must be an integer in 1\.\.131072, got 1000000000/],
    ['heads not dividing dim', { model: { nHeads: 3 } }, /'model\.nHeads': model config: nHeads \(3\) must divide dim \(64\)/],
    ['stage0.batchSize 1e9', { stage0: { batchSize: 1e9 } }, /'stage0\.batchSize' must be an integer in 1\.\.4096/],
    ['finetune.epochs 0', { finetune: { epochs: 0 } }, /'finetune\.epochs' must be an integer in 1\.\.10000, got 0/],
    ['warmupFraction 2', { finetune: { warmupFraction: 2 } }, /'finetune\.warmupFraction' must be a number in \[0, 1\], got 2/],
    ['topP 0', { eval: { topP: 0 } }, /'eval\.topP' must be a number in/],
    ['eval.maxCotTokens 1e9', { eval: { maxCotTokens: 1e9 } }, /'eval\.maxCotTokens' must be an integer in 1\.\.131072/],
    ['data.train 1e12', { data: { train: 1e12 } }, /'data\.train' must be an integer in 1\.\.1000000/],
    ['data.noise NaN-like', { data: { noise: -1 } }, /'data\.noise' must be a number in \[0, 5\]/],
    ['a repeated seed', { seeds: [1, 1] }, /'seeds' lists a seed twice/],
    ['__proto__ section', JSON.parse('{"__proto__": {"x": 1}}'), /c\.json: unknown section '__proto__'/],
    ['constructor section', { constructor: { x: 1 } }, /c\.json: unknown section 'constructor'/],
    ['toString field', JSON.parse('{"eval": {"toString": 1}}'), /unknown field 'eval\.toString'/],
    ['__proto__ field', JSON.parse('{"eval": {"__proto__": {"batch": 0}}}'), /unknown field 'eval\.__proto__'/],
  ];
  for (const [what, patch, msg] of bad) it(what, () => expect(() => mergeConfig(DEFAULT_CONFIG, patch, 'c.json')).toThrow(msg));
  it('the defaults and the quick config pass', () => {
    expect(() => mergeConfig(DEFAULT_CONFIG, {})).not.toThrow();
    expect(() => mergeConfig(QUICK_CONFIG, { eval: { batch: 1 } })).not.toThrow();
  });
});
