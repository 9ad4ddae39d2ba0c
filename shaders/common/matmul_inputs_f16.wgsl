// The matmul kernels' inputs in f16 (mixed precision; needs the device feature shader-f16): A and
// B hold half floats (half the bytes to move), ldA/ldB widen each to f32 on load, and the kernels
// multiply and accumulate in f32. A product of two f16 values is exact in f32 (11 + 11 significant
// bits < 24), so this is the arithmetic of f16 tensor cores: exact products, f32 accumulation.
// Must come first in the module: `enable` precedes every declaration.
enable f16;

@group(0) @binding(1) var<storage, read> A: array<f16>;
@group(0) @binding(2) var<storage, read> B: array<f16>;

fn ldA(i: u32) -> f32 { return f32(A[i]); }
fn ldB(i: u32) -> f32 { return f32(B[i]); }
