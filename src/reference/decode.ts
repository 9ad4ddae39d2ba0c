// CPU twins of the fused decode-step kernels (src/kernels/decode.ts), in Float64, written as the
// unfused chain they replace (rmsnorm, then the products, then RoPE / softmax / SwiGLU / the
// residual add), so a test of kernel vs twin checks the fusion as well as the arithmetic.
// Weights come from one flat parameter array at float offsets, as the kernels read them.
import { ropeTable } from './rope.ts';

type Floats = ArrayLike<number>;

/** n [C] = x ⊙ g / sqrt(mean x² + eps). */
function rmsnormRow(x: Floats, xOff: number, w: Floats, gOff: number, C: number, eps: number): Float64Array {
  let ss = 0;
  for (let k = 0; k < C; k++) ss += x[xOff + k] * x[xOff + k];
  const s = 1 / Math.sqrt(ss / C + eps);
  const n = new Float64Array(C);
  for (let k = 0; k < C; k++) n[k] = w[gOff + k] * (x[xOff + k] * s);
  return n;
}

/** out [N] = n · W[N, K]ᵀ with W at wOff. */
function product(n: Floats, w: Floats, wOff: number, N: number, K: number): Float64Array {
  const out = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += n[k] * w[wOff + j * K + k];
    out[j] = acc;
  }
  return out;
}

/** decode_matvec: y [B, N] = (res +) rmsnorm?(x)·Wᵀ. */
export function decodeMatvecRef(x: Floats, w: Floats, off: { w: number; g?: number }, B: number, K: number, N: number, eps = 0, res?: Floats): Float64Array {
  const y = new Float64Array(B * N);
  for (let b = 0; b < B; b++) {
    const n = off.g !== undefined ? rmsnormRow(x, b * K, w, off.g, K, eps) : Float64Array.from({ length: K }, (_, k) => x[b * K + k]);
    const p = product(n, w, off.w, N, K);
    for (let j = 0; j < N; j++) y[b * N + j] = p[j] + (res ? res[b * N + j] : 0);
  }
  return y;
}

/** decode_gate_up: y [B, F] = silu(rmsnorm(x)·W1ᵀ) ⊙ rmsnorm(x)·W3ᵀ. */
export function decodeGateUpRef(x: Floats, w: Floats, off: { w1: number; w3: number; g: number }, B: number, K: number, F: number, eps: number): Float64Array {
  const y = new Float64Array(B * F);
  for (let b = 0; b < B; b++) {
    const n = rmsnormRow(x, b * K, w, off.g, K, eps);
    const a = product(n, w, off.w1, F, K);
    const u = product(n, w, off.w3, F, K);
    for (let f = 0; f < F; f++) y[b * F + f] = (a[f] / (1 + Math.exp(-a[f]))) * u[f];
  }
  return y;
}

export interface DecodeQkvRefShape {
  B: number;
  C: number;
  H: number;
  KH: number;
  hs: number;
  pos: number;
  Tmax: number;
  convention: 'interleaved' | 'half';
  eps: number;
  ropeTheta?: number;
}

/** decode_qkv: q [B, H·hs] and the cache rows [b, pos] of k and v (written into kCache, vCache). */
export function decodeQkvRef(
  x: Floats,
  w: Floats,
  off: { wq: number; wk: number; wv: number; g: number },
  s: DecodeQkvRefShape,
  kCache: Float64Array,
  vCache: Float64Array,
): Float64Array {
  const { B, C, H, KH, hs, pos, Tmax } = s;
  const Q = H * hs;
  const KV = KH * hs;
  const table = ropeTable(pos + 1, hs, s.ropeTheta ?? 10000);
  const rotate = (v: Float64Array, heads: number) => {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < hs / 2; i++) {
        const [i0, i1] = s.convention === 'half' ? [h * hs + i, h * hs + i + hs / 2] : [h * hs + 2 * i, h * hs + 2 * i + 1];
        const c = table[(pos * (hs / 2) + i) * 2];
        const sn = table[(pos * (hs / 2) + i) * 2 + 1];
        const a = v[i0];
        const b = v[i1];
        v[i0] = a * c - b * sn;
        v[i1] = a * sn + b * c;
      }
    }
  };
  const q = new Float64Array(B * Q);
  for (let b = 0; b < B; b++) {
    const n = rmsnormRow(x, b * C, w, off.g, C, s.eps);
    const qb = product(n, w, off.wq, Q, C);
    const kb = product(n, w, off.wk, KV, C);
    const vb = product(n, w, off.wv, KV, C);
    rotate(qb, H);
    rotate(kb, KH);
    q.set(qb, b * Q);
    kCache.set(kb, (b * Tmax + pos) * KV);
    vCache.set(vb, (b * Tmax + pos) * KV);
  }
  return q;
}

/** decode_attention: y [B, H·hs] = softmax(q·kᵀ/√hs)·v over the first Tk rows of each cache. */
export function decodeAttentionRef(q: Floats, kCache: Floats, vCache: Floats, s: { B: number; H: number; KH: number; hs: number; Tmax: number; Tk: number }): Float64Array {
  const { B, H, KH, hs, Tmax, Tk } = s;
  const KV = KH * hs;
  const y = new Float64Array(B * H * hs);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / (H / KH));
      const sc = new Float64Array(Tk);
      for (let j = 0; j < Tk; j++) {
        let d = 0;
        for (let i = 0; i < hs; i++) d += q[(b * H + h) * hs + i] * kCache[(b * Tmax + j) * KV + kvh * hs + i];
        sc[j] = d / Math.sqrt(hs);
      }
      const mx = Math.max(...sc);
      let sum = 0;
      for (let j = 0; j < Tk; j++) sum += (sc[j] = Math.exp(sc[j] - mx));
      for (let i = 0; i < hs; i++) {
        let acc = 0;
        for (let j = 0; j < Tk; j++) acc += (sc[j] / sum) * vCache[(b * Tmax + j) * KV + kvh * hs + i];
        y[(b * H + h) * hs + i] = acc;
      }
    }
  }
  return y;
}
