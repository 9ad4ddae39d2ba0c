// The rotary position embedding's cos/sin table and shape (what rope_forward.wgsl reads): plain
// host math with no GPU code, so the engine (src/kernels/rope.ts, src/model), the ONNX export and
// the CPU reference (src/reference/rope.ts) all take the table from here.
//
// x [R, nHeads·hs] holds R = B·T rows; row r is at position pos = (r mod T) + posOffset. Pair i
// (0 ≤ i < hs/2) of each head is rotated by pos·freq_i, freq_i = θ^(−2i/hs); the pair is elements
// (2i, 2i+1) of the head ('interleaved', llama2.c) or (i, i + hs/2) ('half', Hugging Face).
export type RopeConvention = 'interleaved' | 'half';

export interface RopeShape {
  /** Rows (B·T). */
  R: number;
  /** Sequence length of the batch: row r is at position (r mod T) + posOffset. */
  T: number;
  nHeads: number;
  /** Head size (even). */
  hs: number;
  /** Position of each sequence's first row (the KV-cache length when decoding). Default 0. */
  posOffset?: number;
  convention: RopeConvention;
  /** θ (default 10000); used when no table is given. */
  theta?: number;
}

/**
 * The cos/sin table [maxPos, hs/2, 2] (cos, sin of pos·freq_i), computed in f32 exactly as llama2.c
 * run.c does: freq = 1.0f / powf(θ, head_dim / (float)hs) with head_dim = 2i, val = pos * freq in
 * f32, then cosf(val), sinf(val) (each step rounded to f32 with Math.fround). The GPU kernel reads
 * this table, so GPU RoPE rotates by exactly llama2.c's angles.
 */
export function ropeTable(maxPos: number, hs: number, theta = 10000): Float32Array {
  const f = Math.fround;
  const half = hs / 2;
  const table = new Float32Array(maxPos * half * 2);
  for (let i = 0; i < half; i++) {
    const exponent = f(f(2 * i) / f(hs));
    const freq = f(1 / f(Math.pow(f(theta), exponent)));
    for (let pos = 0; pos < maxPos; pos++) {
      const val = f(f(pos) * freq);
      table[(pos * half + i) * 2] = f(Math.cos(val));
      table[(pos * half + i) * 2 + 1] = f(Math.sin(val));
    }
  }
  return table;
}
