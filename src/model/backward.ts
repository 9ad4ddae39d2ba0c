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

/** Token positions grouped by token id for the embedding gradient (buildTokenCsr, uploaded). */
export interface CsrBuffers {
  order: GPUBuffer;
  offsets: GPUBuffer;
}

/** `head`: the rows the forward computed logits for (acts.dlogits [head.count, V] then). */
export function recordBackward(rec: Recorder, model: DeviceModel, acts: Activations, csr: CsrBuffers, head?: TrainHeadRows): void {
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
  // dW [out, in] += dyᵀ · x  (dy [R, out], x [R, in]).
  const weightGrad = (dW: BufferBinding, dy: BufferBinding, x: BufferBinding, inDim: number, outDim: number, rows = R) =>
    matmul(rec, dW, dy, x, { M: outDim, N: inDim, K: rows, transA: true, accumulate: true });
  // dx [R, in] (= or +=) = dy · W  (W [out, in]).
  const inputGrad = (dx: BufferBinding, dy: BufferBinding, W: BufferBinding, inDim: number, outDim: number, accumulate = false, rows = R) =>
    matmul(rec, dx, dy, W, { M: rows, N: inDim, K: outDim, accumulate });

  if (head) {
    // The head on the gathered rows (scratch.tmp, from the forward), then their gradient scattered
    // back into dxn [R, C] (zero on rows without logits) — embedding_backward with dxn as the table.
    weightGrad(model.g(model.head), acts.dlogits, s.tmp, C, V, head.count);
    inputGrad(s.dres, acts.dlogits, model.w(model.head), C, V, false, head.count);
    rec.clear(s.dxn);
    embeddingBackward(rec, s.dxn, s.dres, { order: head.order, offsets: head.offsets }, { R: head.count, C, V: R });
  } else {
    weightGrad(model.g(model.head), acts.dlogits, acts.xnf, C, V);
    inputGrad(s.dxn, acts.dlogits, model.w(model.head), C, V);
  }
  rmsnormBackward(rec, { dx: s.dres, dg: model.g('norm') }, s.dxn, acts.xf, model.w('norm'), acts.rstdf, { R, C });

  for (let l = c.nLayers - 1; l >= 0; l--) {
    const L = acts.layers[l];
    const w = (n: string) => model.w(`layers.${l}.${n}`);
    const g = (n: string) => model.g(`layers.${l}.${n}`);
    // FFN: x' = x1 + g·w2ᵀ. dres (∂L/∂x') flows to x1 unchanged and through the FFN.
    weightGrad(g('feed_forward.w2'), s.dres, L.g, F, C);
    inputGrad(s.dg, s.dres, w('feed_forward.w2'), F, C);
    swigluBackward(rec, { da: s.da, db: s.db }, s.dg, L.a, L.b, R * F);
    weightGrad(g('feed_forward.w1'), s.da, L.xn2, C, F);
    weightGrad(g('feed_forward.w3'), s.db, L.xn2, C, F);
    inputGrad(s.dxn, s.da, w('feed_forward.w1'), C, F);
    inputGrad(s.dxn, s.db, w('feed_forward.w3'), C, F, true);
    rmsnormBackward(rec, { dx: s.tmp, dg: g('ffn_norm') }, s.dxn, L.x1, w('ffn_norm'), L.rstd2, { R, C });
    axpy(rec, s.dres, s.tmp, R * C); // dres = ∂L/∂x1
    // Attention: x1 = x + y·woᵀ.
    weightGrad(g('attention.wo'), s.dres, L.y, Q, C);
    inputGrad(s.dy, s.dres, w('attention.wo'), Q, C);
    if (fusedAttention) attentionFusedBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, dsum: s.datt }, s.dy, { q: L.q, k: L.k, v: L.v, out: L.y, lse: L.att }, { B, T, H, KH, hs });
    else attentionBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, datt: s.datt }, s.dy, L.q, L.k, L.v, L.att, { B, T, H, KH, hs });
    ropeBackward(rec, s.dq, s.dq, model.rope, ropeShape(H));
    ropeBackward(rec, s.dk, s.dk, model.rope, ropeShape(KH));
    weightGrad(g('attention.wq'), s.dq, L.xn, C, Q);
    weightGrad(g('attention.wk'), s.dk, L.xn, C, KV);
    weightGrad(g('attention.wv'), s.dv, L.xn, C, KV);
    inputGrad(s.dxn, s.dq, w('attention.wq'), C, Q);
    inputGrad(s.dxn, s.dk, w('attention.wk'), C, KV, true);
    inputGrad(s.dxn, s.dv, w('attention.wv'), C, KV, true);
    rmsnormBackward(rec, { dx: s.tmp, dg: g('attention_norm') }, s.dxn, L.x, w('attention_norm'), L.rstd, { R, C });
    axpy(rec, s.dres, s.tmp, R * C); // dres = ∂L/∂x (the layer input)
  }
  embeddingBackward(rec, model.g('tok_embeddings'), s.dres, csr, { R, C, V });
}
