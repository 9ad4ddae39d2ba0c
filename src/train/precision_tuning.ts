// Which precision a training run uses on a device, chosen by measurement: a whole training step of
// the run's model at its (B, T), timed in f32 and in mixed precision (f16 matmul operands, f32
// master weights; train/step.ts), and mixed kept only where it is at least MIXED_MARGIN faster —
// it changes the numerics (within f16 rounding), so a tie keeps f32. Adapters without shader-f16
// stay f32 without timing anything. Timings are kept per adapter and model shape in the kernels'
// TuningStore, under their own key; precision.ts holds the installed choices.
import { adapterName, type Gpu } from '../gpu/index.ts';
import { hash32 } from '../data/rng.ts';
import { readKept, type TuningStore } from '../kernels/matmul_tuning.ts';
import castF16Wgsl from '../../shaders/cast_f16.wgsl?raw';
import matmulInputsF16Wgsl from '../../shaders/common/matmul_inputs_f16.wgsl?raw';
import type { ModelConfig } from '../model/config.ts';
import { DeviceModel } from '../model/device_model.ts';
import { initParams } from '../model/init.ts';
import { trainBatch } from '../data/batching.ts';
import { TrainStep } from './step.ts';
import { precisionShapeClass, setPrecisionChoices, type Precision } from './precision.ts';

/** Mixed precision must be at least this much faster (time ratio) to be chosen. */
export const MIXED_MARGIN = 1.1;

/** One measured (model shape, B) class: both step times (at the length timed) and the choice. */
export interface PrecisionTuningEntry {
  shapeClass: string;
  choice: Precision;
  f32Ms: number;
  mixedMs: number;
}

export interface PrecisionTuning {
  key: string;
  adapter: string;
  entries: PrecisionTuningEntry[];
}

// 2: f32 and mixed timed interleaved (format 1 timed them one after the other, which a passing load biased).
const FORMAT = 2;

function install(gpu: Gpu, entries: readonly PrecisionTuningEntry[]): void {
  setPrecisionChoices(gpu, entries.map((e) => [e.shapeClass, e.choice]));
}

export function precisionTuningKey(gpu: Gpu): string {
  const a = gpu.adapter;
  return `precision/${hash32(castF16Wgsl + matmulInputsF16Wgsl).toString(16)}/${adapterName(a)} | ${a.runtime} | ${a.description}`;
}

function isEntry(e: unknown): e is PrecisionTuningEntry {
  const x = e as PrecisionTuningEntry;
  return typeof x === 'object' && x !== null && typeof x.shapeClass === 'string' && (x.choice === 'f32' || x.choice === 'mixed') && typeof x.f32Ms === 'number' && typeof x.mixedMs === 'number';
}

/** The stored timings for this device, or null (none, another format, damaged: measured again). */
export async function loadPrecisionTuning(gpu: Gpu, store: TuningStore): Promise<PrecisionTuning | null> {
  return readKept(store, precisionTuningKey(gpu), FORMAT, isEntry);
}

/** Installs the kept choices without measuring; returns them, or null. */
export async function useKeptPrecisionTuning(gpu: Gpu, store: TuningStore): Promise<PrecisionTuning | null> {
  const t = await loadPrecisionTuning(gpu, store);
  if (t) install(gpu, t.entries);
  return t;
}

/**
 * Makes sure each batch size of a run of model `c` has a measured precision on this device (none is
 * timed without shader-f16: f32 is the only choice there). A measurement builds a throwaway model
 * of the same shape and times `steps` training steps at full length (after one untimed warm-up
 * step each) in f32 and in mixed precision; the faster, with MIXED_MARGIN in f32's favour, wins.
 */
