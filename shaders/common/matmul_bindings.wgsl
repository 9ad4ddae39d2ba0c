// Shared by the three matmul kernels (matmul.wgsl, matmul_vec4.wgsl, matmul_tiled.wgsl), which
// compute the same product with one launcher (src/kernels/matmul.ts): the shape uniform, the
// transposes, and the output binding. C[b] = α · op(A[b]) · op(B[b]) (+ C[b] when accumulate ≠ 0).
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
