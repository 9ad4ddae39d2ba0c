// Launchers for causal self-attention with grouped-query attention (H query heads, KH kv heads,
// query head h reads kv head h / (H / KH)), and the KV-cache write for generation.
//
// Forward (training and decoding): attention_scores_forward.wgsl (att = causal softmax(q·kᵀ/√hs))
// then attention_values_forward.wgsl (out = att·v). Backward (training shapes):
//   dv = attᵀ·dout            attention_values_backward.wgsl (summed over each kv group)
//   dS = P ⊙ (dP − rowsum(P ⊙ dP))/√hs, dP = dout·vᵀ     attention_scores_backward.wgsl, in place
//   dq = dS·k                 attention_values_forward.wgsl
//   dk = dSᵀ·q                attention_values_backward.wgsl
// Layouts: q, out [B·T, H·hs]; k, v [B·kvT, KH·hs]; att [B, H, T, posOffset + T].
import { f32, KernelArgumentError, type BufferBinding, type Recorder } from '../gpu/index.ts';
import type { AttentionShape } from '../reference/attention.ts';
import { checkBuffer, checkDim, elementGrid, rowKernels } from './common.ts';
import scoresForwardWgsl from '../../shaders/attention_scores_forward.wgsl?raw';
import valuesForwardWgsl from '../../shaders/attention_values_forward.wgsl?raw';
import scoresBackwardWgsl from '../../shaders/attention_scores_backward.wgsl?raw';
import valuesBackwardWgsl from '../../shaders/attention_values_backward.wgsl?raw';

export type { AttentionShape } from '../reference/attention.ts';

const WG = 64;
const scoresForwardKernels = rowKernels('attention_scores_forward.wgsl', scoresForwardWgsl, ['q', 'k', 'att']);
const valuesForwardKernels = rowKernels('attention_values_forward.wgsl', valuesForwardWgsl, ['probs', 'values', 'out']);
const scoresBackwardKernels = rowKernels('attention_scores_backward.wgsl', scoresBackwardWgsl, ['dout', 'v', 'datt']);
const valuesBackwardKernels = rowKernels('attention_values_backward.wgsl', valuesBackwardWgsl, ['probs', 'rows', 'out']);

interface Resolved {
  B: number;
  T: number;
  H: number;
  KH: number;
  hs: number;
  posOffset: number;
  kvT: number;
  Tk: number;
  /** 4 when hs % 4 = 0 (vec4 kernels), else 1. */
  w: number;
}

function resolveShape(name: string, s: AttentionShape): Resolved {
  const { B, T, H, KH, hs } = s;
  for (const [k, v] of Object.entries({ B, T, H, KH, hs })) checkDim(name, k, v);
  if (H % KH !== 0) throw new KernelArgumentError(name, `KH (${KH}) must divide H (${H})`);
  const posOffset = s.posOffset ?? 0;
  if (!Number.isInteger(posOffset) || posOffset < 0) throw new KernelArgumentError(name, `posOffset must be an integer ≥ 0, got ${posOffset}`);
  const kvT = s.kvT ?? T;
  checkDim(name, 'kvT', kvT);
  if (posOffset + T > kvT) throw new KernelArgumentError(name, `posOffset + T = ${posOffset + T} exceeds the ${kvT} rows per sequence of k and v (kvT)`);
  return { B, T, H, KH, hs, posOffset, kvT, Tk: posOffset + T, w: hs % 4 === 0 ? 4 : 1 };
}

/**
 * out [B·T, H·hs] = causal softmax(q·kᵀ/√hs)·v per head; att [B, H, T, posOffset+T] = the
 * probabilities (0 at masked positions), both assigned. Training: posOffset 0, kvT = T (defaults);
 * the backward needs att. Decoding with a KV cache: q holds the T new rows of each sequence at
 * positions posOffset.., k and v are the caches [B, kvT = Tmax, KH·hs] already holding the first
 * posOffset + T positions (kvCacheWrite), and att is scratch.
 */
export function attentionForward(
  rec: Recorder,
  outs: { out: BufferBinding; att: BufferBinding },
  q: BufferBinding,
  k: BufferBinding,
  v: BufferBinding,
  shape: AttentionShape,
): void {
  const name = 'attention_scores_forward.wgsl';
  const s = resolveShape(name, shape);
  const { B, T, H, KH, hs, posOffset, kvT, Tk, w } = s;
  checkBuffer(name, 'q', q, B * T * H * hs);
  checkBuffer(name, 'k', k, B * kvT * KH * hs);
  checkBuffer(name, 'v', v, B * kvT * KH * hs);
  checkBuffer(name, 'out', outs.out, B * T * H * hs);
  checkBuffer(name, 'att', outs.att, B * H * T * Tk);
  rec.run(scoresForwardKernels.pick(w), {
    params: [B, T, H, KH, hs, posOffset, kvT, Tk, f32(Math.sqrt(hs))],
    buffers: { q, k, att: outs.att },
    workgroups: elementGrid(rec.gpu, B * H * T, WG),
    overrides: { WG },
  });
  rec.run(valuesForwardKernels.pick(w), {
    params: [B, T, H, KH, hs, posOffset, kvT, Tk],
    buffers: { probs: outs.att, values: v, out: outs.out },
    workgroups: elementGrid(rec.gpu, (B * T * H * hs) / w, WG),
    overrides: { WG },
  });
}

