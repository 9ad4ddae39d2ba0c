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
  // A saved activation as a product's operand: the f32 buffer, or (mixed) its f16 copy in
  // mp.scratch.x, cast once and read by the products that follow.
  const actOperand = (x: BufferBinding, n: number): BufferBinding => (mp ? mp.activation(rec, x, n) : x);
  // The backward of y [rows, out] = x·Wᵀ (W = weight `name`, [out, in]; x an operand already):
  // dW += dyᵀ·x, and dx [rows, in] (= or +=) dy·W. In mixed precision dy is cast to f16 once for
  // both products (times the loss scale when it is the loss gradient: `scaled`) and W is read from
  // its f16 copy.
  const linearBackward = (name: string, dx: BufferBinding, dy32: BufferBinding, x: BufferBinding, inDim: number, outDim: number, o: { accumulate?: boolean; rows?: number; scaled?: boolean } = {}) => {
    const rows = o.rows ?? R;
    const dy = mp ? mp.gradient(rec, dy32, rows * outDim, o.scaled) : dy32;
    matmul(rec, model.g(name), dy, x, { M: outDim, N: inDim, K: rows, transA: true, accumulate: true, half });
    matmul(rec, dx, dy, mp ? mp.w(name) : model.w(name), { M: rows, N: inDim, K: outDim, accumulate: o.accumulate ?? false, half });
  };

  if (head) {
    // The head on the gathered rows (scratch.tmp, from the forward), then their gradient scattered
    // back into dxn [R, C] (zero on rows without logits) — embedding_backward with dxn as the table.
    linearBackward(model.head, s.dres, acts.dlogits, actOperand(s.tmp, head.count * C), C, V, { rows: head.count, scaled: true });
    rec.clear(s.dxn);
    embeddingBackward(rec, s.dxn, s.dres, { order: head.order, offsets: head.offsets }, { R: head.count, C, V: R });
  } else {
    linearBackward(model.head, s.dxn, acts.dlogits, actOperand(acts.xnf, R * C), C, V, { scaled: true });
  }
  rmsnormBackward(rec, { dx: s.dres, dg: model.g('norm') }, s.dxn, acts.xf, model.w('norm'), acts.rstdf, { R, C });

  for (let l = c.nLayers - 1; l >= 0; l--) {
    const L = acts.layers[l];
    const w = (n: string) => model.w(`layers.${l}.${n}`);
    const g = (n: string) => model.g(`layers.${l}.${n}`);
    const p = `layers.${l}.`;
    // FFN: x' = x1 + g·w2ᵀ. dres (∂L/∂x') flows to x1 unchanged and through the FFN.
    linearBackward(`${p}feed_forward.w2`, s.dg, s.dres, actOperand(L.g, R * F), F, C);
    swigluBackward(rec, { da: s.da, db: s.db }, s.dg, L.a, L.b, R * F);
    const xn2 = actOperand(L.xn2, R * C);
    linearBackward(`${p}feed_forward.w1`, s.dxn, s.da, xn2, C, F);
    linearBackward(`${p}feed_forward.w3`, s.dxn, s.db, xn2, C, F, { accumulate: true });
    rmsnormBackward(rec, { dx: s.tmp, dg: g('ffn_norm') }, s.dxn, L.x1, w('ffn_norm'), L.rstd2, { R, C });
    axpy(rec, s.dres, s.tmp, R * C); // dres = ∂L/∂x1
    // Attention: x1 = x + y·woᵀ.
    linearBackward(`${p}attention.wo`, s.dy, s.dres, actOperand(L.y, R * Q), Q, C);
    if (fusedAttention) {
      // Mixed precision: the fused kernels read f16 copies of q, k and v.
      const qkv = mp ? mp.attentionInputs(rec, L.q, L.k, L.v, R * Q, R * KV) : { q: L.q, k: L.k, v: L.v };
      attentionFusedBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, dsum: s.datt }, s.dy, { ...qkv, out: L.y, lse: L.att }, { B, T, H, KH, hs }, half);
    } else attentionBackward(rec, { dq: s.dq, dk: s.dk, dv: s.dv, datt: s.datt }, s.dy, L.q, L.k, L.v, L.att, { B, T, H, KH, hs });
    ropeBackward(rec, s.dq, s.dq, model.rope, ropeShape(H));
    ropeBackward(rec, s.dk, s.dk, model.rope, ropeShape(KH));
    const xn = actOperand(L.xn, R * C);
    linearBackward(`${p}attention.wq`, s.dxn, s.dq, xn, C, Q);
    linearBackward(`${p}attention.wk`, s.dxn, s.dk, xn, C, KV, { accumulate: true });
    linearBackward(`${p}attention.wv`, s.dxn, s.dv, xn, C, KV, { accumulate: true });
    rmsnormBackward(rec, { dx: s.tmp, dg: g('attention_norm') }, s.dxn, L.x, w('attention_norm'), L.rstd, { R, C });
    axpy(rec, s.dres, s.tmp, R * C); // dres = ∂L/∂x (the layer input)
  }
  embeddingBackward(rec, model.g('tok_embeddings'), s.dres, csr, { R, C, V });
}