export async function tunePrecision(
  gpu: Gpu,
  c: ModelConfig,
  shapes: readonly { B: number; T: number }[],
  o: { store?: TuningStore; steps?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ tuning: PrecisionTuning; measured: number }> {
  const key = precisionTuningKey(gpu);
  const stored = o.store ? await loadPrecisionTuning(gpu, o.store) : null;
  const byClass = new Map((stored?.entries ?? []).map((e) => [e.shapeClass, e]));
  const todo = new Map<string, { B: number; T: number }>();
  if (gpu.features.has('shader-f16')) {
    for (const s of shapes) {
      const k = precisionShapeClass(c, s.B);
      if (!byClass.has(k) && !todo.has(k)) todo.set(k, s);
    }
  }
  let done = 0;
  for (const [shapeClass, s] of todo) {
    const { f32Ms, mixedMs } = await timeSteps(gpu, c, s.B, s.T, o.steps ?? 3);
    byClass.set(shapeClass, { shapeClass, choice: mixedMs * MIXED_MARGIN <= f32Ms ? 'mixed' : 'f32', f32Ms, mixedMs });
    o.onProgress?.(++done, todo.size);
  }
  const tuning: PrecisionTuning = { key, adapter: adapterName(gpu.adapter), entries: [...byClass.values()] };
  install(gpu, tuning.entries);
  if (o.store && todo.size > 0) await o.store.write(key, JSON.stringify({ format: FORMAT, ...tuning }));
  return { tuning, measured: todo.size };
}

/** Milliseconds per training step of a throwaway model of shape c in each precision: the fastest
 *  of `steps` rounds, each timing one f32 step and then one mixed step, so that a load on the
 *  machine that comes or goes while timing falls on both (timed one after the other, a busy first
 *  half made mixed look 1.26× faster on lavapipe, where it is ~0.9× idle). */
async function timeSteps(gpu: Gpu, c: ModelConfig, B: number, T: number, steps: number): Promise<{ f32Ms: number; mixedMs: number }> {
  const made: { model: DeviceModel; step: TrainStep }[] = [];
  try {
    for (const precision of ['f32', 'mixed'] as const) {
      const model = new DeviceModel(gpu, c, { training: true });
      let step: TrainStep;
      try {
        step = new TrainStep(model, B, T, { precision, trim: false });
      } catch (e) {
        model.destroy(); // not yet in `made`: freed here
        throw e;
      }
      made.push({ model, step });
      model.upload(initParams(model.layout, 1));
    }
    // Next-token targets everywhere: every row takes the head, as in a language-model step.
    const inputIds = Array.from({ length: B * T }, (_, i) => (i * 7919) % c.vocabSize);
    const targets = inputIds.map((_, i) => inputIds[(i + 1) % inputIds.length]);
    const mb = trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask: inputIds.map(() => 1) });
    for (const m of made) await m.step.step([mb], 1e-4, 1); // warm-up (pipelines, buffers)
    const best = [Infinity, Infinity];
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < made.length; k++) {
        const t0 = performance.now();
        await made[k].step.step([mb], 1e-4, s + 2);
        best[k] = Math.min(best[k], performance.now() - t0);
      }
    }
    return { f32Ms: best[0], mixedMs: best[1] };
  } finally {
    for (const m of made) {
      m.step.destroy();
      m.model.destroy();
    }
  }
}

/** Lines for `tract info`: class, choice, both step times. */
export function describePrecisionTuning(t: PrecisionTuning): string[] {
  return t.entries.map((e) => `${e.shapeClass.padEnd(40)} ${e.choice.padEnd(6)} step f32 ${e.f32Ms.toFixed(1)} ms, mixed ${e.mixedMs.toFixed(1)} ms`);
}

/** One line on what a tunePrecision call did, for logs. */
export function precisionTuneSummary(gpu: Gpu, r: { tuning: PrecisionTuning; measured: number }, seconds: number, store: TuningStore): string {
  if (!gpu.features.has('shader-f16')) return 'precision: f32 (this adapter has no shader-f16)';
  const mixed = r.tuning.entries.filter((e) => e.choice === 'mixed').length;
  const what = `mixed in ${mixed} of ${r.tuning.entries.length} step shapes`;
  return r.measured > 0 ? `precision: ${r.measured} step shapes timed in ${seconds.toFixed(1)} s, ${what} (kept in ${store.where})` : `precision: the timings reused from ${store.where}, ${what}`;
}
