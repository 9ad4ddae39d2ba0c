// gather_columns — out[n, k] = x[n, ids[k]]: pick K columns of every row of x [N, V].
// One invocation per output element.
//
// Bindings:
//   0 params  uniform Params
//   1 x       [N, V] f32  read
//   2 ids     [K]    u32  read   (< V)
//   3 out     [N, K] f32  =
struct Params {
  N: u32,
  V: u32,
  K: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.N * P.K) { return; }
  let n = i / P.K;
  let k = i % P.K;
  out[i] = x[n * P.V + ids[k]];
}
