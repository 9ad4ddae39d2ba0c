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

  it('names a bad value, and says why stage0.seqLen is gone', () => {
    expect(() => mergeConfig(DEFAULT_CONFIG, { finetune: { raftReduction: 'sum' } }, 'my.json')).toThrow(/my\.json: 'finetune\.raftReduction' must be 'mean' or 'reference', got "sum"/);
    expect(() => mergeConfig(DEFAULT_CONFIG, { eval: { split: 'train' } })).toThrow(/'eval\.split' must be 'dev' or 'test', got "train"/);
    expect(() => mergeConfig(DEFAULT_CONFIG, { eval: { repetitionPenalty: 0 } })).toThrow(/'eval\.repetitionPenalty' must be a number > 0/);
    expect(() => mergeConfig(DEFAULT_CONFIG, { stage0: { seqLen: 128 } })).toThrow(/'stage0\.seqLen' was removed: stage 0 now trains on windows of model\.seqLen tokens/);
  });
});