/**
 * Backward of the training forward (posOffset 0, kvT = T): dq [B·T, H·hs], dk, dv [B·T, KH·hs], all
 * assigned (dk, dv summed over each kv group's query heads), from dout [B·T, H·hs] and the forward's
 * q, k, v (after RoPE) and att. The gradient w.r.t. the scores is formed in place: in `grads.datt`
 * ([B, H, T, T] scratch; att is copied there first and stays intact) or, without it, in att itself,
 * which is then overwritten (rerun the forward before another backward).
 */
export function attentionBackward(
  rec: Recorder,
  grads: { dq: BufferBinding; dk: BufferBinding; dv: BufferBinding; datt?: BufferBinding },
  dout: BufferBinding,
  q: BufferBinding,
  k: BufferBinding,
  v: BufferBinding,
  att: BufferBinding,
  shape: AttentionShape,
): void {
  const name = 'attention backward';
  const s = resolveShape(name, shape);
  if (s.posOffset !== 0 || s.kvT !== s.T) throw new KernelArgumentError(name, 'the backward is for training shapes (posOffset 0, kvT = T)');
  const { B, T, H, KH, hs, w } = s;
  for (const [key, b] of Object.entries({ dout, q, dq: grads.dq })) checkBuffer(name, key, b, B * T * H * hs);
  for (const [key, b] of Object.entries({ k, v, dk: grads.dk, dv: grads.dv })) checkBuffer(name, key, b, B * T * KH * hs);
  checkBuffer(name, 'att', att, B * H * T * T);
  if (grads.datt) checkBuffer(name, 'datt', grads.datt, B * H * T * T);
  const kvGrid = elementGrid(rec.gpu, (B * T * KH * hs) / w, WG);
  const smallParams = [B, T, H, KH, hs];
  // dv = attᵀ · dout, while att still holds the probabilities.
  rec.run(valuesBackwardKernels.pick(w), { params: smallParams, buffers: { probs: att, rows: dout, out: grads.dv }, workgroups: kvGrid, overrides: { WG } });
  let dS = att;
  if (grads.datt) {
    const src = sliceOf(att);
    const dst = sliceOf(grads.datt);
    rec.copy(src.buffer, src.offset, dst.buffer, dst.offset, B * H * T * T * 4);
    dS = grads.datt;
  }
  rec.run(scoresBackwardKernels.pick(w), {
    params: [B, T, H, KH, hs, f32(Math.sqrt(hs))],
    buffers: { dout, v, datt: dS },
    workgroups: elementGrid(rec.gpu, B * H * T, WG),
    overrides: { WG },
  });
  rec.run(valuesForwardKernels.pick(w), {
    params: [B, T, H, KH, hs, 0, T, T],
    buffers: { probs: dS, values: k, out: grads.dq },
    workgroups: elementGrid(rec.gpu, (B * T * H * hs) / w, WG),
    overrides: { WG },
  });
  rec.run(valuesBackwardKernels.pick(w), { params: smallParams, buffers: { probs: dS, rows: q, out: grads.dk }, workgroups: kvGrid, overrides: { WG } });
}

function sliceOf(b: BufferBinding): { buffer: GPUBuffer; offset: number } {
  const slice = b as { buffer?: GPUBuffer; offset?: number };
  return slice.buffer === undefined ? { buffer: b as GPUBuffer, offset: 0 } : { buffer: slice.buffer, offset: slice.offset ?? 0 };
}

export interface KvCacheShape {
  B: number;
  /** New rows per sequence. */
  T: number;
  /** Rows per sequence in the cache (its capacity). */
  Tmax: number;
  /** Row width: KH·hs. */
  D: number;
  /** Rows already in the cache: the new rows go to positions posOffset .. posOffset + T − 1. */
  posOffset: number;
}

/**
 * Copies the new k (or v) rows src [B·T, D] into the cache [B, Tmax, D] at positions posOffset..:
 * one buffer copy per sequence (B copies; rows of one sequence are contiguous in both). src and
 * cache must be plain GPUBuffers or slices at 4-byte offsets.
 */
export function kvCacheWrite(rec: Recorder, cache: BufferBinding, src: BufferBinding, s: KvCacheShape): void {
  const name = 'kvCacheWrite';
  const { B, T, Tmax, D, posOffset } = s;
  for (const [k, v] of Object.entries({ B, T, Tmax, D })) checkDim(name, k, v);
  if (!Number.isInteger(posOffset) || posOffset < 0) throw new KernelArgumentError(name, `posOffset must be an integer ≥ 0, got ${posOffset}`);
  if (posOffset + T > Tmax) throw new KernelArgumentError(name, `posOffset + T = ${posOffset + T} exceeds the cache capacity Tmax = ${Tmax}`);
  checkBuffer(name, 'src', src, B * T * D);
  checkBuffer(name, 'cache', cache, B * Tmax * D);
  const from = sliceOf(src);
  const to = sliceOf(cache);
  for (let b = 0; b < B; b++) {
    rec.copy(from.buffer, from.offset + b * T * D * 4, to.buffer, to.offset + (b * Tmax + posOffset) * D * 4, T * D * 4);
  }
}
