// weighted_sum — per row n of g [N, K]: mass[n] = Σ_k g[n,k]; yhat[n] = Σ_k s_k g[n,k], divided by
// mass[n] when renormalising. One invocation per row.
//
// Bindings (f32):
//   0 params  uniform Params
//   1 g       [N, K]  read
//   2 values  [K]     read   s_k
//   3 yhat    [N]     =
//   4 mass    [N]     =
struct Params {
  N: u32,
  K: u32,
  renorm: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> yhat: array<f32>;
@group(0) @binding(4) var<storage, read_write> mass: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.y * nwg.x * WG + gid.x;
  if (n >= P.N) { return; }
  var total = 0.0;
  var e = 0.0;
  for (var k = 0u; k < P.K; k++) {
    let v = g[n * P.K + k];
    total += v;
    e += values[k] * v;
  }
  mass[n] = total;
  yhat[n] = select(e, e / total, P.renorm != 0u);
}
