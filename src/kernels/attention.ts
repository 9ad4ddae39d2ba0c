// Launchers for causal self-attention with grouped-query attention (H query heads, KH kv heads,
// query head h reads kv head h / (H / KH)), and the KV-cache write for generation.
//
// Forward (training and decoding), 3 dispatches:
//   s = q·kᵀ/√hs (causal blocks)           attention_scores_forward.wgsl
//   att = causal softmax(s), in place      attention_softmax_forward.wgsl
//   out = att·v                            attention_values_forward.wgsl
// Backward (training shapes), with a [B, H, T, T] scratch `datt` (5 dispatches):
//   dv = attᵀ·dout (per kv group)          attention_values_backward.wgsl
//   dP = dout·vᵀ into datt                 attention_scores_forward.wgsl
//   dS = P ⊙ (dP − rowsum(P ⊙ dP))/√hs     attention_softmax_backward.wgsl (in place over dP)
//   dq = dS·k                              attention_values_forward.wgsl
//   dk = dSᵀ·q (per kv group)              attention_values_backward.wgsl
// Without the scratch, dS is formed over att in place by attention_scores_backward.wgsl (it
// recomputes dP row by row: slower, and att is lost).
// Fused (FlashAttention-style: the [B, H, T, T] matrix is never written), forward 1 dispatch,
// backward 2, with lse [B·H·T] (log of each row's softmax denominator) kept in between:
//   out = causal softmax(q·kᵀ/√hs)·v, lse  attention_fused_forward.wgsl (online softmax per row)
//   dq, D = rowsum(dout ⊙ out)             attention_fused_backward_q.wgsl (P recomputed from lse)
//   dk, dv (per kv group)                  attention_fused_backward_kv.wgsl
// Layouts: q, out [B·T, H·hs]; k, v [B·kvT, KH·hs]; att [B, H, T, posOffset + T].
import { defineKernel, f32, KernelArgumentError, type BufferBinding, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, elementGrid, rowKernels } from './common.ts';
import fusedForwardWgsl from '../../shaders/attention_fused_forward.wgsl?raw';
import fusedBackwardQWgsl from '../../shaders/attention_fused_backward_q.wgsl?raw';
import fusedBackwardKvWgsl from '../../shaders/attention_fused_backward_kv.wgsl?raw';
import fusedBackwardInputsWgsl from '../../shaders/common/attention_fused_backward_inputs.wgsl?raw';
import qkvF32Wgsl from '../../shaders/common/attention_qkv_f32.wgsl?raw';
import qkvF16Wgsl from '../../shaders/common/attention_qkv_f16.wgsl?raw';
import scoresForwardWgsl from '../../shaders/attention_scores_forward.wgsl?raw';
import softmaxForwardWgsl from '../../shaders/attention_softmax_forward.wgsl?raw';
import valuesForwardWgsl from '../../shaders/attention_values_forward.wgsl?raw';
import softmaxBackwardWgsl from '../../shaders/attention_softmax_backward.wgsl?raw';
import scoresBackwardWgsl from '../../shaders/attention_scores_backward.wgsl?raw';
import valuesBackwardWgsl from '../../shaders/attention_values_backward.wgsl?raw';

/** Shapes of the attention kernels (and of their CPU references in src/reference/attention.ts). */
export interface AttentionShape {
  B: number;
  /** Query rows per sequence (the sequence length in training; the new tokens when decoding). */
  T: number;
  H: number;
  /** Key/value heads; divides H. */
  KH: number;
  hs: number;
  /** Position of the first query row (tokens already in the KV cache). Default 0. */
  posOffset?: number;
  /** Rows per sequence in k and v (default T; the cache's capacity Tmax when decoding). */
  kvT?: number;
}

