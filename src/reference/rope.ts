// CPU references for rope_forward.wgsl (rotary position embedding of Q or K, and its backward) and
// the cos/sin table the kernel reads.
//
// x [R, nHeads·hs] holds R = B·T rows; row r is at position pos = (r mod T) + posOffset. Head h's
// slice is columns h·hs .. (h+1)·hs. Pair i (0 ≤ i < hs/2) is rotated by the angle pos·freq_i,
// freq_i = θ^(−2i/hs), (v0, v1) → (v0·cos − v1·sin, v0·sin + v1·cos), where the pair is
//   'interleaved': elements (2i, 2i+1) of the head (llama2.c run.c, Meta's Llama), or
//   'half':        elements (i, i + hs/2)         (Hugging Face rotate_half).
// The backward is the transposed rotation, i.e. by −angle.
import type { Floats } from './floats.ts';

import { type RopeShape } from '../kernels/rope_table.ts';

export { ropeTable, type RopeConvention, type RopeShape } from '../kernels/rope_table.ts';

function rotate(out: Float64Array, x: Floats, s: RopeShape, table: Floats | undefined, sign: 1 | -1): void {
  const { R, T, nHeads, hs } = s;
  const half = hs / 2;
  const theta = s.theta ?? 10000;
  const posOffset = s.posOffset ?? 0;
  const width = nHeads * hs;
  for (let r = 0; r < R; r++) {
    const pos = (r % T) + posOffset;
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < half; i++) {
        let c: number;
        let sn: number;
        if (table) {
          c = table[(pos * half + i) * 2];
          sn = table[(pos * half + i) * 2 + 1];
        } else {
          const angle = pos * Math.pow(theta, (-2 * i) / hs);
          c = Math.cos(angle);
          sn = Math.sin(angle);
        }
        sn *= sign;
        const base = r * width + h * hs;
        const i0 = s.convention === 'interleaved' ? base + 2 * i : base + i;
        const i1 = s.convention === 'interleaved' ? base + 2 * i + 1 : base + i + half;
        const v0 = x[i0];
        const v1 = x[i1];
        out[i0] = v0 * c - v1 * sn;
        out[i1] = v0 * sn + v1 * c;
      }
    }
  }
}

/** out [R, nHeads·hs] = RoPE(x) (out may be x). Angles from `table` (ropeTable) if given, else Float64. */
export function ropeForwardRef(out: Float64Array, x: Floats, s: RopeShape, table?: Floats): void {
  rotate(out, x, s, table, 1);
}

/** dx [R, nHeads·hs] = RoPE⁻¹(dout): the rotation by −angle (dx may be dout). */
export function ropeBackwardRef(dx: Float64Array, dout: Floats, s: RopeShape, table?: Floats): void {
  rotate(dx, dout, s, table, -1);
}
