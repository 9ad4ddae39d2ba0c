// Shared launcher helpers: shader assembly and workgroup layout.
import { defineKernel, KernelArgumentError, type AdapterSummary, type BufferBinding, type Gpu, type Shader } from '../gpu/index.ts';
import elemVec4Wgsl from '../../shaders/common/elem_vec4.wgsl?raw';
import elemF32Wgsl from '../../shaders/common/elem_f32.wgsl?raw';

const perDevice = new WeakMap<Gpu, Map<string, GPUBuffer>>();
/** A small buffer made once per device under `key` and kept with it: a constant (a unit scale, a
 *  [norm, clip] of [0, 1]) or a word bound where a kernel will not touch a binding in this run. */
export function deviceBuffer(gpu: Gpu, key: string, make: () => GPUBuffer): GPUBuffer {
  let m = perDevice.get(gpu);
  if (!m) perDevice.set(gpu, (m = new Map()));
  let b = m.get(key);
  if (!b) m.set(key, (b = make()));
  return b;
}

/** A kernel's WGSL with shared snippets (shaders/common/*.wgsl) placed in front of it. */
export function shader(name: string, code: string, ...common: string[]): Shader {
  return { name, code: [...common, code].join('\n') };
}

/** Row kernels written over `Elem` come in two widths: vec4 (rows a multiple of 4 long: 4 floats per
 *  storage access) and f32 (any length). `rowKernels` builds both; `pick(V)` chooses. */
export function rowKernels<const B extends string>(name: string, code: string, bindings: readonly B[], ...common: string[]) {
  const make = (variant: 'vec4' | 'f32', prelude: string) =>
    defineKernel({ name, variant, code: [prelude, ...common, code].join('\n') }, bindings);
  const vec4 = make('vec4', elemVec4Wgsl);
  const scalar = make('f32', elemF32Wgsl);
  return { pick: (V: number) => (V % 4 === 0 ? vec4 : scalar) };
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

/** Bytes a binding exposes: the whole buffer, or the slice { buffer, offset, size }. */
export function bindingBytes(b: BufferBinding): number {
  const slice = b as { buffer?: GPUBuffer; offset?: number; size?: number };
  if (slice.buffer === undefined) return (b as GPUBuffer).size;
  return slice.size ?? slice.buffer.size - (slice.offset ?? 0);
}

/** Throws unless `buffer` (a buffer or a slice of one) holds at least `floats` 4-byte elements. */
export function checkBuffer(kernel: string, name: string, buffer: BufferBinding, floats: number): void {
  const bytes = bindingBytes(buffer);
  if (bytes < floats * 4) {
    throw new KernelArgumentError(kernel, `buffer '${name}' holds ${bytes} bytes, needs ${floats * 4} (${floats} elements)`);
  }
}

/** A grid for `count` elementwise invocations of `wg` each, 2-D when one dimension is not enough.
 *  Kernels compute i = gid.y * num_workgroups.x * WG + gid.x and return when i >= count. */
export function elementGrid(gpu: Gpu, count: number, wg: number): [number, number] {
  const groups = Math.ceil(count / wg);
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.max(1, Math.min(groups, max));
  return [x, Math.ceil(groups / x)];
}

/** Workgroup size for one-workgroup-per-row kernels (a power of two: tree reductions). CPU drivers
 *  run a workgroup on one thread and pay for every barrier across all its invocations: 64 measured
 *  fastest on lavapipe at every row length. GPUs want 256 for long rows (a vocabulary). */
export function rowWorkgroupSize(gpu: Gpu, V: number): number {
  return isCpuAdapter(gpu.adapter) || V <= 2048 ? 64 : 256;
}

/** True for software Vulkan/WebGPU implementations (lavapipe/llvmpipe, SwiftShader). */
export function isCpuAdapter(a: AdapterSummary): boolean {
  const s = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return /llvmpipe|lavapipe|swiftshader|software|\bcpu\b/.test(s);
}
