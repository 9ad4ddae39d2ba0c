import { describe, expect, it } from 'vitest';
import { learningRate, validateSchedule } from '../../src/train/schedule.ts';

describe('LR schedule: warmup + cosine', () => {
  const s = { peakLr: 1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-4 };
  it('warms up linearly to the peak', () => {
    expect(learningRate(s, 0)).toBeCloseTo(1e-4, 12);
    expect(learningRate(s, 4)).toBeCloseTo(5e-4, 12);
    expect(learningRate(s, 9)).toBeCloseTo(1e-3, 12);
  });
  it('decays by a cosine to the floor at the last step', () => {
    expect(learningRate(s, 10)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 10 + 99 / 2)).toBeCloseTo(5.5e-4, 12);
    expect(learningRate(s, 109)).toBeCloseTo(1e-4, 12);
    for (let i = 11; i < 110; i++) expect(learningRate(s, i)).toBeLessThanOrEqual(learningRate(s, i - 1));
  });
  it('validates its fields', () => {
    expect(() => validateSchedule({ ...s, peakLr: 0 })).toThrow(/learning rate/);
    expect(() => validateSchedule({ ...s, warmupSteps: 200 })).toThrow(/warmup steps/);
    expect(() => validateSchedule({ ...s, totalSteps: 0 })).toThrow(/total steps/);
  });
});
