// Shared by the matmul kernels (matmul.wgsl, matmul_vec4.wgsl, matmul_tiled.wgsl,
// matmul_tiled_vec4.wgsl, matmul_subgroup.wgsl), which compute the same product with one launcher
// (src/kernels/matmul.ts): the shape uniform, the transposes, and the output binding.
// C[b] = α · op(A[b]) · op(B[b]) (+ C[b] when accumulate ≠ 0).
// The inputs A and B, and ldA/ldB that read them as f32, come from matmul_inputs_f32.wgsl or
// matmul_inputs_f16.wgsl (the launcher puts one of them in front): the kernels are written once.
struct Params {
  M: u32,
  N: u32,
  K: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  accumulate: u32,
  alpha: f32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// For the kernels that hold four rows or columns in a vec4 (matmul_vec4.wgsl, matmul_subgroup.wgsl):
// where op(A)'s rows m .. m+3 and op(B)'s columns n .. n+3 start at k = 0 for batch bases `base`,
// each clamped into range (out-of-range ones are read but never stored), and the steps between
// consecutive k along them.
fn a_rows(base: u32, m: u32) -> vec4<u32> {
  let r = min(vec4<u32>(m) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(P.M - 1u));
  return vec4<u32>(base) + select(r * P.K, r, TRANS_A);
}
fn b_cols(base: u32, n: u32) -> vec4<u32> {
  let c = min(vec4<u32>(n) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(P.N - 1u));
  return vec4<u32>(base) + select(c, c * P.K, TRANS_B);
}
fn a_step() -> u32 { return select(1u, P.M, TRANS_A); }
fn b_step() -> u32 { return select(P.N, 1u, TRANS_B); }

// For the kernels whose blocks are rows of four columns in a vec4 (matmul_vec4.wgsl,
// matmul_subgroup.wgsl, matmul_tiled_vec4.wgsl): stores α · v into C[m, n0 .. n0+3] (added with
// accumulate), skipping a row past M and columns past N.
fn store_row(baseC: u32, m: u32, n0: u32, v: vec4<f32>) {
  if (m >= P.M) { return; }
  let x = P.alpha * v;
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n >= P.N) { return; }
    let idx = baseC + m * P.N + n;
    if (P.accumulate != 0u) { C[idx] = C[idx] + x[j]; } else { C[idx] = x[j]; }
  }
}
