// The fused attention kernels' q, k and v in f16 (mixed-precision training; needs shader-f16): half
// the bytes of every key and value the T² loops re-read, widened to f32 on load, so scores, the
// online softmax and every sum stay f32. Must come first in the module (its `enable`).
enable f16;

@group(0) @binding(1) var<storage, read> q: array<vec4<f16>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f16>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f16>>;

fn Q(i: u32) -> vec4<f32> { return vec4<f32>(q[i]); }
fn K(i: u32) -> vec4<f32> { return vec4<f32>(k[i]); }
fn V(i: u32) -> vec4<f32> { return vec4<f32>(v[i]); }
