// matmul_tiled_vec4 — the same product as matmul.wgsl (C[b] = α · op(A[b]) · op(B[b]) (+ C[b])), for
// large products on GPUs: a workgroup of 16×16 invocations computes a 128×128 tile of C, each
// invocation an 8×8 block held in sixteen vec4 accumulators.
// Why a second tiled kernel: matmul_tiled.wgsl's 4×4 blocks read 8 scalars of workgroup memory per
// 16 multiply-adds, which bounds it by workgroup-memory bandwidth on a GPU long before the FMA units;
// here each k step reads 4 vec4s (2 of op(A), 2 of op(B)) for 64 multiply-adds — the layout that
// register-blocked SGEMMs use to get near the FP32 peak. Which kernel runs is measured
// (src/kernels/matmul_tuning.ts): on small products the 128×128 tile leaves most of a GPU idle, and on
// CPU drivers (lavapipe, SwiftShader) barriers and workgroup memory lose to the register kernels.
//
// Layout. The K dimension is walked in slices of BK = 8. A slice of op(A) (128 rows × 8) is kept
// k-major as vec4s of four consecutive rows: tileA[k * ROW + i] = op(A)[m0 + 4i .. 4i+3, k0 + k];
// tileB likewise holds four consecutive columns of op(B). Invocation (x, y) owns rows 4y .. 4y+3 and
// 64 + 4y .. 64 + 4y+3 and the same split of columns by x: per k it reads tileA[k][y], tileA[k][16+y],
// tileB[k][x], tileB[k][16+x] — consecutive vec4s across x (no bank conflicts), one broadcast
// address across the 16 invocations of a row y. ROW = 33 vec4s (one of padding) spreads the stores
// of a slice whose source is contiguous along k over all 32 banks.
// Latency: while the invocations multiply slice s from workgroup memory, each already holds its
// 4 + 4 values of slice s + 1 in registers (loaded before the multiply-adds), so global-memory
// latency overlaps with arithmetic instead of stalling between barriers.
// Edges: values outside op(A) / op(B) load as 0 (adding exact zeros changes nothing); outputs
// outside C are not stored. Every output is the same sequential fma chain over k as in matmul.wgsl.
// Split K (SPLITS > 1, GPUs only: a product with a small C and a long K — a weight gradient, K = the
// batch's tokens — has too few tiles to fill the GPU): workgroup z multiplies one run of K into a
// scratch buffer that matmul_splitk_reduce.wgsl sums (common/matmul_tiles.wgsl).
//
// Bindings, as matmul.wgsl:
//   0 params  uniform Params
//   1 A       [batch] × (TRANS_A ? [K, M] : [M, K])   read
//   2 B       [batch] × (TRANS_B ? [N, K] : [K, N])   read
//   3 C       [batch] × [M, N]                        = or += (accumulate)
// Params, TRANS_A, TRANS_B and the bindings P, C: shaders/common/matmul_bindings.wgsl; A, B and
// ldA/ldB (f32 or f16 storage, read as f32): shaders/common/matmul_inputs_f32.wgsl / _f16.wgsl;
// SPLITS, load_a, load_b and tile_origin: shaders/common/matmul_tiles.wgsl.

const TILE: u32 = 128u; // rows and columns of C per workgroup
const BK: u32 = 8u;     // K slice held in workgroup memory
const ROW: u32 = 33u;   // vec4s per k of a tile: 32 (128 rows or columns) + 1 of padding

var<workgroup> tileA: array<vec4<f32>, 264>; // [BK][ROW]
var<workgroup> tileB: array<vec4<f32>, 264>; // [BK][ROW]

// Element e (0 .. 1023) of a slice, as (row or column within the tile, k within the slice), walked
// so that consecutive invocations read consecutive addresses of the stored layout: along k where the
// source is contiguous along k (op(A) untransposed, op(B) transposed), else along the tile.
fn slice_pos(e: u32, along_k: bool) -> vec2<u32> {
  return select(vec2<u32>(e % TILE, e / TILE), vec2<u32>(e / BK, e % BK), along_k);
}

/** One invocation's share of a slice: 4 values of op(A) and 4 of op(B) (1024 each per slice). */
struct Slice {
  a: array<f32, 4>,
  b: array<f32, 4>,
}

/** Invocation tid's share of the slice of K starting at k0: elements tid + 256·r, 0 past this
 *  workgroup's run of K. */
fn load_slice(o: TileOrigin, tid: u32, k0: u32) -> Slice {
  var s: Slice;
  for (var r = 0u; r < 4u; r++) {
    let pA = slice_pos(tid + 256u * r, !TRANS_A);
    s.a[r] = load_a(o.baseA, o.m0 + pA.x, k0 + pA.y, o.kEnd);
    let pB = slice_pos(tid + 256u * r, TRANS_B);
    s.b[r] = load_b(o.baseB, k0 + pB.y, o.n0 + pB.x, o.kEnd);
  }
  return s;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let o = tile_origin(wg, TILE, BK);

  // acc[r] (r < 8): row r of the block (rows 4y + r, then 64 + 4y + r - 4), columns 4x .. 4x+3;
  // acc[8 + r]: the same row, columns 64 + 4x .. 64 + 4x+3.
  var acc: array<vec4<f32>, 16>;
  // The next slice's values, held in registers while the current one is multiplied.
  var next = load_slice(o, tid, o.kBegin);

  for (var k0 = o.kBegin; k0 < o.kEnd; k0 += BK) {
    for (var r = 0u; r < 4u; r++) {
      let pA = slice_pos(tid + 256u * r, !TRANS_A);
      tileA[pA.y * ROW + pA.x / 4u][pA.x % 4u] = next.a[r];
      let pB = slice_pos(tid + 256u * r, TRANS_B);
      tileB[pB.y * ROW + pB.x / 4u][pB.x % 4u] = next.b[r];
    }
    workgroupBarrier();
    // Prefetch the next slice (zeros past K) before multiplying this one.
    if (k0 + BK < o.kEnd) { next = load_slice(o, tid, k0 + BK); }
    for (var k = 0u; k < BK; k++) {
      let a0 = tileA[k * ROW + lid.y];
      let a1 = tileA[k * ROW + 16u + lid.y];
      let b0 = tileB[k * ROW + lid.x];
      let b1 = tileB[k * ROW + 16u + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i] = fma(vec4<f32>(a0[i]), b0, acc[i]);
        acc[8u + i] = fma(vec4<f32>(a0[i]), b1, acc[8u + i]);
        acc[4u + i] = fma(vec4<f32>(a1[i]), b0, acc[4u + i]);
        acc[12u + i] = fma(vec4<f32>(a1[i]), b1, acc[12u + i]);
      }
    }
    workgroupBarrier();
  }

  let cn0 = o.n0 + 4u * lid.x;
  let cn1 = o.n0 + 64u + 4u * lid.x;
  for (var i = 0u; i < 4u; i++) {
    let r0 = o.m0 + 4u * lid.y + i;
    let r1 = o.m0 + 64u + 4u * lid.y + i;
    store_row(o.baseC, r0, cn0, acc[i]);
    store_row(o.baseC, r0, cn1, acc[8u + i]);
    store_row(o.baseC, r1, cn0, acc[4u + i]);
    store_row(o.baseC, r1, cn1, acc[12u + i]);
  }
}
