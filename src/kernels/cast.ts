// Launcher for cast_f16.wgsl: f32 values to half floats for the mixed-precision matmuls
// (matmul() with `half`), optionally multiplied by a loss scale read from the GPU, with overflow
// flagged rather than stored as an infinity.
import { defineKernel, KernelArgumentError, uploadBuffer, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, deviceBuffer, elementGrid, shader } from './common.ts';
import castF16Wgsl from '../../shaders/cast_f16.wgsl?raw';

const WG = 64;
const castKernel = defineKernel(shader('cast_f16.wgsl', castF16Wgsl), ['x', 'out', 'scale', 'overflow']);

/** A [1] buffer holding 1: the scale of a cast that scales nothing. */
export function unitScale(gpu: Gpu): GPUBuffer {
  return deviceBuffer(gpu, 'cast.unit_scale', () => uploadBuffer(gpu, 'cast.unit_scale', new Float32Array([1])));
}

/** Bytes of a buffer holding n half floats (rounded up to whole 4-byte words). */
export function halfBytes(n: number): number {
  return 4 * Math.ceil(n / 2);
}

export interface CastF16Options {
  /** A buffer whose element 0 multiplies every value (the loss-scale state); default 1. */
  scale?: BufferBinding;
  /** A [1] u32 buffer set to 1 when a scaled value does not fit f16 (finite, |v| ≤ 65504). */
  overflow: BufferBinding;
}

/** out [n] f16 = f16(x [n] · scale[0]); values f16 cannot hold are clamped and flag `overflow`. */
export function castF16(rec: Recorder, out: BufferBinding, x: BufferBinding, n: number, o: CastF16Options): void {
  const name = 'cast_f16.wgsl';
  checkDim(name, 'n', n);
  if (!rec.gpu.features.has('shader-f16')) throw new KernelArgumentError(name, 'f16 casts need the device feature shader-f16, which this adapter does not offer');
  checkBuffer(name, 'x', x, n);
  checkBuffer(name, 'out', out, Math.ceil(n / 2));
  const scale = o.scale ?? unitScale(rec.gpu);
  checkBuffer(name, 'scale', scale, 1);
  checkBuffer(name, 'overflow', o.overflow, 1);
  rec.run(castKernel, {
    params: [n],
    buffers: { x, out, scale, overflow: o.overflow },
    workgroups: elementGrid(rec.gpu, Math.ceil(n / 4), WG),
    overrides: { WG },
  });
}
