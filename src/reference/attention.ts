// CPU references for the causal self-attention kernels (attention_*.wgsl) with grouped-query
// attention: H query heads share KH key/value heads, query head h reads kv head h / (H / KH).
//
// Layouts (row-major f32): q [B·T, H·hs]; k, v [B·kvT, KH·hs] (kvT = T in training, the cache's
// Tmax when decoding); out [B·T, H·hs]; att [B, H, T, Tk] with Tk = posOffset + T, the softmax
// probabilities (0 at masked positions). Query row t of a sequence sits at position posOffset + t
// and attends to keys 0 ..= posOffset + t. Scores are q·k / sqrt(hs).
import type { AttentionShape } from '../kernels/attention.ts';
import type { Floats } from './floats.ts';

export type { AttentionShape } from '../kernels/attention.ts';

/** out [B·T, H·hs] = softmax(q·kᵀ/√hs, causal)·v per head; att [B, H, T, posOffset+T] = the probabilities. */
export function attentionForwardRef(out: Float64Array, att: Float64Array | null, q: Floats, k: Floats, v: Floats, s: AttentionShape): void {
  const { B, T, H, KH, hs } = s;
  const posOffset = s.posOffset ?? 0;
  const kvT = s.kvT ?? T;
  const Tk = posOffset + T;
  const group = H / KH;
  const scale = 1 / Math.sqrt(hs);
  const p = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const qi = (b * T + t) * H * hs + h * hs;
        const last = posOffset + t;
        let max = -Infinity;
        for (let j = 0; j <= last; j++) {
          const ki = (b * kvT + j) * KH * hs + kvh * hs;
          let dot = 0;
          for (let d = 0; d < hs; d++) dot += q[qi + d] * k[ki + d];
          p[j] = dot * scale;
          if (p[j] > max) max = p[j];
        }
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          p[j] = Math.exp(p[j] - max);
          sum += p[j];
        }
        for (let j = 0; j < Tk; j++) p[j] = j <= last ? p[j] / sum : 0;
        if (att) att.set(p, ((b * H + h) * T + t) * Tk);
        for (let d = 0; d < hs; d++) {
          let acc = 0;
          for (let j = 0; j <= last; j++) acc += p[j] * v[(b * kvT + j) * KH * hs + kvh * hs + d];
          out[qi + d] = acc;
        }
      }
    }
  }
}

/**
 * Backward of the training forward (posOffset 0, kvT = T): dq [B·T, H·hs], dk, dv [B·T, KH·hs],
 * all assigned; dk and dv sum over the H/KH query heads of each kv head. With P = att, for each
 * (b, h): dP = dout·vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dq = dS·k/√hs, dk = dSᵀ·q/√hs, dv = Pᵀ·dout.
 */
export function attentionBackwardRef(
  dq: Float64Array,
  dk: Float64Array,
  dv: Float64Array,
  dout: Floats,
  q: Floats,
  k: Floats,
  v: Floats,
  att: Floats,
  s: AttentionShape,
): void {
  const { B, T, H, KH, hs } = s;
  const group = H / KH;
  const scale = 1 / Math.sqrt(hs);
  dq.fill(0, 0, B * T * H * hs);
  dk.fill(0, 0, B * T * KH * hs);
  dv.fill(0, 0, B * T * KH * hs);
  const dS = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const qi = (b * T + t) * H * hs + h * hs;
        const arow = ((b * H + h) * T + t) * T;
        let rowDot = 0;
        for (let j = 0; j <= t; j++) {
          const vi = (b * T + j) * KH * hs + kvh * hs;
          let dp = 0;
          for (let d = 0; d < hs; d++) dp += dout[qi + d] * v[vi + d];
          dS[j] = dp;
          rowDot += att[arow + j] * dp;
        }
        for (let j = 0; j <= t; j++) {
          const a = att[arow + j];
          const ds = a * (dS[j] - rowDot) * scale;
          const ki = (b * T + j) * KH * hs + kvh * hs;
          for (let d = 0; d < hs; d++) {
            dq[qi + d] += ds * k[ki + d];
            dk[ki + d] += ds * q[qi + d];
            dv[ki + d] += a * dout[qi + d];
          }
        }
      }
    }
  }
}
