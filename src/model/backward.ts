// The model's backward pass on the GPU: from acts.dlogits [R, V] (the CE gradient, with RAFT added at
// the score positions) to every parameter gradient, ACCUMULATED into model.grads (the training step
// clears them once per optimizer step, so micro-batches add up). Mirrors modelBackwardRef.
import type { BufferBinding, Recorder } from '../gpu/index.ts';
import { embeddingBackward } from '../kernels/embedding.ts';
import { matmul } from '../kernels/matmul.ts';
import { axpy } from '../kernels/residual.ts';
import { rmsnormBackward } from '../kernels/rmsnorm.ts';
import { ropeBackward } from '../kernels/rope.ts';
import { attentionBackward, attentionFusedBackward } from '../kernels/attention.ts';
import { swigluBackward } from '../kernels/swiglu.ts';
import { headSize, kvDim } from './config.ts';
import type { Activations } from './activations.ts';
import type { DeviceModel } from './device_model.ts';
import type { TrainHeadRows } from './forward.ts';
import type { MixedPrecision } from './mixed_precision.ts';

/** Token positions grouped by token id for the embedding gradient (buildTokenCsr, uploaded). */
export interface CsrBuffers {
  order: GPUBuffer;
  offsets: GPUBuffer;
}

/** `head`: the rows the forward computed logits for (acts.dlogits [head.count, V] then).
 *  `mixed`: the matmuls read f16 copies of their operands, and the loss gradient is multiplied by
 *  the loss scale where it is cast (every gradient then carries the scale; the step divides it out). */
