// Launchers for the optimizer: the global gradient norm with its clipping factor, computed on the GPU
// in two kernels (grad_norm_partial.wgsl, grad_norm_final.wgsl), and the AdamW update over a range of
// the flat buffers (adamw_update.wgsl), which reads the clip factor from the GPU. Nothing is read back.
import { defineKernel, f32, KernelArgumentError, uploadBuffer, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, deviceBuffer, elementGrid, rowKernels, shader } from './common.ts';
import gradNormPartialWgsl from '../../shaders/grad_norm_partial.wgsl?raw';
import gradNormFinalWgsl from '../../shaders/grad_norm_final.wgsl?raw';
import adamwUpdateWgsl from '../../shaders/adamw_update.wgsl?raw';
import lossScaleUpdateWgsl from '../../shaders/loss_scale_update.wgsl?raw';

const WG = 64;
/** Size (in floats) of the `partials` workspace gradNorm needs, whatever the gradient size. */
export const GRAD_NORM_PARTIALS = 1024;

const partialKernels = rowKernels('grad_norm_partial.wgsl', gradNormPartialWgsl, ['grads', 'partials']);
const finalKernel = defineKernel(shader('grad_norm_final.wgsl', gradNormFinalWgsl), ['partials', 'norm_clip']);
const updateKernels = rowKernels('adamw_update.wgsl', adamwUpdateWgsl, ['weights', 'grads', 'm', 'v', 'norm_clip']);

/** A range [offset, offset + count) of a flat buffer, in floats. */
export interface FlatRange {
  offset: number;
  count: number;
}

function checkRange(name: string, r: FlatRange): void {
  if (!Number.isInteger(r.offset) || r.offset < 0) throw new KernelArgumentError(name, `offset must be an integer ≥ 0, got ${r.offset}`);
  checkDim(name, 'count', r.count);
}

/** 4 when a range can be processed as vec4 (offset and count multiples of 4), else 1. */
function widthOf(r: FlatRange): number {
  return r.offset % 4 === 0 && r.count % 4 === 0 ? 4 : 1;
}

/**
 * normClip [2] = [‖grads[range]‖₂, clip] with clip = min(1, maxNorm / (norm + 1e-6)), or 1 when
 * maxNorm ≤ 0 (clipping off). `partials` is a workspace of GRAD_NORM_PARTIALS floats.
 */
export function gradNorm(
  rec: Recorder,
  out: { normClip: BufferBinding; partials: BufferBinding },
  grads: BufferBinding,
  range: FlatRange,
  maxNorm: number,
): void {
  const name = 'grad_norm_partial.wgsl';
  checkRange(name, range);
  if (!Number.isFinite(maxNorm)) throw new KernelArgumentError(name, `maxNorm must be finite (≤ 0 turns clipping off), got ${maxNorm}`);
  checkBuffer(name, 'grads', grads, range.offset + range.count);
  checkBuffer(name, 'partials', out.partials, GRAD_NORM_PARTIALS);
  checkBuffer(name, 'normClip', out.normClip, 2);
  const w = widthOf(range);
  const count = range.count / w;
  // At least 1024 Elems per workgroup, at most GRAD_NORM_PARTIALS workgroups.
  const G = Math.max(1, Math.min(GRAD_NORM_PARTIALS, Math.ceil(count / 1024)));
  const chunk = Math.ceil(count / G);
  rec.run(partialKernels.pick(w), {
    params: [range.offset / w, count, chunk],
    buffers: { grads, partials: out.partials },
    workgroups: G,
    overrides: { WG },
  });
  rec.run(finalKernel, { params: [G, f32(maxNorm)], buffers: { partials: out.partials, norm_clip: out.normClip }, workgroups: 1, overrides: { WG } });
}

export interface AdamwStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Step number t ≥ 1 (for the bias corrections 1 − β^t). */
  step: number;
  /** Zero the gradient range after the update (default false). */
  zeroGrad?: boolean;
  /** Take the bias corrections from normClip[2], [3] (lossScaleUpdate writes them for the
   *  optimizer's own step count, which skipped steps do not advance) instead of from `step`. */
  biasFromNormClip?: boolean;
}

/** A [norm, clip] buffer holding [0, 1], for updates without clipping. */
function unitClip(gpu: Gpu): GPUBuffer {
  return deviceBuffer(gpu, 'adamw.no_clip', () => uploadBuffer(gpu, 'adamw.no_clip', new Float32Array([0, 1])));
}

/**
 * One AdamW step over `range` of the flat weights/grads/m/v buffers (in place), the gradient
 * multiplied by normClip[1] (from gradNorm; omit for no clipping). Launch once per range (decayed
 * matrices with weightDecay, the rest with 0).
 */
