// Buffer helpers: create, upload, read back. Sizes are rounded up to 4 bytes (WebGPU copies and
// writes work in 4-byte units) and never zero (a zero-sized binding is invalid).
import type { Gpu } from './device.ts';
import { GpuError } from './errors.ts';

export const STORAGE = 0x0080; // GPUBufferUsage.STORAGE (constants inlined: Node has no globals until Dawn loads)
export const COPY_SRC = 0x0004;
export const COPY_DST = 0x0008;
export const MAP_READ = 0x0001;
export const UNIFORM = 0x0040;
export const STORAGE_RW = STORAGE | COPY_SRC | COPY_DST;

export function paddedSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

/** A storage buffer of `bytes` bytes (zero-filled by WebGPU). Refuses sizes over the device's limits. */
export function createBuffer(gpu: Gpu, label: string, bytes: number, usage: number = STORAGE_RW): GPUBuffer {
  const size = paddedSize(bytes);
  const lim = gpu.limits;
  if (size > lim.maxBufferSize) {
    throw new GpuError(`${label}: ${size} bytes exceeds the device's maxBufferSize (${lim.maxBufferSize})`);
  }
  if (usage & STORAGE && size > lim.maxStorageBufferBindingSize) {
    throw new GpuError(
      `${label}: ${size} bytes exceeds the device's maxStorageBufferBindingSize (${lim.maxStorageBufferBindingSize})`,
    );
  }
  return gpu.device.createBuffer({ label, size, usage });
}

/** Writes `data` into `buffer` at byte `offset` (queued; ordered before later submits). */
export function writeBuffer(gpu: Gpu, buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
  const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength % 4 === 0) {
    gpu.device.queue.writeBuffer(buffer, offset, bytes);
  } else {
    const padded = new Uint8Array(paddedSize(bytes.byteLength));
    padded.set(bytes);
    gpu.device.queue.writeBuffer(buffer, offset, padded);
  }
}

/** A new storage buffer holding `data`. */
export function uploadBuffer(gpu: Gpu, label: string, data: ArrayBufferView, usage: number = STORAGE_RW): GPUBuffer {
  const buf = createBuffer(gpu, label, data.byteLength, usage);
  writeBuffer(gpu, buf, data);
  return buf;
}

/** Copies `bytes` bytes of `buffer` from `offset` back to the CPU; rethrows pending GPU errors. */
export async function readBuffer(gpu: Gpu, buffer: GPUBuffer, bytes = buffer.size, offset = 0): Promise<ArrayBuffer> {
  const size = paddedSize(bytes);
  const staging = gpu.device.createBuffer({ label: `${buffer.label}.readback`, size, usage: MAP_READ | COPY_DST });
  const enc = gpu.device.createCommandEncoder({ label: `${buffer.label}.readback` });
  enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
  gpu.device.queue.submit([enc.finish()]);
  try {
    await staging.mapAsync(MAP_READ);
  } catch (e) {
    gpu.check();
    throw new GpuError(`reading back ${buffer.label}: ${String(e)}`);
  }
  gpu.check();
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readF32(gpu: Gpu, buffer: GPUBuffer, count?: number): Promise<Float32Array> {
  const n = count ?? Math.floor(buffer.size / 4);
  return new Float32Array(await readBuffer(gpu, buffer, n * 4));
}

export async function readU32(gpu: Gpu, buffer: GPUBuffer, count?: number): Promise<Uint32Array> {
  const n = count ?? Math.floor(buffer.size / 4);
  return new Uint32Array(await readBuffer(gpu, buffer, n * 4));
}
