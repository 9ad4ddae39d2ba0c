// grad_norm_final — second half of the global gradient norm: norm = sqrt(Σ_g partials[g]) and the
// clipping factor clip = min(1, max_norm / (norm + 1e-6)), or 1 when max_norm ≤ 0 (clipping off).
// adamw_update.wgsl reads clip from norm_clip[1] and multiplies every gradient by it.
// One workgroup: a strided sum over the G partials, then a tree reduction.
//
// Bindings:
//   0 params     uniform Params
//   1 partials   [G] f32  read   written by grad_norm_partial.wgsl
//   2 norm_clip  [2] f32  =      [0] = norm, [1] = clip factor
struct Params {
  G: u32,
  max_norm: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm_clip: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32) {
  var acc = 0.0;
  for (var j = tid; j < P.G; j += WG) { acc += partials[j]; }
  partial[tid] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0u) {
    let norm = sqrt(partial[0]);
    norm_clip[0] = norm;
    norm_clip[1] = select(1.0, min(1.0, P.max_norm / (norm + 1e-6)), P.max_norm > 0.0);
  }
}
