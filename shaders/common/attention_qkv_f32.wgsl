// The fused attention kernels' q, k and v (attention_fused_forward.wgsl, attention_fused_backward_q
// and _kv.wgsl) in f32: bindings 1-3, read a vec4 at a time by Q/K/V (inlined by the compilers).
// attention_qkv_f16.wgsl is the mixed-precision twin; the launcher puts one of them first.
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;

fn Q(i: u32) -> vec4<f32> { return q[i]; }
fn K(i: u32) -> vec4<f32> { return k[i]; }
fn V(i: u32) -> vec4<f32> { return v[i]; }
