// What a training step keeps on the GPU between forward and backward, for B sequences of T tokens
// (R = B·T rows), and the scratch the backward reuses layer after layer. Sizes are known before
// anything is allocated, so a config that does not fit is refused naming the limit.
import { createBuffer, GpuError, type Gpu } from '../gpu/index.ts';
import { headSize, kvDim, type ModelConfig } from './config.ts';

export interface LayerActivations {
  /** Layer input, the residual stream [R, C] (layer 0: the embedding output). */
  x: GPUBuffer;
  xn: GPUBuffer; // [R, C]
  rstd: GPUBuffer; // [R]
  q: GPUBuffer; // [R, H·hs], after RoPE
  k: GPUBuffer; // [R, KH·hs], after RoPE
  v: GPUBuffer; // [R, KH·hs]
  att: GPUBuffer; // [B, H, T, T] softmax probabilities
  y: GPUBuffer; // [R, H·hs] attention output before wo
  x1: GPUBuffer; // [R, C] residual after attention
  xn2: GPUBuffer; // [R, C]
  rstd2: GPUBuffer; // [R]
  a: GPUBuffer; // [R, F] w1 product
  b: GPUBuffer; // [R, F] w3 product
  g: GPUBuffer; // [R, F] silu(a) ⊙ b
}

export interface Activations {
  B: number;
  T: number;
  layers: LayerActivations[];
  /** Input of the final norm (the last layer's output) [R, C]. */
  xf: GPUBuffer;
  xnf: GPUBuffer; // [R, C]
  rstdf: GPUBuffer; // [R]
  logits: GPUBuffer; // [R, V]
  dlogits: GPUBuffer; // [R, V]
  /** Backward scratch, shared by all layers. */
  scratch: {
    dres: GPUBuffer; // [R, C] ∂L/∂(residual stream) at the current depth
    dxn: GPUBuffer; // [R, C]
    tmp: GPUBuffer; // [R, C]
    dy: GPUBuffer; // [R, H·hs]
    dq: GPUBuffer; // [R, H·hs]
    dk: GPUBuffer; // [R, KH·hs]
    dv: GPUBuffer; // [R, KH·hs]
    dg: GPUBuffer; // [R, F]
    da: GPUBuffer; // [R, F]
    db: GPUBuffer; // [R, F]
    datt: GPUBuffer; // [B, H, T, T] attention backward scratch (dP, then dS)
  };
  bytes: number;
  /** The attention the last forward ran for training ('split': att holds the probabilities;
   *  'fused': att holds each row's log-sum-exp [B, H, T]); the backward runs its twin. Unset
   *  after a forward nothing differentiates. */
  trainingAttention?: 'split' | 'fused';
}

/** Floats of each buffer, by name, for one (config, B, T): the single source of sizes. `kvT` is the
 *  attention's key length (T in training; the KV cache's capacity when generating). */
function plan(c: ModelConfig, B: number, T: number, kvT = T) {
  const R = B * T;
  const C = c.dim;
  const Q = c.nHeads * headSize(c);
  const KV = kvDim(c);
  const F = c.hiddenDim;
  const layer = { x: R * C, xn: R * C, rstd: R, q: R * Q, k: R * KV, v: R * KV, att: B * c.nHeads * T * kvT, y: R * Q, x1: R * C, xn2: R * C, rstd2: R, a: R * F, b: R * F, g: R * F };
  const top = { xf: R * C, xnf: R * C, rstdf: R, logits: R * c.vocabSize, dlogits: R * c.vocabSize };
  const scratch = { dres: R * C, dxn: R * C, tmp: R * C, dy: R * Q, dq: R * Q, dk: R * KV, dv: R * KV, dg: R * F, da: R * F, db: R * F, datt: B * c.nHeads * T * T };
  return { layer, top, scratch };
}

/** Bytes of activations and backward scratch a training step at (B, T) needs. */
export function activationBytes(c: ModelConfig, B: number, T: number): number {
  const p = plan(c, B, T);
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return 4 * (c.nLayers * sum(p.layer) + sum(p.top) + sum(p.scratch));
}

/** Throws naming the limit when a buffer of the step would not fit the device. */
export function checkActivationLimits(gpu: Gpu, c: ModelConfig, B: number, T: number): void {
  const p = plan(c, B, T);
  const all = { ...p.layer, ...p.top, ...p.scratch };
  const max = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  for (const [name, floats] of Object.entries(all)) {
    if (floats * 4 > max) {
      throw new GpuError(
        `batch ${B} × ${T} tokens: the ${name} activation needs ${floats * 4} bytes, more than this adapter's maxStorageBufferBindingSize (${gpu.limits.maxStorageBufferBindingSize}); use a smaller batch or sequence length`,
      );
    }
  }
}

/** Training activations at (B, T); for generation pass `kvT` (the cache capacity) — the attention
 *  probabilities then span it — and note the backward scratch goes unused. */
export function createActivations(gpu: Gpu, c: ModelConfig, B: number, T: number, kvT = T): Activations {
  if (T > c.seqLen) throw new GpuError(`sequence length ${T} is longer than the model's seqLen ${c.seqLen}`);
  checkActivationLimits(gpu, c, B, T);
  const p = plan(c, B, T, kvT);
  const make = <K extends string>(prefix: string, spec: Record<K, number>): Record<K, GPUBuffer> => {
    const out = {} as Record<K, GPUBuffer>;
    for (const k of Object.keys(spec) as K[]) out[k] = createBuffer(gpu, `${prefix}.${k}`, spec[k] * 4);
    return out;
  };
  const layers = Array.from({ length: c.nLayers }, (_, l) => make(`acts.layer${l}`, p.layer));
  const top = make('acts', p.top);
  return { B, T, layers, ...top, scratch: make('grads.scratch', p.scratch), bytes: activationBytes(c, B, T) };
}

export function destroyActivations(a: Activations): void {
  for (const l of a.layers) for (const b of Object.values(l)) b.destroy();
  for (const b of [a.xf, a.xnf, a.rstdf, a.logits, a.dlogits, ...Object.values(a.scratch)]) b.destroy();
}
