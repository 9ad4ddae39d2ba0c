// axpy — y[y_offset + i] += α · x[x_offset + i] for i < n: accumulate one buffer (range) into
// another (in-place residual add, the residual backward, gradient accumulation; α scales).
// Offsets let it address a tensor inside a flat buffer without a binding offset.
// One invocation per Elem (i = gid.y · num_workgroups.x · WG + gid.x).
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs n and both
// offsets to be multiples of 4).
//
// Bindings:
//   0 params  uniform Params
//   1 x       [x_offset + n] f32 (as Elem)  read
//   2 y       [y_offset + n] f32 (as Elem)  +=
struct Params {
  n: u32,          // all three in Elems
  x_offset: u32,
  y_offset: u32,
  alpha: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read_write> y: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.n) { return; }
  y[P.y_offset + i] += P.alpha * x[P.x_offset + i];
}
