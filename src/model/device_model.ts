// A model on the GPU: the flat parameter buffer (and, for training, gradients and both AdamW
// moments with the same layout), the RoPE cos/sin table, and views of each tensor as a buffer
// slice. Tensors start on 256-byte boundaries (layout align 64), so any of them binds directly.
import { createBuffer, readF32, writeBuffer, GpuError, type BufferBinding, type Gpu } from '../gpu/index.ts';
import { uploadRopeTable } from '../kernels/rope.ts';
import { headSize, parameterCount, type ModelConfig } from './config.ts';
import { buildLayout, tensorSpec, type LayoutOptions, type ParamLayout } from './layout.ts';

export interface DeviceModelOptions {
  /** Allocate gradients and AdamW moments (training). Default false (inference only). */
  training?: boolean;
  layout?: LayoutOptions;
  /** Longest position the RoPE table covers (default config.seqLen). */
  maxPositions?: number;
}

/** Bytes the parameters (and, training, gradients + two moments) take on the GPU. */
export function parameterBytes(layout: ParamLayout, training: boolean): { params: number; grads: number; optimizer: number } {
  const b = layout.size * 4;
  return { params: b, grads: training ? b : 0, optimizer: training ? 2 * b : 0 };
}

export class DeviceModel {
  readonly gpu: Gpu;
  readonly config: ModelConfig;
  readonly layout: ParamLayout;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer | null;
  readonly m: GPUBuffer | null;
  readonly v: GPUBuffer | null;
  /** cos/sin of run.c's f32 angles, [maxPositions, hs/2, 2]. */
  readonly rope: GPUBuffer;
  readonly maxPositions: number;

  constructor(gpu: Gpu, config: ModelConfig, options: DeviceModelOptions = {}) {
    this.gpu = gpu;
    this.config = config;
    this.layout = buildLayout(config, options.layout);
    const training = options.training ?? false;
    const bytes = this.layout.size * 4;
    const lim = gpu.limits;
    if (bytes > lim.maxStorageBufferBindingSize) {
      throw new GpuError(
        `model with ${parameterCount(config)} parameters needs a ${bytes}-byte parameter buffer, more than this adapter's maxStorageBufferBindingSize (${lim.maxStorageBufferBindingSize})`,
      );
    }
    this.params = createBuffer(gpu, 'model.params', bytes);
    this.grads = training ? createBuffer(gpu, 'model.grads', bytes) : null;
    this.m = training ? createBuffer(gpu, 'model.adam_m', bytes) : null;
    this.v = training ? createBuffer(gpu, 'model.adam_v', bytes) : null;
    this.maxPositions = options.maxPositions ?? config.seqLen;
    this.rope = uploadRopeTable(gpu, this.maxPositions, headSize(config), config.ropeTheta);
  }

  /** Uploads a flat parameter array laid out by this.layout. */
  upload(params: Float32Array): void {
    if (params.length !== this.layout.size) throw new GpuError(`parameters have ${params.length} floats, the layout needs ${this.layout.size}`);
    writeBuffer(this.gpu, this.params, params);
  }

  /** Uploads AdamW moments (resuming training). */
  uploadOptimizer(m: Float32Array, v: Float32Array): void {
    if (!this.m || !this.v) throw new GpuError('this model was created without optimizer state (training: false)');
    writeBuffer(this.gpu, this.m, m);
    writeBuffer(this.gpu, this.v, v);
  }

  async downloadParams(): Promise<Float32Array> {
    return readF32(this.gpu, this.params, this.layout.size);
  }

  async downloadOptimizer(): Promise<{ m: Float32Array; v: Float32Array }> {
    if (!this.m || !this.v) throw new GpuError('this model has no optimizer state');
    return { m: await readF32(this.gpu, this.m, this.layout.size), v: await readF32(this.gpu, this.v, this.layout.size) };
  }

  async downloadGrads(): Promise<Float32Array> {
    if (!this.grads) throw new GpuError('this model has no gradients (training: false)');
    return readF32(this.gpu, this.grads, this.layout.size);
  }

  private slice(buffer: GPUBuffer, name: string): BufferBinding {
    const t = tensorSpec(this.layout, name);
    return { buffer, offset: t.offset * 4, size: t.size * 4 };
  }

  /** A parameter tensor as a binding. */
  w(name: string): BufferBinding {
    return this.slice(this.params, name);
  }

  /** A gradient tensor as a binding. */
  g(name: string): BufferBinding {
    if (!this.grads) throw new GpuError('this model has no gradients (training: false)');
    return this.slice(this.grads, name);
  }

  /** Name of the output head tensor (the embedding when tied). */
  get head(): string {
    return this.config.tied ? 'tok_embeddings' : 'output';
  }

  destroy(): void {
    for (const b of [this.params, this.grads, this.m, this.v, this.rope]) b?.destroy();
  }
}
