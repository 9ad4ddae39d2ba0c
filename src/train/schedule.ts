// Learning-rate schedule: linear warmup from 0 to the peak, then cosine decay to minLr at the last
// step. A pure function of the step so a resumed run continues the same curve.
export interface LrSchedule {
  peakLr: number;
  /** Steps of linear warmup (0 = start at the peak). */
  warmupSteps: number;
  /** Total optimizer steps of the run. */
  totalSteps: number;
  /** Floor reached at the last step (default peakLr / 10). */
  minLr?: number;
}

export function validateSchedule(s: LrSchedule): void {
  if (!(s.peakLr > 0) || !Number.isFinite(s.peakLr)) throw new Error(`learning rate must be > 0, got ${s.peakLr}`);
  if (!Number.isInteger(s.totalSteps) || s.totalSteps < 1) throw new Error(`total steps must be a positive integer, got ${s.totalSteps}`);
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0 || s.warmupSteps > s.totalSteps) {
    throw new Error(`warmup steps must be an integer in 0..${s.totalSteps}, got ${s.warmupSteps}`);
  }
  const min = s.minLr ?? s.peakLr / 10;
  if (!(min >= 0 && min <= s.peakLr)) throw new Error(`minimum learning rate must be in [0, ${s.peakLr}], got ${min}`);
}

/** LR for optimizer step `step` (0-based). */
export function learningRate(s: LrSchedule, step: number): number {
  const min = s.minLr ?? s.peakLr / 10;
  if (step < s.warmupSteps) return (s.peakLr * (step + 1)) / s.warmupSteps;
  const decaySteps = s.totalSteps - s.warmupSteps;
  if (decaySteps <= 1) return s.peakLr;
  const progress = Math.min(1, (step - s.warmupSteps) / (decaySteps - 1));
  return min + 0.5 * (s.peakLr - min) * (1 + Math.cos(Math.PI * progress));
}