export function adamwUpdate(
  rec: Recorder,
  state: { weights: BufferBinding; grads: BufferBinding; m: BufferBinding; v: BufferBinding },
  range: FlatRange,
  o: AdamwStep,
  normClip?: BufferBinding,
): void {
  const name = 'adamw_update.wgsl';
  checkRange(name, range);
  const bad = (k: string, v: number, want: string) => new KernelArgumentError(name, `${k} must be ${want}, got ${v}`);
  if (!(o.lr >= 0) || !Number.isFinite(o.lr)) throw bad('lr', o.lr, 'finite and ≥ 0');
  if (!(o.beta1 >= 0 && o.beta1 < 1)) throw bad('beta1', o.beta1, 'in [0, 1)');
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw bad('beta2', o.beta2, 'in [0, 1)');
  if (!(o.eps >= 0) || !Number.isFinite(o.eps)) throw bad('eps', o.eps, 'finite and ≥ 0');
  if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay)) throw bad('weightDecay', o.weightDecay, 'finite and ≥ 0');
  if (!Number.isInteger(o.step) || o.step < 1) throw bad('step', o.step, 'an integer ≥ 1');
  for (const [k, b] of Object.entries(state)) checkBuffer(name, k, b, range.offset + range.count);
  const clip = normClip ?? unitClip(rec.gpu);
  if (o.biasFromNormClip && !normClip) throw new KernelArgumentError(name, 'biasFromNormClip needs the normClip buffer lossScaleUpdate writes');
  checkBuffer(name, 'normClip', clip, o.biasFromNormClip ? 4 : 2);
  // From the GPU: the kernel divides lr by normClip[2] and multiplies by normClip[3].
  const bc1 = o.biasFromNormClip ? 1 : 1 - Math.pow(o.beta1, o.step);
  const bc2 = o.biasFromNormClip ? 1 : 1 - Math.pow(o.beta2, o.step);
  const w = widthOf(range);
  const count = range.count / w;
  rec.run(updateKernels.pick(w), {
    params: [
      range.offset / w,
      count,
      f32(o.beta1),
      f32(o.beta2),
      f32(o.eps),
      f32(1 - o.lr * o.weightDecay),
      f32(o.lr / bc1),
      f32(1 / Math.sqrt(bc2)),
      (o.zeroGrad ? 1 : 0) | (o.biasFromNormClip ? 2 : 0),
    ],
    buffers: { ...state, norm_clip: clip },
    workgroups: elementGrid(rec.gpu, count, WG),
    overrides: { WG },
  });
}

const lossScaleKernel = defineKernel(shader('loss_scale_update.wgsl', lossScaleUpdateWgsl), ['norm_clip', 'state', 'overflow']);

/** Dynamic loss scaling's defaults: start at 2^16, double after 200 good steps in a row, halve on
 *  overflow (PyTorch's GradScaler uses 2^16, ×2 per 2000 steps; our runs are a few hundred steps). */
export const LOSS_SCALE = { initial: 2 ** 16, growthInterval: 200, min: 1, max: 2 ** 24 } as const;

export interface LossScaleOptions {
  /** ‖g‖ clip on the true (unscaled) norm, as gradNorm's maxNorm (≤ 0: off). */
  maxNorm: number;
  /** The training step t ≥ 1 (skipped steps included) and AdamW's betas: normClip[2], [3] get the
   *  bias corrections for t minus the steps skipped so far. */
  step: number;
  beta1: number;
  beta2: number;
  growthInterval?: number;
  minScale?: number;
  maxScale?: number;
}

/**
 * After gradNorm on scaled gradients: skip the step on overflow (normClip[1] = −1, which
 * adamwUpdate honours) and halve the scale, else unscale the norm, fold 1/S into the clip factor,
 * write AdamW's bias corrections for step − skipped into normClip[2], [3] and grow the scale after a
 * run of good steps. normClip [4]; state [4] = [S, good, skipped, last skipped]; overflow [1] u32 as
 * castF16 sets it.
 */
export function lossScaleUpdate(rec: Recorder, normClip: BufferBinding, state: BufferBinding, overflow: BufferBinding, o: LossScaleOptions): void {
  const name = 'loss_scale_update.wgsl';
  checkBuffer(name, 'normClip', normClip, 4);
  checkBuffer(name, 'state', state, 4);
  checkBuffer(name, 'overflow', overflow, 1);
  const growth = o.growthInterval ?? LOSS_SCALE.growthInterval;
  const min = o.minScale ?? LOSS_SCALE.min;
  const max = o.maxScale ?? LOSS_SCALE.max;
  if (!Number.isFinite(o.maxNorm)) throw new KernelArgumentError(name, `maxNorm must be finite (≤ 0 turns clipping off), got ${o.maxNorm}`);
  if (!(Number.isInteger(growth) && growth >= 1)) throw new KernelArgumentError(name, `growthInterval must be an integer ≥ 1, got ${growth}`);
  if (!(min > 0 && max >= min && Number.isFinite(max))) throw new KernelArgumentError(name, `scales must satisfy 0 < minScale ≤ maxScale < ∞, got ${min} and ${max}`);
  if (!Number.isInteger(o.step) || o.step < 1 || o.step >= 2 ** 24) throw new KernelArgumentError(name, `step must be an integer in 1..2^24−1 (an f32 holds it exactly), got ${o.step}`);
  for (const [k, b] of [['beta1', o.beta1], ['beta2', o.beta2]] as const) if (!(b >= 0 && b < 1)) throw new KernelArgumentError(name, `${k} must be in [0, 1), got ${b}`);
  rec.run(lossScaleKernel, { params: [f32(o.maxNorm), f32(growth), f32(min), f32(max), f32(o.step), f32(o.beta1), f32(o.beta2)], buffers: { norm_clip: normClip, state, overflow }, workgroups: 1 });
}