const WG = 64;
/** Register-block sizes of the kernels (BT, BJ in the WGSL). */
const BLOCK = 4;
const scoresForwardKernels = rowKernels('attention_scores_forward.wgsl', scoresForwardWgsl, ['a', 'm', 's']);
const softmaxForwardKernel = rowKernels('attention_softmax_forward.wgsl', softmaxForwardWgsl, ['att']).pick(1);
const valuesForwardKernels = rowKernels('attention_values_forward.wgsl', valuesForwardWgsl, ['probs', 'values', 'out']);
const softmaxBackwardKernel = rowKernels('attention_softmax_backward.wgsl', softmaxBackwardWgsl, ['att', 'datt']).pick(1);
const scoresBackwardKernels = rowKernels('attention_scores_backward.wgsl', scoresBackwardWgsl, ['dout', 'v', 'datt']);
const valuesBackwardKernels = rowKernels('attention_values_backward.wgsl', valuesBackwardWgsl, ['probs', 'rows', 'out']);
/** The three fused kernels over one kind of q/k/v storage: f32, or f16 (mixed-precision training;
 *  the same code with another prelude, first for its `enable f16`). */
function fusedKernels(qkv: string, variant: 'f32' | 'f16') {
  const make = <const B extends string>(name: string, parts: string[], bindings: readonly B[]) => defineKernel({ name, variant, code: [qkv, ...parts].join('\n') }, bindings);
  return {
    forward: make('attention_fused_forward.wgsl', [fusedForwardWgsl], ['q', 'k', 'v', 'out', 'lse']),
    backwardQ: make('attention_fused_backward_q.wgsl', [fusedBackwardInputsWgsl, fusedBackwardQWgsl], ['q', 'k', 'v', 'o', 'dout', 'lse', 'dq', 'dsum']),
    backwardKv: make('attention_fused_backward_kv.wgsl', [fusedBackwardInputsWgsl, fusedBackwardKvWgsl], ['q', 'k', 'v', 'dout', 'lse', 'dsum', 'dk', 'dv']),
  };
}
const fusedF32 = fusedKernels(qkvF32Wgsl, 'f32');
const fusedF16 = fusedKernels(qkvF16Wgsl, 'f16');

/** Checks q/k/v of `floats` elements, counted in halves when `half` (needs shader-f16). */
function checkQkv(rec: Recorder, name: string, key: string, b: BufferBinding, floats: number, half: boolean): void {
  if (half && !rec.gpu.features.has('shader-f16')) throw new KernelArgumentError(name, 'half (f16) q, k and v need the device feature shader-f16, which this adapter does not offer');
  checkBuffer(name, key, b, half ? Math.ceil(floats / 2) : floats);
}
/** The largest head the fused kernels hold in registers (16 vec4s). */
const FUSED_MAX_HS = 64;

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

/** s [B, H, T, Tk] = a·mᵀ / div over the causal blocks (a like q, m like k/v). */
function scores(rec: Recorder, s: BufferBinding, a: BufferBinding, m: BufferBinding, r: Resolved, div: number): void {
  const tBlocks = Math.ceil(r.T / BLOCK);
  const jBlocks = Math.ceil(r.Tk / BLOCK);
  rec.run(scoresForwardKernels.pick(r.w), {
    params: [r.B, r.T, r.H, r.KH, r.hs, r.posOffset, r.kvT, r.Tk, tBlocks, jBlocks, f32(div)],
    buffers: { a, m, s },
    workgroups: elementGrid(rec.gpu, r.B * r.H * tBlocks * jBlocks, WG),
    overrides: { WG },
  });
}

/** out [B·T, H·hs] = X·Y per head (X [B, H, T, Tk] causal, Y like v). */
function values(rec: Recorder, out: BufferBinding, probs: BufferBinding, vals: BufferBinding, r: Resolved): void {
  const tBlocks = Math.ceil(r.T / BLOCK);
  rec.run(valuesForwardKernels.pick(r.w), {
    params: [r.B, r.T, r.H, r.KH, r.hs, r.posOffset, r.kvT, r.Tk, tBlocks],
    buffers: { probs, values: vals, out },
    workgroups: elementGrid(rec.gpu, (r.B * tBlocks * r.H * r.hs) / r.w, WG),
    overrides: { WG },
  });
}

