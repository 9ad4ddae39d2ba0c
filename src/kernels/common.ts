// Shared launcher helpers: shader assembly and workgroup layout.
import type { Gpu, Shader } from '../gpu/index.ts';
import { KernelArgumentError } from '../gpu/index.ts';

/** A kernel's WGSL with shared snippets (shaders/common/*.wgsl) placed in front of it. */
export function shader(name: string, code: string, ...common: string[]): Shader {
  return { name, code: [...common, code].join('\n') };
}

/** Rows laid out over a 2-D grid of workgroups when there are more than 65535 of them.
 *  Kernels compute row = wg.y * rowsPerX + wg.x and return when row >= N. */
export function rowGrid(gpu: Gpu, rows: number): { rowsPerX: number; workgroups: [number, number] } {
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  const rowsPerX = Math.max(1, Math.min(rows, max));
  return { rowsPerX, workgroups: [rowsPerX, Math.ceil(rows / rowsPerX)] };
}

export function checkDim(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new KernelArgumentError(kernel, `${name} must be a positive integer, got ${value}`);
  }
}

/** Throws unless `buffer` holds at least `floats` 4-byte elements. */
export function checkBuffer(kernel: string, name: string, buffer: GPUBuffer, floats: number): void {
  if (buffer.size < floats * 4) {
    throw new KernelArgumentError(kernel, `buffer '${name}' holds ${buffer.size} bytes, needs ${floats * 4} (${floats} elements)`);
  }
}
