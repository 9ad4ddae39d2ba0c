// CPU references for embedding_forward.wgsl and embedding_backward.wgsl: the token embedding
// lookup x[r, :] = wte[tokens[r], :] over R = B·T positions, and its gradient scattered back into
// the table. Outputs first; Float64 math.
import type { Floats } from './floats.ts';

/** x [R, C] = wte [V, C] rows picked by tokens [R] (ids < V). */
export function embeddingForwardRef(x: Float64Array, tokens: ArrayLike<number>, wte: Floats, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const src = tokens[r] * C;
    for (let c = 0; c < C; c++) x[r * C + c] = wte[src + c];
  }
}

/** dwte [V, C] += Σ_{r: tokens[r] = v} dx[r, :] (accumulates: a tied output head adds its part too). */
export function embeddingBackwardRef(dwte: Float64Array, dx: Floats, tokens: ArrayLike<number>, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const dst = tokens[r] * C;
    for (let c = 0; c < C; c++) dwte[dst + c] += dx[r * C + c];
  }
}
