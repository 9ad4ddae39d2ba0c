// Mixed-precision training state: f16 copies of the matmul weights, f16 scratch for the matmuls'
// activation and gradient operands, the overflow flag, and the dynamic loss scale — all on the GPU.
//
// What is f16 and what is not: every matmul of the forward and backward (q/k/v, o, gate/up, down,
// the head, and their weight and input gradients) reads both operands as f16 and accumulates in
// f32 (kernels/matmul.ts with `half`), and the fused attention (the FlashAttention-style kernels,
// forward and backward) reads q, k and v as f16, computing scores, softmax and sums in f32.
// Everything else stays f32: the master weights, AdamW's moments, the gradients, the residual
// stream, norms, the split attention kernels (the CPU drivers' choice), the losses. The loss gradient is
// multiplied by the loss scale S where it is cast to f16 (so small gradients do not flush to zero),
// every gradient is then S times too large, and loss_scale_update.wgsl divides S out before AdamW —
// or skips the step and halves S when a cast overflowed.
import { adapterName, createBuffer, GpuError, uploadBuffer, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { castF16, halfBytes } from '../kernels/cast.ts';
import { LOSS_SCALE } from '../kernels/adamw.ts';
import { headSize, kvDim, type ModelConfig } from './config.ts';
import { tensorSpec } from './layout.ts';
import type { DeviceModel } from './device_model.ts';

/** The weights the matmuls read: per layer the seven projections, then the head. */
export function matmulWeightNames(model: DeviceModel): string[] {
  const per = ['attention.wq', 'attention.wk', 'attention.wv', 'attention.wo', 'feed_forward.w1', 'feed_forward.w2', 'feed_forward.w3'];
  const names: string[] = [];
  for (let l = 0; l < model.config.nLayers; l++) for (const n of per) names.push(`layers.${l}.${n}`);
  names.push(model.head);
  return names;
}

/** Halves of the two operand scratch buffers for a step of B × T: `x` holds a matmul's activation
 *  operand, `d` its gradient operand (up to the logits' gradient [R, V]). */
function scratchHalves(c: ModelConfig, R: number): { x: number; d: number } {
  const Q = c.nHeads * headSize(c);
  const widest = Math.max(c.dim, Q, c.hiddenDim, kvDim(c));
  return { x: R * widest, d: R * Math.max(widest, c.vocabSize) };
}

export interface MixedPrecisionOptions {
  /** The loss scale to start from (default LOSS_SCALE.initial = 2^16). */
  initialScale?: number;
  /** Good steps in a row before the scale doubles (default LOSS_SCALE.growthInterval). */
  growthInterval?: number;
}

export class MixedPrecision {
  readonly gpu: Gpu;
  readonly growthInterval: number;
  /** Set to 1 by any cast that overflowed during the current step; cleared at its start. */
  readonly overflow: GPUBuffer;
  /** [S, good steps in a row, skipped steps in all, 1 if the last step was skipped]. */
  readonly lossScale: GPUBuffer;
  readonly scratch: { x: GPUBuffer; d: GPUBuffer };
  /** f16 q, k, v for the fused attention ([R, H·hs], [R, KH·hs] twice). */
  readonly qkv: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer };
  private readonly weights = new Map<string, GPUBuffer>();
  private readonly model: DeviceModel;

  constructor(model: DeviceModel, B: number, T: number, o: MixedPrecisionOptions = {}) {
    const gpu = model.gpu;
    if (!gpu.features.has('shader-f16')) throw new GpuError(`mixed precision needs the WebGPU feature shader-f16, which this adapter (${adapterName(gpu.adapter)}) does not offer; train in f32`);
    const S = o.initialScale ?? LOSS_SCALE.initial;
    if (!(S >= LOSS_SCALE.min && S <= LOSS_SCALE.max)) throw new Error(`initial loss scale must be in [${LOSS_SCALE.min}, ${LOSS_SCALE.max}], got ${S}`);
    this.gpu = gpu;
    this.model = model;
    this.growthInterval = o.growthInterval ?? LOSS_SCALE.growthInterval;
    this.overflow = createBuffer(gpu, 'mixed.overflow', 4);
    this.lossScale = uploadBuffer(gpu, 'mixed.loss_scale', new Float32Array([S, 0, 0, 0]));
    const h = scratchHalves(model.config, B * T);
    this.scratch = { x: createBuffer(gpu, 'mixed.x16', halfBytes(h.x)), d: createBuffer(gpu, 'mixed.d16', halfBytes(h.d)) };
    const R = B * T;
    const Q = model.config.nHeads * headSize(model.config);
    const KV = kvDim(model.config);
    this.qkv = { q: createBuffer(gpu, 'mixed.q16', halfBytes(R * Q)), k: createBuffer(gpu, 'mixed.k16', halfBytes(R * KV)), v: createBuffer(gpu, 'mixed.v16', halfBytes(R * KV)) };
    for (const name of matmulWeightNames(model)) this.weights.set(name, createBuffer(gpu, `mixed.${name}.f16`, halfBytes(tensorSpec(model.layout, name).size)));
  }

  /** The f16 copy of a matmul weight (as of the last refresh). */
  w(name: string): GPUBuffer {
    const b = this.weights.get(name);
    if (!b) throw new Error(`mixed precision: no f16 copy of '${name}' (only the matmul weights have one)`);
    return b;
  }

  /** Records: clear the overflow flag, then copy the f32 master weights into their f16 copies.
   *  Once per optimizer step, before its first forward (a weight f16 cannot hold flags the step). */
  beginStep(rec: Recorder): void {
    rec.clear(this.overflow);
    for (const [name, half] of this.weights) castF16(rec, half, this.model.w(name), tensorSpec(this.model.layout, name).size, { overflow: this.overflow });
  }

  /** Records: `x` [n] f32 → scratch.x as f16 (the activation operand of the next matmuls). */
  activation(rec: Recorder, x: BufferBinding, n: number): GPUBuffer {
    castF16(rec, this.scratch.x, x, n, { overflow: this.overflow });
    return this.scratch.x;
  }

  /** Records: `dy` [n] f32 → scratch.d as f16, times the loss scale when `scaled` (the loss
   *  gradient itself; the gradients after it already carry the scale). */
  gradient(rec: Recorder, dy: BufferBinding, n: number, scaled = false): GPUBuffer {
    castF16(rec, this.scratch.d, dy, n, { overflow: this.overflow, ...(scaled ? { scale: this.lossScale } : {}) });
    return this.scratch.d;
  }

  /** Records: q [nq], k and v [nkv] f32 → their f16 copies in this.qkv (the fused attention's inputs). */
  attentionInputs(rec: Recorder, q: BufferBinding, k: BufferBinding, v: BufferBinding, nq: number, nkv: number): { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer } {
    castF16(rec, this.qkv.q, q, nq, { overflow: this.overflow });
    castF16(rec, this.qkv.k, k, nkv, { overflow: this.overflow });
    castF16(rec, this.qkv.v, v, nkv, { overflow: this.overflow });
    return this.qkv;
  }

  destroy(): void {
    for (const b of [this.overflow, this.lossScale, this.scratch.x, this.scratch.d, this.qkv.q, this.qkv.k, this.qkv.v, ...this.weights.values()]) b.destroy();
  }
}
