// The precision a training step runs in, per device: f32, or mixed (f16 matmul operands, f32 master
// weights and moments, dynamic loss scaling; model/mixed_precision.ts). Measured choices
// (precision_tuning.ts) and a forced one (tract run --precision) are installed here, and
// TrainStep asks `precisionFor` when its options name none. Before any measurement: f32.
import type { Gpu } from '../gpu/index.ts';
import type { ModelConfig } from '../model/config.ts';

export type Precision = 'f32' | 'mixed';
export const PRECISIONS: readonly Precision[] = ['f32', 'mixed'];

/** The class one measured choice serves: the model's dimensions and the batch size. Not the
 *  length: a judge run's steps are as long as its longest sequence, trimmed per step, while the
 *  tuner times the model's full length; the ratio of the two precisions moves little with it. */
export function precisionShapeClass(c: ModelConfig, B: number): string {
  return `precision d${c.dim} f${c.hiddenDim} l${c.nLayers} h${c.nHeads}/${c.nKvHeads} v${c.vocabSize} b${B}`;
}

const tuned = new WeakMap<Gpu, Map<string, Precision>>();
const overrides = new WeakMap<Gpu, Precision>();

/** Installs measured choices for a device, by shape class. */
export function setPrecisionChoices(gpu: Gpu, choices: Iterable<[string, Precision]>): void {
  let m = tuned.get(gpu);
  if (!m) tuned.set(gpu, (m = new Map()));
  for (const [k, p] of choices) m.set(k, p);
}

/** Forces every training step on this device to `p` (null: back to measured choices). */
export function setPrecisionOverride(gpu: Gpu, p: Precision | null): void {
  if (p === null) overrides.delete(gpu);
  else overrides.set(gpu, p);
}

/** The forced precision on this device, if any. */
export function precisionOverride(gpu: Gpu): Precision | null {
  return overrides.get(gpu) ?? null;
}

/** The precision a training step of model c at batch size B runs on this device: the override,
 *  else the measured choice for its class, else f32. */
export function precisionFor(gpu: Gpu, c: ModelConfig, B: number): Precision {
  return overrides.get(gpu) ?? tuned.get(gpu)?.get(precisionShapeClass(c, B)) ?? 'f32';
}
