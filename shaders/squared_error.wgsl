// squared_error — the regression loss and its gradient w.r.t. the prediction, over N rows:
//   loss[n]  = (ŷ_n − y_n)² for rows with mask = 1, else 0
//   dyhat[n] = λ · 2(ŷ_n − y_n) / N_valid for rows with mask = 1, else 0
// One invocation per row; N_valid is counted by each invocation (N is a batch, small).
//
// Bindings:
//   0 params  uniform Params
//   1 yhat    [N] f32  read
//   2 gold    [N] f32  read
//   3 mask    [N] u32  read
//   4 loss    [N] f32  =
//   5 dyhat   [N] f32  =
struct Params {
  N: u32,
  lambda: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> yhat: array<f32>;
@group(0) @binding(2) var<storage, read> gold: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<u32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;
@group(0) @binding(5) var<storage, read_write> dyhat: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.y * nwg.x * WG + gid.x;
  if (n >= P.N) { return; }
  var n_valid = 0u;
  for (var i = 0u; i < P.N; i++) { n_valid += select(0u, 1u, mask[i] != 0u); }
  let valid = mask[n] != 0u;
  let err = yhat[n] - gold[n];
  loss[n] = select(0.0, err * err, valid);
  dyhat[n] = select(0.0, P.lambda * 2.0 * err / f32(max(n_valid, 1u)), valid);
}
