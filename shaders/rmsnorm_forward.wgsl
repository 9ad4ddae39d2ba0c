// rmsnorm_forward — y = x · rstd · g row by row over x [R, C], with rstd = 1 / sqrt(mean(x²) + eps)
// saved for the backward (llama2.c's rmsnorm: o = g · (rstd · x)).
// One workgroup per row (r = wg.y · rows_per_x + wg.x): a tree reduction of Σ x², then one pass
// writing y.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs C % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 x       [R, C] f32 (as Elem)  read
//   2 g       [C]    f32 (as Elem)  read   the gain
//   3 y       [R, C] f32 (as Elem)  =
//   4 rstd    [R]    f32            =
struct Params {
  R: u32,
  C: u32,
  rows_per_x: u32,
  eps: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read> g: array<Elem>;
@group(0) @binding(3) var<storage, read_write> y: array<Elem>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let r = wg.y * P.rows_per_x + wg.x;
  if (r >= P.R) { return; }
  let Ce = P.C / W;
  let base = r * Ce;
  var ss = splat(0.0);
  for (var j = tid; j < Ce; j += WG) {
    let v = x[base + j];
    ss += v * v;
  }
  partial[tid] = hsum(ss);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  let s = 1.0 / sqrt(partial[0] / f32(P.C) + P.eps);
  if (tid == 0u) { rstd[r] = s; }
  for (var j = tid; j < Ce; j += WG) {
    y[base + j] = g[j] * (splat(s) * x[base + j]);
  }
}
