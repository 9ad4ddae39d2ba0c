// CPU references for rmsnorm_forward.wgsl, rmsnorm_backward.wgsl and rmsnorm_gain_backward.wgsl:
// y = x · rstd · g per row of x [R, C], rstd = 1 / sqrt(mean(x²) + eps). Outputs first; Float64.
import type { Floats } from './floats.ts';

/** y [R, C] =, rstd [R] = (saved for the backward). */
export function rmsnormForwardRef(y: Float64Array, rstd: Float64Array, x: Floats, g: Floats, R: number, C: number, eps: number): void {
  for (let r = 0; r < R; r++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[r * C + c] * x[r * C + c];
    const s = 1 / Math.sqrt(ss / C + eps);
    rstd[r] = s;
    for (let c = 0; c < C; c++) y[r * C + c] = x[r * C + c] * s * g[c];
  }
}

/**
 * dx [R, C] = (assigned), dg [C] += (accumulated over rows and calls).
 * With n = x·rstd (the normalised row) and dn = dy ⊙ g:
 *   dx = rstd · (dn − n · mean(dn ⊙ n)),   dg += Σ_r dy ⊙ n.
 */
export function rmsnormBackwardRef(
  dx: Float64Array,
  dg: Float64Array,
  dy: Floats,
  x: Floats,
  g: Floats,
  rstd: Floats,
  R: number,
  C: number,
): void {
  for (let r = 0; r < R; r++) {
    const s = rstd[r];
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dy[r * C + c] * g[c] * x[r * C + c] * s;
    const mean = dot / C;
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const n = x[i] * s;
      dx[i] = s * (dy[i] * g[c] - n * mean);
      dg[c] += dy[i] * n;
    }
  }
}
