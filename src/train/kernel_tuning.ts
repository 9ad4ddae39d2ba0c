// What a training run of this model chooses by measurement, timed together before it trains: the
// matmul kernel of every product class (kernels/matmul_tuning.ts), the training attention of every
// (B, T) class (kernels/attention_tuning.ts), then the precision of a whole step, f32 or mixed, per
// batch size (precision_tuning.ts: it times TrainStep, so this file lives in src/train). One call
// for `tract run`, `tract pretrain`, `tract info --tune` and the app's Measure button, and one to
// install what a store keeps.
import type { Gpu } from '../gpu/index.ts';
import { tuneMatmul, tuneSummary, useKeptMatmulTuning, type MatmulTuning, type TuningStore } from '../kernels/matmul_tuning.ts';
import { attentionTuneSummary, trainingAttentionShapes, tuneAttention, useKeptAttentionTuning, type AttentionTuning } from '../kernels/attention_tuning.ts';
import type { ModelConfig } from '../model/config.ts';
import { trainingMatmulShapes } from '../model/matmul_shapes.ts';
import { precisionTuneSummary, tunePrecision, useKeptPrecisionTuning, type PrecisionTuning } from './precision_tuning.ts';

export type TuningPhase = 'matmul' | 'attention' | 'precision';
export const TUNING_PHASES: readonly TuningPhase[] = ['matmul', 'attention', 'precision'];

export interface TrainingKernelTuning {
  matmul: MatmulTuning;
  attention: AttentionTuning;
  precision: PrecisionTuning;
}

/**
 * Times what `store` does not keep yet for training `c` at batch sizes Bs and length T (trimmed
 * steps included), installs every choice on `gpu`. `onProgress` counts shape classes within a
 * phase; `onPhaseDone` gets each phase's one-line summary as it ends.
 */
export async function tuneTrainingKernels(
  gpu: Gpu,
  c: ModelConfig,
  Bs: readonly number[],
  T: number,
  store: TuningStore,
  o: { onProgress?: (phase: TuningPhase, done: number, total: number) => void; onPhaseDone?: (phase: TuningPhase, summary: string) => void } = {},
): Promise<TrainingKernelTuning> {
  let t = performance.now();
  const m = await tuneMatmul(gpu, [...new Set(Bs)].flatMap((B) => trainingMatmulShapes(c, B, T)), {
    store,
    onProgress: (done, total) => o.onProgress?.('matmul', done, total),
  });
  o.onPhaseDone?.('matmul', tuneSummary(m, (performance.now() - t) / 1000, store));
  t = performance.now();
  const a = await tuneAttention(gpu, trainingAttentionShapes(c, Bs, T), {
    store,
    onProgress: (done, total) => o.onProgress?.('attention', done, total),
  });
  o.onPhaseDone?.('attention', attentionTuneSummary(a, (performance.now() - t) / 1000, store));
  // Last: a step's time depends on the kernels chosen above.
  t = performance.now();
  const p = await tunePrecision(gpu, c, [...new Set(Bs)].map((B) => ({ B, T })), {
    store,
    onProgress: (done, total) => o.onProgress?.('precision', done, total),
  });
  o.onPhaseDone?.('precision', precisionTuneSummary(gpu, p, (performance.now() - t) / 1000, store));
  return { matmul: m.tuning, attention: a.tuning, precision: p.tuning };
}

/** Installs the kept choices without measuring (judging, generation, a new page); returns them. */
export async function useKeptKernelTuning(gpu: Gpu, store: TuningStore): Promise<{ matmul: MatmulTuning | null; attention: AttentionTuning | null; precision: PrecisionTuning | null }> {
  return { matmul: await useKeptMatmulTuning(gpu, store), attention: await useKeptAttentionTuning(gpu, store), precision: await useKeptPrecisionTuning(gpu, store) };
}
