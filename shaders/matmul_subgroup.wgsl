// matmul_subgroup — the same product as matmul.wgsl (C[b] = α · op(A[b]) · op(B[b]) (+ C[b])), for
// adapters with the `subgroups` feature: the invocations of a subgroup share their loads of op(A)
// through subgroupShuffle instead of each loading them (or staging them in workgroup memory).
// A workgroup is one row of 64 invocations over the columns: all of them compute the same 8 rows of C
// (m0 = 8 · workgroup y), each its own 4 columns (n0 = 4 · global x), so every subgroup (whatever its
// size S, which the hardware decides: 4–128) needs the same op(A) values. The K dimension is walked in
// chunks of S: lane l loads op(A)[m0 .. m0+7, k0 + l] (two vec4s), then for each j < S every lane
// takes lane j's pair by shuffle and multiplies it by its own op(B)[k0 + j, n0 .. n0+3]:
// 8 × 4 multiply-adds per 4 loads of B and 2 shuffles, against 8 + 4 loads in matmul_vec4.wgsl
// (with WIDE, 8 columns: 8 × 8 per 8 loads and the same 2 shuffles).
// Subgroup operations need every lane present: lanes past the last column compute clamped values
// and skip the store (a workgroup past the last row returns as a whole, which keeps it uniform).
//
// Bindings, as matmul.wgsl:
//   0 params  uniform Params
//   1 A       [batch] × (TRANS_A ? [K, M] : [M, K])   read   (batch stride strideA; 0 = shared)
//   2 B       [batch] × (TRANS_B ? [N, K] : [K, N])   read   (batch stride strideB; 0 = shared)
//   3 C       [batch] × [M, N]                        = or += (accumulate)
// Params, TRANS_A, TRANS_B and the bindings P, C: shaders/common/matmul_bindings.wgsl; A, B and
// ldA/ldB (f32 or f16 storage, read as f32): shaders/common/matmul_inputs_f32.wgsl / _f16.wgsl;
// `enable subgroups` and the uniformity diagnostic: shaders/common/subgroups.wgsl (first).

const WG: u32 = 64u;
/** 8 columns per invocation instead of 4: each shuffled pair of A vec4s feeds twice the FMAs. */
override WIDE: bool = false;

@compute @workgroup_size(WG, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) S: u32) {
  let M = P.M;
  let N = P.N;
  let K = P.K;
  let m0 = wg.y * 8u;
  if (m0 >= M) { return; } // the whole workgroup: uniform
  let n0 = gid.x * select(4u, 8u, WIDE);
  let baseA = wg.z * P.strideA;
  let baseB = wg.z * P.strideB;
  let baseC = wg.z * P.strideC;

  // op(A)'s eight rows and op(B)'s four columns (WIDE: eight), clamped into range; steps between
  // consecutive k.
  let rowA = a_rows(baseA, m0);
  let rowA2 = a_rows(baseA, m0 + 4u);
  let colB = b_cols(baseB, n0);
  let colB2 = b_cols(baseB, n0 + 4u);
  let stepA = a_step();
  let stepB = b_step();

  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0);
  var c5 = vec4<f32>(0.0);
  var c6 = vec4<f32>(0.0);
  var c7 = vec4<f32>(0.0);
  var d0 = vec4<f32>(0.0);
  var d1 = vec4<f32>(0.0);
  var d2 = vec4<f32>(0.0);
  var d3 = vec4<f32>(0.0);
  var d4 = vec4<f32>(0.0);
  var d5 = vec4<f32>(0.0);
  var d6 = vec4<f32>(0.0);
  var d7 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += S) {
    // This lane's share of the chunk: op(A)[rows, k0 + lane] (0 past K).
    let kl = k0 + lane;
    let ok = kl < K;
    let oa = rowA + vec4<u32>(min(kl, K - 1u) * stepA);
    let oa2 = rowA2 + vec4<u32>(min(kl, K - 1u) * stepA);
    let mine = select(vec4<f32>(0.0), vec4<f32>(ldA(oa.x), ldA(oa.y), ldA(oa.z), ldA(oa.w)), ok);
    let mine2 = select(vec4<f32>(0.0), vec4<f32>(ldA(oa2.x), ldA(oa2.y), ldA(oa2.z), ldA(oa2.w)), ok);
    let n = min(S, K - k0);
    for (var j = 0u; j < S; j++) {
      // Every lane shuffles (all must take part); the chunk's last j past K adds zeros.
      let a = subgroupShuffle(mine, j);
      let a2 = subgroupShuffle(mine2, j);
      let k = min(k0 + j, K - 1u);
      let ob = colB + vec4<u32>(k * stepB);
      let b = select(vec4<f32>(0.0), vec4<f32>(ldB(ob.x), ldB(ob.y), ldB(ob.z), ldB(ob.w)), j < n);
      c0 = fma(vec4<f32>(a.x), b, c0);
      c1 = fma(vec4<f32>(a.y), b, c1);
      c2 = fma(vec4<f32>(a.z), b, c2);
      c3 = fma(vec4<f32>(a.w), b, c3);
      c4 = fma(vec4<f32>(a2.x), b, c4);
      c5 = fma(vec4<f32>(a2.y), b, c5);
      c6 = fma(vec4<f32>(a2.z), b, c6);
      c7 = fma(vec4<f32>(a2.w), b, c7);
      if (WIDE) {
        let ob2 = colB2 + vec4<u32>(k * stepB);
        let e = select(vec4<f32>(0.0), vec4<f32>(ldB(ob2.x), ldB(ob2.y), ldB(ob2.z), ldB(ob2.w)), j < n);
        d0 = fma(vec4<f32>(a.x), e, d0);
        d1 = fma(vec4<f32>(a.y), e, d1);
        d2 = fma(vec4<f32>(a.z), e, d2);
        d3 = fma(vec4<f32>(a.w), e, d3);
        d4 = fma(vec4<f32>(a2.x), e, d4);
        d5 = fma(vec4<f32>(a2.y), e, d5);
        d6 = fma(vec4<f32>(a2.z), e, d6);
        d7 = fma(vec4<f32>(a2.w), e, d7);
      }
    }
  }
  if (n0 >= N) { return; }
  store_row(baseC, m0, n0, c0);
  store_row(baseC, m0 + 1u, n0, c1);
  store_row(baseC, m0 + 2u, n0, c2);
  store_row(baseC, m0 + 3u, n0, c3);
  store_row(baseC, m0 + 4u, n0, c4);
  store_row(baseC, m0 + 5u, n0, c5);
  store_row(baseC, m0 + 6u, n0, c6);
  store_row(baseC, m0 + 7u, n0, c7);
  if (WIDE) {
    store_row(baseC, m0, n0 + 4u, d0);
    store_row(baseC, m0 + 1u, n0 + 4u, d1);
    store_row(baseC, m0 + 2u, n0 + 4u, d2);
    store_row(baseC, m0 + 3u, n0 + 4u, d3);
    store_row(baseC, m0 + 4u, n0 + 4u, d4);
    store_row(baseC, m0 + 5u, n0 + 4u, d5);
    store_row(baseC, m0 + 6u, n0 + 4u, d6);
    store_row(baseC, m0 + 7u, n0 + 4u, d7);
  }
}
