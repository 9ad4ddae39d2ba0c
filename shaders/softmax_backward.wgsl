// softmax_backward — dz = p ⊙ (dp − Σ_j dp_j p_j), row by row over [N, V]: the gradient through
// p = softmax(z) given dp = ∂L/∂p.
// One workgroup per row: a tree reduction of the dot product, then one elementwise pass.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs V % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 probs   [N, V] f32 (as Elem)  read   p
//   2 dprobs  [N, V] f32 (as Elem)  read   dp
//   3 dlogits [N, V] f32 (as Elem)  = or += (accumulate)
struct Params {
  N: u32,
  V: u32,
  rows_per_x: u32,
  accumulate: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> probs: array<Elem>;
@group(0) @binding(2) var<storage, read> dprobs: array<Elem>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<Elem>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; }
  let Ve = P.V / W;
  let base = n * Ve;
  var dot = splat(0.0);
  for (var j = tid; j < Ve; j += WG) { dot += dprobs[base + j] * probs[base + j]; }
  partial[tid] = hsum(dot);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  for (var j = tid; j < Ve; j += WG) {
    let g = probs[base + j] * (dprobs[base + j] - splat(total));
    if (P.accumulate != 0u) { dlogits[base + j] += g; } else { dlogits[base + j] = g; }
  }
}
