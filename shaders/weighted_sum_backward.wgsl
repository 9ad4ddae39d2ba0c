// weighted_sum_backward — dg[n, k] = dyhat[n] · s_k, or dyhat[n] · (s_k − yhat[n]) / mass[n] when
// renormalising (ŷ = Σ s_k g_k / Σ g_k). One invocation per (n, k).
//
// Bindings (f32):
//   0 params  uniform Params
//   1 dyhat   [N]     read
//   2 values  [K]     read
//   3 yhat    [N]     read
//   4 mass    [N]     read
//   5 dg      [N, K]  =
struct Params {
  N: u32,
  K: u32,
  renorm: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> dyhat: array<f32>;
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read> yhat: array<f32>;
@group(0) @binding(4) var<storage, read> mass: array<f32>;
@group(0) @binding(5) var<storage, read_write> dg: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.N * P.K) { return; }
  let n = i / P.K;
  let k = i % P.K;
  if (P.renorm != 0u) {
    dg[i] = dyhat[n] * (values[k] - yhat[n]) / mass[n];
  } else {
    dg[i] = dyhat[n] * values[k];
  }
}
