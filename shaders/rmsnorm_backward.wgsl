// rmsnorm_backward — dx for y = x · rstd · g (rmsnorm_forward.wgsl), row by row over [R, C]:
//   dx = rstd · dy ⊙ g − x · rstd³ · Σ_c (dy ⊙ g ⊙ x) / C
// The gain gradient is a separate kernel (rmsnorm_gain_backward.wgsl: a reduction over rows).
// One workgroup per row (r = wg.y · rows_per_x + wg.x): a tree reduction of the dot product, then
// one elementwise pass.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs C % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 dy      [R, C] f32 (as Elem)  read
//   2 x       [R, C] f32 (as Elem)  read   the forward's input
//   3 g       [C]    f32 (as Elem)  read
//   4 rstd    [R]    f32            read   saved by the forward
//   5 dx      [R, C] f32 (as Elem)  =
struct Params {
  R: u32,
  C: u32,
  rows_per_x: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> dy: array<Elem>;
@group(0) @binding(2) var<storage, read> x: array<Elem>;
@group(0) @binding(3) var<storage, read> g: array<Elem>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<Elem>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let r = wg.y * P.rows_per_x + wg.x;
  if (r >= P.R) { return; }
  let Ce = P.C / W;
  let base = r * Ce;
  var acc = splat(0.0);
  for (var j = tid; j < Ce; j += WG) { acc += dy[base + j] * g[j] * x[base + j]; }
  partial[tid] = hsum(acc);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  let s = rstd[r];
  let k = s * s * s * partial[0] / f32(P.C);
  for (var j = tid; j < Ce; j += WG) {
    dx[base + j] = splat(s) * dy[base + j] * g[j] - splat(k) * x[base + j];
  }
}
