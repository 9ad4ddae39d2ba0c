// What a model needs on the GPU for inference, estimated from its config before anything is read or
// uploaded, and checked against an adapter's limits. The engine keeps every tensor of the model in
// one parameter buffer (DeviceModel), a K and a V cache buffer per layer (Generator), and per-layer
// activation buffers whose largest are the attention probabilities [B, H, T, Tmax] and the logits
// [B·T, V] of a prefill; each of these must fit one storage-buffer binding.
import { headSize, kvDim, parameterCount, type ModelConfig } from '../model/config.ts';
import { buildLayout } from '../model/layout.ts';
import { InteropError } from './sources.ts';

export interface InferenceShape {
  /** Sequences run together (default 1). */
  maxBatch?: number;
  /** Positions per sequence: prompt + generated (default config.seqLen). */
  Tmax?: number;
}

export interface InferenceMemory {
  parameters: number;
  /** Bytes of each buffer class. */
  paramsBytes: number;
  kvCacheBytes: number;
  activationBytes: number;
  ropeTableBytes: number;
  totalBytes: number;
  /** The largest single buffer, which must fit maxStorageBufferBindingSize and maxBufferSize. */
  largestBuffer: { name: string; bytes: number };
}

/** Bytes of the engine's buffers for generation with `shape` (a prefill of Tmax tokens is the peak). */
export function estimateInferenceMemory(c: ModelConfig, shape: InferenceShape = {}): InferenceMemory {
  const B = shape.maxBatch ?? 1;
  const T = shape.Tmax ?? c.seqLen;
  const R = B * T;
  const C = c.dim;
  const Q = c.nHeads * headSize(c);
  const KV = kvDim(c);
  const F = c.hiddenDim;
  const paramsBytes = buildLayout(c).size * 4;
  const kvPerLayer = B * T * KV * 4;
  // Per layer (activations.ts plan, without the training scratch): x, xn, x1, xn2 [R, C]; q, y
  // [R, Q]; k, v [R, KV]; a, b, g [R, F]; att [B, H, T, Tmax]; two rstd [R].
  const att = B * c.nHeads * T * T * 4;
  const perLayer = 4 * (4 * R * C + 2 * R * Q + 2 * R * KV + 3 * R * F + 2 * R) + att;
  const logits = R * c.vocabSize * 4;
  const activationBytes = c.nLayers * perLayer + 4 * (2 * R * C + R) + 2 * logits;
  const ropeTableBytes = T * headSize(c) * 4;
  const candidates: [string, number][] = [
    ['parameters', paramsBytes],
    ['logits', logits],
    ['attention probabilities', att],
    ['K cache of one layer', kvPerLayer],
    ['SwiGLU activations of one layer', R * F * 4],
  ];
  const [name, bytes] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  const kvCacheBytes = 2 * c.nLayers * kvPerLayer;
  return {
    parameters: parameterCount(c),
    paramsBytes,
    kvCacheBytes,
    activationBytes,
    ropeTableBytes,
    totalBytes: paramsBytes + kvCacheBytes + activationBytes + ropeTableBytes,
    largestBuffer: { name, bytes },
  };
}

/** The limits the check reads (a GPUSupportedLimits qualifies). */
export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 2 : 0)} MiB`;

/**
 * Throws an InteropError, before any upload, when a buffer the model needs exceeds the adapter's
 * limits or the whole exceeds `budgetBytes` (an app's own cap; adapters do not report their memory).
 * Returns the estimate otherwise.
 */
export function checkFitsAdapter(c: ModelConfig, limits: BufferLimits, shape: InferenceShape & { budgetBytes?: number } = {}): InferenceMemory {
  const m = estimateInferenceMemory(c, shape);
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const which = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const what = `a model of ${(m.parameters / 1e6).toFixed(2)}M parameters (dim ${c.dim}, ${c.nLayers} layers, vocab ${c.vocabSize})`;
  if (m.paramsBytes > max) {
    throw new InteropError(`${what} needs a ${mib(m.paramsBytes)} parameter buffer; this adapter's ${which} is ${mib(max)}: it cannot be loaded on this GPU`);
  }
  if (m.largestBuffer.bytes > max) {
    const B = shape.maxBatch ?? 1;
    const T = shape.Tmax ?? c.seqLen;
    throw new InteropError(
      `${what}: its ${m.largestBuffer.name} at batch ${B} × ${T} positions need ${mib(m.largestBuffer.bytes)}, more than this adapter's ${which} (${mib(max)}); use fewer positions or a smaller batch`,
    );
  }
  if (shape.budgetBytes !== undefined && m.totalBytes > shape.budgetBytes) {
    throw new InteropError(`${what} needs about ${mib(m.totalBytes)} of GPU memory for inference (parameters ${mib(m.paramsBytes)}, caches ${mib(m.kvCacheBytes)}, activations ${mib(m.activationBytes)}), more than the ${mib(shape.budgetBytes)} allowed`);
  }
  return m;
}
