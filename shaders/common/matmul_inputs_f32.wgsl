// The matmul kernels' inputs in f32 (see matmul_bindings.wgsl): A and B as stored, read by
// ldA/ldB (which the compilers inline: the same loads as indexing A and B directly).
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

fn ldA(i: u32) -> f32 { return A[i]; }
fn ldB(i: u32) -> f32 { return B[i]; }
