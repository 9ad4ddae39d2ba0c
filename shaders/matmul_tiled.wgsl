// matmul_tiled — the same product as matmul.wgsl (C[b] = α · op(A[b]) · op(B[b]) (+ C[b])), for
// GPUs: workgroup-memory tiling combined with register blocking. A workgroup of 16×16 invocations
// computes a 64×64 tile of C; the K dimension is walked in slices of 16: each slice of op(A)
// (64×16) and op(B) (16×64) is loaded once into workgroup memory by all 256 invocations (zero
// outside the matrix), then each invocation accumulates its 4×4 block from it.
// On CPU drivers (lavapipe, SwiftShader) the barriers and workgroup-memory traffic cost more than
// they save, so the launcher uses matmul.wgsl there.
// Split K (SPLITS > 1, GPUs): workgroup z multiplies one run of K into a scratch buffer that
// matmul_splitk_reduce.wgsl sums (common/matmul_tiles.wgsl, with load_a / load_b).
//
// Bindings, as matmul.wgsl:
//   0 params  uniform Params
//   1 A       [batch] × (TRANS_A ? [K, M] : [M, K])   read
//   2 B       [batch] × (TRANS_B ? [N, K] : [K, N])   read
//   3 C       [batch] × [M, N]                        = or += (accumulate)
// Params, TRANS_A, TRANS_B and the bindings P, C: shaders/common/matmul_bindings.wgsl; A, B and
// ldA/ldB (f32 or f16 storage, read as f32): shaders/common/matmul_inputs_f32.wgsl / _f16.wgsl;
// SPLITS, load_a, load_b and tile_origin: shaders/common/matmul_tiles.wgsl.

const TILE: u32 = 64u; // rows and columns of C per workgroup
const BK: u32 = 16u;   // K slice held in workgroup memory
const R: u32 = 4u;     // R×R block per invocation (TILE / 16)

var<workgroup> tileA: array<f32, 1024>; // [BK][TILE]: tileA[k * TILE + m] = op(A)[m0 + m, k0 + k]
var<workgroup> tileB: array<f32, 1024>; // [BK][TILE]: tileB[k * TILE + n] = op(B)[k0 + k, n0 + n]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let o = tile_origin(wg, TILE, BK);

  var acc: array<f32, 16>; // R * R
  for (var k0 = o.kBegin; k0 < o.kEnd; k0 += BK) {
    // 1024 elements per tile, 256 invocations: 4 each. Index e = tid + 256·r walks the tile so
    // that consecutive invocations read consecutive addresses of the untransposed layout.
    for (var r = 0u; r < 4u; r++) {
      let e = tid + 256u * r;
      if (TRANS_A) {
        // A is [K, M]: contiguous along m.
        let k = e / TILE;
        let m = e % TILE;
        tileA[k * TILE + m] = load_a(o.baseA, o.m0 + m, k0 + k, o.kEnd);
      } else {
        // A is [M, K]: contiguous along k.
        let m = e / BK;
        let k = e % BK;
        tileA[k * TILE + m] = load_a(o.baseA, o.m0 + m, k0 + k, o.kEnd);
      }
      if (TRANS_B) {
        // B is [N, K]: contiguous along k.
        let n = e / BK;
        let k = e % BK;
        tileB[k * TILE + n] = load_b(o.baseB, k0 + k, o.n0 + n, o.kEnd);
      } else {
        let k = e / TILE;
        let n = e % TILE;
        tileB[k * TILE + n] = load_b(o.baseB, k0 + k, o.n0 + n, o.kEnd);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var a: array<f32, R>;
      var b: array<f32, R>;
      for (var i = 0u; i < R; i++) { a[i] = tileA[k * TILE + lid.y * R + i]; }
      for (var j = 0u; j < R; j++) { b[j] = tileB[k * TILE + lid.x * R + j]; }
      for (var i = 0u; i < R; i++) {
        for (var j = 0u; j < R; j++) {
          acc[i * R + j] = fma(a[i], b[j], acc[i * R + j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < R; i++) {
    let m = o.m0 + lid.y * R + i;
    if (m >= P.M) { break; }
    for (var j = 0u; j < R; j++) {
      let n = o.n0 + lid.x * R + j;
      if (n >= P.N) { break; }
      let idx = o.baseC + m * P.N + n;
      let v = P.alpha * acc[i * R + j];
      if (P.accumulate != 0u) { C[idx] = C[idx] + v; } else { C[idx] = v; }
    }
  }
}
