// The TRACT_BENCH_* knobs the GPU check sizes benchmarks with: values are read exactly, and a bad
// value is an error naming the variable (never silently the default).
import { describe, expect, it } from 'vitest';
import { envNames, envPositiveInts } from '../../src/cli/bench/env.ts';

describe('benchmark knobs from the environment', () => {
  it('reads comma-separated sizes, and the default when unset or empty', () => {
    expect(envPositiveInts('X', [256, 512], { X: '512, 1024,4096' })).toEqual([512, 1024, 4096]);
    expect(envPositiveInts('X', [256, 512], {})).toEqual([256, 512]);
    expect(envPositiveInts('X', [256, 512], { X: ' ' })).toEqual([256, 512]);
  });

  it('refuses a size that is not a positive integer, naming the variable', () => {
    expect(() => envPositiveInts('TRACT_BENCH_MATMUL_SIZES', [256], { TRACT_BENCH_MATMUL_SIZES: '512,0' })).toThrow(/TRACT_BENCH_MATMUL_SIZES: '0' is not a positive integer/);
    expect(() => envPositiveInts('X', [256], { X: '1.5' })).toThrow(/'1.5'/);
    expect(() => envPositiveInts('X', [256], { X: '512,,1024' })).toThrow(/'' is not a positive integer/);
  });

  it('reads known names, null when unset, and refuses an unknown one with the list', () => {
    const known = ['stories260K', 'llama-25M'] as const;
    expect(envNames('S', known, { S: 'llama-25M,stories260K' })).toEqual(['llama-25M', 'stories260K']);
    expect(envNames('S', known, {})).toBeNull();
    expect(envNames('S', known, { S: '' })).toBeNull();
    expect(() => envNames('TRACT_BENCH_TRAIN_SHAPES', known, { TRACT_BENCH_TRAIN_SHAPES: 'llama-7B' })).toThrow(/TRACT_BENCH_TRAIN_SHAPES: unknown name 'llama-7B' \(known: stories260K, llama-25M\)/);
  });
});