/** out [B·T, KH·hs] = Xᵀ·Y summed over each kv group (X [B, H, T, T], Y like q). */
function valuesTransposed(rec: Recorder, out: BufferBinding, probs: BufferBinding, rows: BufferBinding, r: Resolved): void {
  const jBlocks = Math.ceil(r.T / BLOCK);
  rec.run(valuesBackwardKernels.pick(r.w), {
    params: [r.B, r.T, r.H, r.KH, r.hs, jBlocks],
    buffers: { probs, rows, out },
    workgroups: elementGrid(rec.gpu, (r.B * jBlocks * r.KH * r.hs) / r.w, WG),
    overrides: { WG },
  });
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
  const name = 'attention forward';
  const r = resolveShape(name, shape);
  const { B, T, H, KH, hs, kvT, Tk } = r;
  checkBuffer(name, 'q', q, B * T * H * hs);
  checkBuffer(name, 'k', k, B * kvT * KH * hs);
  checkBuffer(name, 'v', v, B * kvT * KH * hs);
  checkBuffer(name, 'out', outs.out, B * T * H * hs);
  checkBuffer(name, 'att', outs.att, B * H * T * Tk);
  scores(rec, outs.att, q, k, r, Math.fround(Math.sqrt(hs)));
  rec.run(softmaxForwardKernel, {
    params: [B * H * T, T, r.posOffset, Tk],
    buffers: { att: outs.att },
    workgroups: elementGrid(rec.gpu, B * H * T, WG),
    overrides: { WG },
  });
  values(rec, outs.out, outs.att, v, r);
}

/** Whether attentionFusedForward takes heads of this size (hs a multiple of 4, at most 64). */
export function fusedAttentionFits(hs: number): boolean {
  return hs % 4 === 0 && hs <= FUSED_MAX_HS;
}

/**
 * out [B·T, H·hs] = causal softmax(q·kᵀ/√hs)·v per head and lse [B·H·T] = log of each row's softmax
 * denominator (what attentionFusedBackward recomputes the probabilities from), both assigned, in one
 * dispatch that never writes the probabilities. Shapes and layouts as attentionForward: training
 * shapes, or the T new rows of each sequence against KV caches [B, kvT = Tmax, KH·hs].
 * Needs fusedAttentionFits(hs). `half`: q, k and v hold f16 (mixed precision; read as f32).
 */
export function attentionFusedForward(
  rec: Recorder,
  outs: { out: BufferBinding; lse: BufferBinding },
  q: BufferBinding,
  k: BufferBinding,
  v: BufferBinding,
  shape: AttentionShape,
  half = false,
): void {
  const name = 'attention fused forward';
  const r = resolveShape(name, shape);
  const { B, T, H, KH, hs, kvT } = r;
  if (!fusedAttentionFits(hs)) throw new KernelArgumentError(name, `head size ${hs} must be a multiple of 4 and at most ${FUSED_MAX_HS}`);
  checkQkv(rec, name, 'q', q, B * T * H * hs, half);
  checkQkv(rec, name, 'k', k, B * kvT * KH * hs, half);
  checkQkv(rec, name, 'v', v, B * kvT * KH * hs, half);
  checkBuffer(name, 'out', outs.out, B * T * H * hs);
  checkBuffer(name, 'lse', outs.lse, B * H * T);
  rec.run((half ? fusedF16 : fusedF32).forward, {
    params: [B, T, H, KH, r.posOffset, kvT, f32(Math.fround(Math.sqrt(hs)))],
    buffers: { q, k, v, out: outs.out, lse: outs.lse },
    workgroups: elementGrid(rec.gpu, B * H * T, WG),
    overrides: { WG, HV: hs / 4 },
  });
}

/**
 * Backward of attentionFusedForward at training shapes (posOffset 0, kvT = T): dq [B·T, H·hs], dk,
 * dv [B·T, KH·hs], all assigned (dk, dv summed over each kv group's query heads), from dout and the
 * forward's q, k, v (after RoPE), out and lse. `grads.dsum` is a [B·H·T] scratch (rowsum(dout ⊙ out)).
 * `half`: q, k and v hold f16 (mixed precision); everything else is f32.
 */
