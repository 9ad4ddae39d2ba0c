// matmul — C[b] = α · op(A[b]) · op(B[b])  (+ C[b] when accumulating), row-major f32, batched.
// op(X) is X or Xᵀ per the TRANS_A / TRANS_B overrides, which cover the three products training
// needs: forward C = A·B, dA = dC·Bᵀ (TRANS_B), dB = Aᵀ·dC (TRANS_A); and the model's linear layer
// y = x·Wᵀ (TRANS_B) with W stored [out, in].
// One invocation computes a TM×TN block of C in registers (register blocking: on CPU Vulkan
// drivers every storage load costs ~10 instructions, so each loaded float must feed many
// multiply-adds). Out-of-range rows/columns are clamped on load and skipped on store, so no branch
// sits in the inner loop. Workgroups: x over column blocks, y over row blocks, z over the batch.
//
// Bindings (C f32; A and B f32, or f16 with the f16 inputs):
//   0 params  uniform Params
//   1 A       [batch] × (TRANS_A ? [K, M] : [M, K])   read   (batch stride strideA; 0 = shared)
//   2 B       [batch] × (TRANS_B ? [N, K] : [K, N])   read   (batch stride strideB; 0 = shared)
//   3 C       [batch] × [M, N]                        = or += (accumulate)
// Params, TRANS_A, TRANS_B and the bindings P, C: shaders/common/matmul_bindings.wgsl; A, B and
// ldA/ldB (f32 or f16 storage, read as f32): shaders/common/matmul_inputs_f32.wgsl / _f16.wgsl.

override WGX: u32 = 16u;
override WGY: u32 = 4u;
const TM: u32 = 8u;
const TN: u32 = 8u;

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

  // Element offsets of the block's rows of op(A) and columns of op(B), clamped into range.
  var rowA: array<u32, TM>;
  var colB: array<u32, TN>;
  for (var i = 0u; i < TM; i++) {
    let m = min(m0 + i, M - 1u);
    rowA[i] = baseA + select(m * K, m, TRANS_A);
  }
  for (var j = 0u; j < TN; j++) {
    let n = min(n0 + j, N - 1u);
    colB[j] = baseB + select(n, n * K, TRANS_B);
  }
  // Step between consecutive k for op(A) rows and op(B) columns.
  let stepA = select(1u, M, TRANS_A);
  let stepB = select(N, 1u, TRANS_B);

  var acc: array<f32, 64>; // TM * TN
  for (var k = 0u; k < K; k++) {
    var a: array<f32, TM>;
    var b: array<f32, TN>;
    for (var i = 0u; i < TM; i++) { a[i] = ldA(rowA[i] + k * stepA); }
    for (var j = 0u; j < TN; j++) { b[j] = ldB(colB[j] + k * stepB); }
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) {
        acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
      }
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= M) { break; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + j;
      if (n >= N) { break; }
      let idx = baseC + m * N + n;
      let v = P.alpha * acc[i * TN + j];
      if (P.accumulate != 0u) { C[idx] = C[idx] + v; } else { C[idx] = v; }
    }
  }
}
