// Launchers for the elementwise kernels the model needs around its layers: add.wgsl (out = a + b,
// the residual connection) and axpy.wgsl (y += α·x over ranges: in-place residual adds, the residual
// backward, gradient accumulation).
import { f32, KernelArgumentError, type BufferBinding, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, elementGrid, rowKernels } from './common.ts';
import addWgsl from '../../shaders/add.wgsl?raw';
import axpyWgsl from '../../shaders/axpy.wgsl?raw';

const WG = 64;
const addKernels = rowKernels('add.wgsl', addWgsl, ['a', 'b', 'out']);
const axpyKernels = rowKernels('axpy.wgsl', axpyWgsl, ['x', 'y']);

/** out [n] = a + b (assigned). out must be a different buffer from a and b (use axpy for in place). */
export function add(rec: Recorder, out: BufferBinding, a: BufferBinding, b: BufferBinding, n: number): void {
  const name = 'add.wgsl';
  checkDim(name, 'n', n);
  for (const [k, buf] of Object.entries({ a, b, out })) checkBuffer(name, k, buf, n);
  const w = n % 4 === 0 ? 4 : 1;
  rec.run(addKernels.pick(n), { params: [n / w], buffers: { a, b, out }, workgroups: elementGrid(rec.gpu, n / w, WG), overrides: { WG } });
}

export interface AxpyOptions {
  /** α (default 1). */
  alpha?: number;
  /** Element offsets into x and y (default 0). */
  xOffset?: number;
  yOffset?: number;
}

/** y[yOffset + i] += α · x[xOffset + i] for i < n. x and y must be different buffers. */
export function axpy(rec: Recorder, y: BufferBinding, x: BufferBinding, n: number, o: AxpyOptions = {}): void {
  const name = 'axpy.wgsl';
  checkDim(name, 'n', n);
  const alpha = o.alpha ?? 1;
  const xOffset = o.xOffset ?? 0;
  const yOffset = o.yOffset ?? 0;
  if (!Number.isFinite(alpha)) throw new KernelArgumentError(name, `alpha must be finite, got ${alpha}`);
  for (const [k, v] of Object.entries({ xOffset, yOffset })) {
    if (!Number.isInteger(v) || v < 0) throw new KernelArgumentError(name, `${k} must be an integer ≥ 0, got ${v}`);
  }
  checkBuffer(name, 'x', x, xOffset + n);
  checkBuffer(name, 'y', y, yOffset + n);
  const w = n % 4 === 0 && xOffset % 4 === 0 && yOffset % 4 === 0 ? 4 : 1;
  rec.run(axpyKernels.pick(w), {
    params: [n / w, xOffset / w, yOffset / w, f32(alpha)],
    buffers: { x, y },
    workgroups: elementGrid(rec.gpu, n / w, WG),
    overrides: { WG },
  });
}
