// CPU references for the elementwise kernels add.wgsl (out = a + b: the residual connection) and
// axpy.wgsl (y += α·x: gradient accumulation, the residual backward, in-place residual adds).
import type { Floats } from './floats.ts';

/** out[i] = a[i] + b[i] for i < n. */
export function addRef(out: Float64Array, a: Floats, b: Floats, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** y[yOffset + i] += α · x[xOffset + i] for i < n. */
export function axpyRef(y: Float64Array, x: Floats, n: number, alpha = 1, yOffset = 0, xOffset = 0): void {
  for (let i = 0; i < n; i++) y[yOffset + i] += alpha * x[xOffset + i];
}
