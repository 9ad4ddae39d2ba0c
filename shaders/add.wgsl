// add — out = a + b elementwise over n values (the residual connection, out of place; for an
// in-place a += b use axpy.wgsl).
// One invocation per Elem (i = gid.y · num_workgroups.x · WG + gid.x).
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs n % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 a       [n] f32 (as Elem)  read
//   2 b       [n] f32 (as Elem)  read
//   3 out     [n] f32 (as Elem)  =
struct Params {
  n: u32,   // in Elems
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.n) { return; }
  out[i] = a[i] + b[i];
}
