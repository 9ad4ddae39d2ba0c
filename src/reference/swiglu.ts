// CPU references for swiglu_forward.wgsl and swiglu_backward.wgsl: the gate of the SwiGLU
// feed-forward, out = silu(a) ⊙ b with a = x·w1ᵀ, b = x·w3ᵀ (elementwise over n = R·F values).
import type { Floats } from './floats.ts';

export function sigmoid(a: number): number {
  return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
}

/** out [n] = silu(a) ⊙ b, silu(a) = a·σ(a). */
export function swigluForwardRef(out: Float64Array, a: Floats, b: Floats, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * sigmoid(a[i]) * b[i];
}

/** da [n] = dout ⊙ b ⊙ σ(a)(1 + a(1 − σ(a))), db [n] = dout ⊙ silu(a); both assigned. */
export function swigluBackwardRef(da: Float64Array, db: Float64Array, dout: Floats, a: Floats, b: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const s = sigmoid(a[i]);
    da[i] = dout[i] * b[i] * s * (1 + a[i] * (1 - s));
    db[i] = dout[i] * a[i] * s;
  }
}