export function attentionFusedBackward(
  rec: Recorder,
  grads: { dq: BufferBinding; dk: BufferBinding; dv: BufferBinding; dsum: BufferBinding },
  dout: BufferBinding,
  fwd: { q: BufferBinding; k: BufferBinding; v: BufferBinding; out: BufferBinding; lse: BufferBinding },
  shape: AttentionShape,
  half = false,
): void {
  const name = 'attention fused backward';
  const r = resolveShape(name, shape);
  if (r.posOffset !== 0 || r.kvT !== r.T) throw new KernelArgumentError(name, 'the backward is for training shapes (posOffset 0, kvT = T)');
  const { B, T, H, KH, hs } = r;
  if (!fusedAttentionFits(hs)) throw new KernelArgumentError(name, `head size ${hs} must be a multiple of 4 and at most ${FUSED_MAX_HS}`);
  for (const [key, b] of Object.entries({ dout, out: fwd.out, dq: grads.dq })) checkBuffer(name, key, b, B * T * H * hs);
  for (const [key, b] of Object.entries({ dk: grads.dk, dv: grads.dv })) checkBuffer(name, key, b, B * T * KH * hs);
  checkQkv(rec, name, 'q', fwd.q, B * T * H * hs, half);
  checkQkv(rec, name, 'k', fwd.k, B * T * KH * hs, half);
  checkQkv(rec, name, 'v', fwd.v, B * T * KH * hs, half);
  const kernels = half ? fusedF16 : fusedF32;
  checkBuffer(name, 'lse', fwd.lse, B * H * T);
  checkBuffer(name, 'dsum', grads.dsum, B * H * T);
  const params = [B, T, H, KH, f32(Math.fround(Math.sqrt(hs)))];
  const overrides = { WG, HV: hs / 4 };
  rec.run(kernels.backwardQ, {
    params,
    buffers: { q: fwd.q, k: fwd.k, v: fwd.v, o: fwd.out, dout, lse: fwd.lse, dq: grads.dq, dsum: grads.dsum },
    workgroups: elementGrid(rec.gpu, B * H * T, WG),
    overrides,
  });
  rec.run(kernels.backwardKv, {
    params,
    buffers: { q: fwd.q, k: fwd.k, v: fwd.v, dout, lse: fwd.lse, dsum: grads.dsum, dk: grads.dk, dv: grads.dv },
    workgroups: elementGrid(rec.gpu, B * KH * T, WG),
    overrides,
  });
}

/**
 * Backward of the training forward (posOffset 0, kvT = T): dq [B·T, H·hs], dk, dv [B·T, KH·hs], all
 * assigned (dk, dv summed over each kv group's query heads), from dout [B·T, H·hs] and the forward's
 * q, k, v (after RoPE) and att. `grads.datt` is a [B, H, T, T] scratch (may be shared by all layers)
 * where dP and then dS are formed; att stays intact. Without it dS is formed over att itself by a
 * slower kernel and att is lost (rerun the forward before another backward).
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
  const r = resolveShape(name, shape);
  if (r.posOffset !== 0 || r.kvT !== r.T) throw new KernelArgumentError(name, 'the backward is for training shapes (posOffset 0, kvT = T)');
  const { B, T, H, KH, hs, w } = r;
  for (const [key, b] of Object.entries({ dout, q, dq: grads.dq })) checkBuffer(name, key, b, B * T * H * hs);
  for (const [key, b] of Object.entries({ k, v, dk: grads.dk, dv: grads.dv })) checkBuffer(name, key, b, B * T * KH * hs);
  checkBuffer(name, 'att', att, B * H * T * T);
  if (grads.datt) checkBuffer(name, 'datt', grads.datt, B * H * T * T);
  const sqrtHs = Math.fround(Math.sqrt(hs));
  // dv = attᵀ · dout, while att holds the probabilities.
  valuesTransposed(rec, grads.dv, att, dout, r);
  let dS: BufferBinding;
  if (grads.datt) {
    scores(rec, grads.datt, dout, v, r, 1);
    rec.run(softmaxBackwardKernel, {
      params: [B * H * T, T, f32(sqrtHs)],
      buffers: { att, datt: grads.datt },
      workgroups: elementGrid(rec.gpu, B * H * T, WG),
      overrides: { WG },
    });
    dS = grads.datt;
  } else {
    rec.run(scoresBackwardKernels.pick(w), {
      params: [B, T, H, KH, hs, f32(sqrtHs)],
      buffers: { dout, v, datt: att },
      workgroups: elementGrid(rec.gpu, B * H * T, WG),
      overrides: { WG },
    });
    dS = att;
  }
  values(rec, grads.dq, dS, k, r);
  valuesTransposed(rec, grads.dk, dS, q, r);
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