export function recordBackward(rec: Recorder, model: DeviceModel, acts: Activations, csr: CsrBuffers, head?: TrainHeadRows, mixed?: MixedPrecision): void {
  const c = model.config;
  const { B, T } = acts;
  const R = B * T;
  const C = c.dim;
  const H = c.nHeads;
  const KH = c.nKvHeads;
  const hs = headSize(c);
  const Q = H * hs;
  const KV = kvDim(c);
  const F = c.hiddenDim;
  const V = c.vocabSize;
  const s = acts.scratch;
  if (acts.trainingAttention === undefined) throw new Error('recordBackward: the last forward on these activations was an inference forward (no training attention kept); record a training forward first');
  const fusedAttention = acts.trainingAttention === 'fused';
  const ropeShape = (nHeads: number) => ({ R, T, nHeads, hs, posOffset: 0, convention: c.rope });
  const mp = mixed;
  const half = !!mp;
  // A product's operands: the f32 buffers, or (mixed) f16 copies — the gradient in mp.scratch.d,
  // the saved activation in mp.scratch.x — cast once and read by the products that follow.
  const gradOperand = (dy: BufferBinding, n: number, scaled = false): BufferBinding => (mp ? mp.gradient(rec, dy, n, scaled) : dy);
  const actOperand = (x: BufferBinding, n: number): BufferBinding => (mp ? mp.activation(rec, x, n) : x);
  const W = (name: string): BufferBinding => (mp ? mp.w(name) : model.w(name));
  // dW [out, in] += dyᵀ · x  (dy [R, out], x [R, in]).
  const weightGrad = (dW: BufferBinding, dy: BufferBinding, x: BufferBinding, inDim: number, outDim: number, rows = R) =>
    matmul(rec, dW, dy, x, { M: outDim, N: inDim, K: rows, transA: true, accumulate: true, half });
  // dx [R, in] (= or +=) = dy · W  (W [out, in]).
  const inputGrad = (dx: BufferBinding, dy: BufferBinding, Wt: BufferBinding, inDim: number, outDim: number, accumulate = false, rows = R) =>
    matmul(rec, dx, dy, Wt, { M: rows, N: inDim, K: outDim, accumulate, half });

  if (head) {
    // The head on the gathered rows (scratch.tmp, from the forward), then their gradient scattered
    // back into dxn [R, C] (zero on rows without logits) — embedding_backward with dxn as the table.
    const dl = gradOperand(acts.dlogits, head.count * V, true);
    weightGrad(model.g(model.head), dl, actOperand(s.tmp, head.count * C), C, V, head.count);
    inputGrad(s.dres, dl, W(model.head), C, V, false, head.count);
    rec.clear(s.dxn);
    embeddingBackward(rec, s.dxn, s.dres, { order: head.order, offsets: head.offsets }, { R: head.count, C, V: R });
  } else {
    const dl = gradOperand(acts.dlogits, R * V, true);
    weightGrad(model.g(model.head), dl, actOperand(acts.xnf, R * C), C, V);
    inputGrad(s.dxn, dl, W(model.head), C, V);
  }
  rmsnormBackward(rec, { dx: s.dres, dg: model.g('norm') }, s.dxn, acts.xf, model.w('norm'), acts.rstdf, { R, C });

  for (let l = c.nLayers - 1; l >= 0; l--) {
    const L = acts.layers[l];
    const w = (n: string) => model.w(`layers.${l}.${n}`);
    const g = (n: string) => model.g(`layers.${l}.${n}`);
    const mw = (n: string) => W(`layers.${l}.${n}`);
    // FFN: x' = x1 + g·w2ᵀ. dres (∂L/∂x') flows to x1 unchanged and through the FFN.
    let dy = gradOperand(s.dres, R * C);
    weightGrad(g('feed_forward.w2'), dy, actOperand(L.g, R * F), F, C);
    inputGrad(s.dg, dy, mw('feed_forward.w2'), F, C);
    swigluBackward(rec, { da: s.da, db: s.db }, s.dg, L.a, L.b, R * F);
    const xn2 = actOperand(L.xn2, R * C);
    dy = gradOperand(s.da, R * F);
    weightGrad(g('feed_forward.w1'), dy, xn2, C, F);
    inputGrad(s.dxn, dy, mw('feed_forward.w1'), C, F);
    dy = gradOperand(s.db, R * F);
    weightGrad(g('feed_forward.w3'), dy, xn2, C, F);
    inputGrad(s.dxn, dy, mw('feed_forward.w3'), C, F, true);
    rmsnormBackward(rec, { dx: s.tmp, dg: g('ffn_norm') }, s.dxn, L.x1, w('ffn_norm'), L.rstd2, { R, C });
    axpy(rec, s.dres, s.tmp, R * C); // dres = ∂L/∂x1
    // Attention: x1 = x + y·woᵀ.
    dy = gradOperand(s.dres, R * C);
    weightGrad(g('attention.wo'), dy, actOperand(L.y, R * Q), Q, C);
    inputGrad(s.dy, dy, mw('attention.wo'), Q, C);
    if (fusedAttention && mp) {
      const h = mp.attentionInputs(rec, L.q, L.k, L.v, R * Q, R * KV);
      attentionFusedBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, dsum: s.datt }, s.dy, { q: h.q, k: h.k, v: h.v, out: L.y, lse: L.att }, { B, T, H, KH, hs }, true);
    } else if (fusedAttention) attentionFusedBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, dsum: s.datt }, s.dy, { q: L.q, k: L.k, v: L.v, out: L.y, lse: L.att }, { B, T, H, KH, hs });
    else attentionBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, datt: s.datt }, s.dy, L.q, L.k, L.v, L.att, { B, T, H, KH, hs });
    ropeBackward(rec, s.dq, s.dq, model.rope, ropeShape(H));
    ropeBackward(rec, s.dk, s.dk, model.rope, ropeShape(KH));
    const xn = actOperand(L.xn, R * C);
    dy = gradOperand(s.dq, R * Q);
    weightGrad(g('attention.wq'), dy, xn, C, Q);
    inputGrad(s.dxn, dy, mw('attention.wq'), C, Q);
    dy = gradOperand(s.dk, R * KV);
    weightGrad(g('attention.wk'), dy, xn, C, KV);
    inputGrad(s.dxn, dy, mw('attention.wk'), C, KV, true);
    dy = gradOperand(s.dv, R * KV);
    weightGrad(g('attention.wv'), dy, xn, C, KV);
    inputGrad(s.dxn, dy, mw('attention.wv'), C, KV, true);
    rmsnormBackward(rec, { dx: s.tmp, dg: g('attention_norm') }, s.dxn, L.x, w('attention_norm'), L.rstd, { R, C });
    axpy(rec, s.dres, s.tmp, R * C); // dres = ∂L/∂x (the layer input)
  }
  embeddingBackward(rec, model.g('tok_embeddings'), s.dres, csr, { R, C, V });
}
