// matmul_vec4 — the same product as matmul.wgsl (C[b] = α · op(A[b]) · op(B[b]) (+ C[b])), with
// each invocation's 4×4 block of C (4×8 with WIDE, 8×8 with WIDE and TALL) held in vec4
// accumulators instead of a private array.
// Why a third kernel: matmul.wgsl indexes private arrays (acc[i * TN + j], a[i], b[j]); a driver
// that keeps such arrays in memory rather than registers (SwiftShader's JIT does for dynamic
// indices) pays a load and a store per multiply-add. Here every value is a named vec4 or scalar and
// each step is four vec4 FMAs: row i of the block += a_i · (b_0, b_1, b_2, b_3) (eight with WIDE,
// which reuses each loaded a_i twice: 12 loads per 32 multiply-adds instead of 8 per 16). Which kernel a
// device runs is measured (src/kernels/matmul_tuning.ts), not assumed.
// Out-of-range rows/columns are clamped on load and skipped on store, as in matmul.wgsl.
//
// Bindings, as matmul.wgsl:
//   0 params  uniform Params
//   1 A       [batch] × (TRANS_A ? [K, M] : [M, K])   read   (batch stride strideA; 0 = shared)
//   2 B       [batch] × (TRANS_B ? [N, K] : [K, N])   read   (batch stride strideB; 0 = shared)
//   3 C       [batch] × [M, N]                        = or += (accumulate)
// Params, TRANS_A, TRANS_B and the bindings P, C: shaders/common/matmul_bindings.wgsl; A, B and
// ldA/ldB (f32 or f16 storage, read as f32): shaders/common/matmul_inputs_f32.wgsl / _f16.wgsl.

override WGX: u32 = 8u;
override WGY: u32 = 8u;
override WIDE: bool = false;
override TALL: bool = false;
override TN: u32 = select(4u, 8u, WIDE);
override TM: u32 = select(4u, 8u, TALL);

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = P.M;
  let N = P.N;
  let K = P.K;
  let m0 = gid.y * TM;
  let n0 = gid.x * TN;
  if (m0 >= M || n0 >= N) { return; }
  let baseA = gid.z * P.strideA;
  let baseB = gid.z * P.strideB;
  let baseC = gid.z * P.strideC;

  // Offsets of the block's four rows of op(A) (TALL: the next four too) and four columns of op(B)
  // (WIDE: the next four too), clamped into range, and the step between consecutive k along each.
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
  var d0 = vec4<f32>(0.0);
  var d1 = vec4<f32>(0.0);
  var d2 = vec4<f32>(0.0);
  var d3 = vec4<f32>(0.0);
  var e0 = vec4<f32>(0.0);
  var e1 = vec4<f32>(0.0);
  var e2 = vec4<f32>(0.0);
  var e3 = vec4<f32>(0.0);
  var f0 = vec4<f32>(0.0);
  var f1 = vec4<f32>(0.0);
  var f2 = vec4<f32>(0.0);
  var f3 = vec4<f32>(0.0);
  for (var k = 0u; k < K; k++) {
    let oa = rowA + vec4<u32>(k * stepA);
    let ob = colB + vec4<u32>(k * stepB);
    let a0 = vec4<f32>(ldA(oa.x));
    let a1 = vec4<f32>(ldA(oa.y));
    let a2 = vec4<f32>(ldA(oa.z));
    let a3 = vec4<f32>(ldA(oa.w));
    let b = vec4<f32>(ldB(ob.x), ldB(ob.y), ldB(ob.z), ldB(ob.w));
    c0 = fma(a0, b, c0);
    c1 = fma(a1, b, c1);
    c2 = fma(a2, b, c2);
    c3 = fma(a3, b, c3);
    if (WIDE) {
      let ob2 = colB2 + vec4<u32>(k * stepB);
      let b2 = vec4<f32>(ldB(ob2.x), ldB(ob2.y), ldB(ob2.z), ldB(ob2.w));
      d0 = fma(a0, b2, d0);
      d1 = fma(a1, b2, d1);
      d2 = fma(a2, b2, d2);
      d3 = fma(a3, b2, d3);
      if (TALL) {
        let oa2 = rowA2 + vec4<u32>(k * stepA);
        let a4 = vec4<f32>(ldA(oa2.x));
        let a5 = vec4<f32>(ldA(oa2.y));
        let a6 = vec4<f32>(ldA(oa2.z));
        let a7 = vec4<f32>(ldA(oa2.w));
        e0 = fma(a4, b, e0);
        e1 = fma(a5, b, e1);
        e2 = fma(a6, b, e2);
        e3 = fma(a7, b, e3);
        f0 = fma(a4, b2, f0);
        f1 = fma(a5, b2, f1);
        f2 = fma(a6, b2, f2);
        f3 = fma(a7, b2, f3);
      }
    }
  }
  store_row(baseC, m0, n0, c0);
  store_row(baseC, m0 + 1u, n0, c1);
  store_row(baseC, m0 + 2u, n0, c2);
  store_row(baseC, m0 + 3u, n0, c3);
  if (WIDE) {
    store_row(baseC, m0, n0 + 4u, d0);
    store_row(baseC, m0 + 1u, n0 + 4u, d1);
    store_row(baseC, m0 + 2u, n0 + 4u, d2);
    store_row(baseC, m0 + 3u, n0 + 4u, d3);
    if (TALL) {
      store_row(baseC, m0 + 4u, n0, e0);
      store_row(baseC, m0 + 5u, n0, e1);
      store_row(baseC, m0 + 6u, n0, e2);
      store_row(baseC, m0 + 7u, n0, e3);
      store_row(baseC, m0 + 4u, n0 + 4u, f0);
      store_row(baseC, m0 + 5u, n0 + 4u, f1);
      store_row(baseC, m0 + 6u, n0 + 4u, f2);
      store_row(baseC, m0 + 7u, n0 + 4u, f3);
    }
  }
}
