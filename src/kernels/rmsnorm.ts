// Launchers for RMSNorm: forward (rmsnorm_forward.wgsl: y and the saved rstd), backward to the input
// (rmsnorm_backward.wgsl) and to the gain (rmsnorm_gain_backward.wgsl).
import { f32, KernelArgumentError, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, rowGrid, rowKernels, rowWorkgroupSize } from './common.ts';
import rmsnormForwardWgsl from '../../shaders/rmsnorm_forward.wgsl?raw';
import rmsnormBackwardWgsl from '../../shaders/rmsnorm_backward.wgsl?raw';
import rmsnormGainBackwardWgsl from '../../shaders/rmsnorm_gain_backward.wgsl?raw';

const forwardKernels = rowKernels('rmsnorm_forward.wgsl', rmsnormForwardWgsl, ['x', 'g', 'y', 'rstd']);
const backwardKernels = rowKernels('rmsnorm_backward.wgsl', rmsnormBackwardWgsl, ['dy', 'x', 'g', 'rstd', 'dx']);
const gainBackwardKernels = rowKernels('rmsnorm_gain_backward.wgsl', rmsnormGainBackwardWgsl, ['dy', 'x', 'rstd', 'dg']);

export interface RmsnormShape {
  /** Rows (B·T). */
  R: number;
  /** Row length (dim). */
  C: number;
}

/** A power of two covering the row's Elems, at most the usual row workgroup: short rows (dim 64 as
 *  16 vec4) do not leave most of a 64-wide workgroup idle at every barrier. */
function rowWorkgroup(gpu: Gpu, C: number): number {
  const elems = C % 4 === 0 ? C / 4 : C;
  const max = rowWorkgroupSize(gpu, C);
  let wg = 1;
  while (wg < elems && wg < max) wg *= 2;
  return wg;
}

function checkShape(name: string, s: RmsnormShape): void {
  checkDim(name, 'R', s.R);
  checkDim(name, 'C', s.C);
}

/** y [R, C] = x · rstd · g, rstd [R] = 1/sqrt(mean(x²) + eps) (both assigned; rstd feeds the backward). */
export function rmsnormForward(rec: Recorder, out: { y: BufferBinding; rstd: BufferBinding }, x: BufferBinding, g: BufferBinding, s: RmsnormShape & { eps: number }): void {
  const name = 'rmsnorm_forward.wgsl';
  checkShape(name, s);
  const { R, C } = s;
  if (!(s.eps >= 0) || !Number.isFinite(s.eps)) throw new KernelArgumentError(name, `eps must be a finite number ≥ 0, got ${s.eps}`);
  checkBuffer(name, 'x', x, R * C);
  checkBuffer(name, 'g', g, C);
  checkBuffer(name, 'y', out.y, R * C);
  checkBuffer(name, 'rstd', out.rstd, R);
  const grid = rowGrid(rec.gpu, R);
  rec.run(forwardKernels.pick(C), {
    params: [R, C, grid.rowsPerX, f32(s.eps)],
    buffers: { x, g, y: out.y, rstd: out.rstd },
    workgroups: grid.workgroups,
    overrides: { WG: rowWorkgroup(rec.gpu, C) },
  });
}

/** dx [R, C] (=) and dg [C] (+=, summed over rows) from dy [R, C], the forward's x and g and its saved rstd. */
export function rmsnormBackward(
  rec: Recorder,
  grads: { dx: BufferBinding; dg: BufferBinding },
  dy: BufferBinding,
  x: BufferBinding,
  g: BufferBinding,
  rstd: BufferBinding,
  s: RmsnormShape,
): void {
  const name = 'rmsnorm_backward.wgsl';
  checkShape(name, s);
  const { R, C } = s;
  for (const [k, b] of Object.entries({ dy, x, dx: grads.dx })) checkBuffer(name, k, b, R * C);
  checkBuffer(name, 'g', g, C);
  checkBuffer(name, 'dg', grads.dg, C);
  checkBuffer(name, 'rstd', rstd, R);
  const grid = rowGrid(rec.gpu, R);
  rec.run(backwardKernels.pick(C), {
    params: [R, C, grid.rowsPerX],
    buffers: { dy, x, g, rstd, dx: grads.dx },
    workgroups: grid.workgroups,
    overrides: { WG: rowWorkgroup(rec.gpu, C) },
  });
  const WG = 64;
  const elems = C % 4 === 0 ? C / 4 : C;
  rec.run(gainBackwardKernels.pick(C), { params: [R, C], buffers: { dy, x, rstd, dg: grads.dg }, workgroups: Math.ceil(elems / WG), overrides: { WG } });
}
