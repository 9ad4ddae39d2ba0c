// Shared by the two workgroup-tiled matmul kernels (matmul_tiled.wgsl, matmul_tiled_vec4.wgsl), after
// matmul_bindings.wgsl: bounded loads of op(A) and op(B), and the run of K a workgroup multiplies.
// Split K (SPLITS > 1, GPUs only): workgroup z = b · SPLITS + s takes the s-th of SPLITS equal runs of
// K, in whole slices of `bk`, and writes its partial product to C[z] (the launcher binds a scratch
// buffer there, strideC = M·N, α = 1, no accumulate); matmul_splitk_reduce.wgsl then sums the
// partials into the real C. With SPLITS = 1, z = b and the run is all of K.

override SPLITS: u32 = 1u;

/** op(A)[m, k], 0 outside the matrix or past kEnd (the end of this workgroup's run of K). */
fn load_a(base: u32, m: u32, k: u32, kEnd: u32) -> f32 {
  if (m >= P.M || k >= kEnd) { return 0.0; }
  return ldA(base + select(m * P.K + k, k * P.M + m, TRANS_A));
}

/** op(B)[k, n], 0 outside the matrix or past kEnd. */
fn load_b(base: u32, k: u32, n: u32, kEnd: u32) -> f32 {
  if (k >= kEnd || n >= P.N) { return 0.0; }
  return ldB(base + select(k * P.N + n, n * P.K + k, TRANS_B));
}

/** Where workgroup `wg` works: its tile's first row and column, its run of K, and the bases of its
 *  batch entry in A and B and of its output in C (the scratch's z-th partial when split). */
struct TileOrigin {
  m0: u32,
  n0: u32,
  kBegin: u32,
  kEnd: u32,
  baseA: u32,
  baseB: u32,
  baseC: u32,
}

fn tile_origin(wg: vec3<u32>, tile: u32, bk: u32) -> TileOrigin {
  let run = (((P.K + SPLITS - 1u) / SPLITS + bk - 1u) / bk) * bk; // K per split, whole slices
  let kBegin = (wg.z % SPLITS) * run;
  let batch = wg.z / SPLITS;
  return TileOrigin(wg.y * tile, wg.x * tile, kBegin, min(P.K, kBegin + run), batch * P.strideA, batch * P.strideB, wg.z * P.strideC);
}
