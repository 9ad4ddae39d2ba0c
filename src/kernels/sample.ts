// Launcher for the GPU sampler (sample_token.wgsl): greedy, temperature, top-p and repetition
// penalty with a counter-based uniform keyed by (seed, step, sequence), one workgroup per sequence.
import { defineKernel, f32, KernelArgumentError, type BufferBinding, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, isCpuAdapter, shader } from './common.ts';
import sampleWgsl from '../../shaders/sample_token.wgsl?raw';

const kernel = defineKernel(shader('sample_token.wgsl', sampleWgsl), ['logits', 'work', 'history', 'next']);

export interface SampleShape {
  /** Sequences (rows of logits). */
  B: number;
  V: number;
  /** Row length of history (the generation's positions). */
  Tmax: number;
  /** Tokens already in each history row; the sampled one is written at len (if len < Tmax). */
  len: number;
  /** Force a workgroup size (a power of two; tests run the CPU and the GPU choice). */
  wg?: number;
}

export interface GpuSampling {
  /** 0 → greedy. */
  temperature: number;
  topP: number;
  repetitionPenalty: number;
  /** u32 key of the random stream; the counter is (step, sequence). */
  seed: number;
  step: number;
}

/** The largest vocabulary whose seen-set fits the default 16 KiB of workgroup memory. */
export const MAX_SAMPLE_VOCAB = 32 * 3072;

/**
 * next [B] u32 and history[b, len] (=) ← the token sampled from logits [B, V] (row b) with the
 * penalty over history[b, 0..len); work [B, V] f32 is scratch.
 */
export function sampleTokens(
  rec: Recorder,
  out: { next: BufferBinding; history: BufferBinding },
  logits: BufferBinding,
  work: BufferBinding,
  s: SampleShape,
  o: GpuSampling,
): void {
  const name = 'sample_token.wgsl';
  for (const [k, v] of Object.entries({ B: s.B, V: s.V, Tmax: s.Tmax })) checkDim(name, k, v);
  if (!Number.isInteger(s.len) || s.len < 0 || s.len > s.Tmax) throw new KernelArgumentError(name, `len must be an integer in 0..Tmax (${s.Tmax}), got ${s.len}`);
  if (s.V > MAX_SAMPLE_VOCAB) throw new KernelArgumentError(name, `vocabulary ${s.V} exceeds the sampler's ${MAX_SAMPLE_VOCAB} (its seen-set lives in workgroup memory)`);
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature)) throw new KernelArgumentError(name, `temperature must be a finite number ≥ 0, got ${o.temperature}`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new KernelArgumentError(name, `top-p must be in (0, 1], got ${o.topP}`);
  if (!(o.repetitionPenalty > 0) || !Number.isFinite(o.repetitionPenalty)) throw new KernelArgumentError(name, `repetition penalty must be a finite number > 0, got ${o.repetitionPenalty}`);
  for (const [k, v] of Object.entries({ seed: o.seed, step: o.step })) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new KernelArgumentError(name, `${k} must be a u32, got ${v}`);
  }
  if (s.B > rec.gpu.limits.maxComputeWorkgroupsPerDimension) throw new KernelArgumentError(name, `${s.B} sequences exceed maxComputeWorkgroupsPerDimension`);
  checkBuffer(name, 'logits', logits, s.B * s.V);
  checkBuffer(name, 'work', work, s.B * s.V);
  checkBuffer(name, 'history', out.history, s.B * s.Tmax);
  checkBuffer(name, 'next', out.next, s.B);
  // CPU drivers run a workgroup on one thread and pay for every barrier across all its invocations:
  // 8 invocations (one SIMD row on lavapipe) measured ~2.5× faster than 64 at V = 512 with top-p.
  const WG = s.wg ?? (isCpuAdapter(rec.gpu.adapter) ? 8 : s.V <= 2048 ? 64 : 256);
  if (!Number.isInteger(WG) || WG < 1 || (WG & (WG - 1)) !== 0) throw new KernelArgumentError(name, `workgroup size must be a power of two, got ${WG}`);
  rec.run(kernel, {
    params: [s.B, s.V, s.Tmax, s.len, f32(o.temperature), f32(o.topP), f32(o.repetitionPenalty), o.seed, o.step],
    buffers: { logits, work, history: out.history, next: out.next },
    workgroups: s.B,
    overrides: { WG, MASK_WORDS: Math.ceil(s.V / 32) },
  });
}
