// Shared by the two kernels of the fused attention backward (attention_fused_backward_q.wgsl,
// attention_fused_backward_kv.wgsl), launched together by attentionFusedBackward
// (src/kernels/attention.ts) at training shapes: the shape uniform and the head-width overrides
// (binding 0; q, k, v at 1-3 come from common/attention_qkv_f32.wgsl or _f16.wgsl; each kernel
// declares its own from 4 on).
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  div: f32,  // √hs
}

override WG: u32 = 64u;
/** vec4s per head: hs / 4, 1 ..= 16. */
override HV: u32 = 2u;

@group(0) @binding(0) var<uniform> P: Params;
