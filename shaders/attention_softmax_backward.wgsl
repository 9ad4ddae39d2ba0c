// attention_softmax_backward — through the causal softmax of attention_softmax_forward.wgsl, row by
// row, given P = att and dP = ∂L/∂att (from attention_scores_forward.wgsl with a = dout, m = v):
//   dS[b, h, t, j] = P_j · (dP_j − Σ_{i ≤ t} P_i · dP_i) / sqrt(hs)   for j ≤ t,   0 for j > t,
// the gradient w.r.t. the unscaled dot products q·k (so dq = dS·k and dk = dSᵀ·q need no scale).
// Written in place over dP. Training shapes only (T × T rows).
// One invocation per row (b, h, t), t fastest (i = gid.y · num_workgroups.x · WG + gid.x).
//
// Bindings:
//   0 params  uniform Params
//   1 att     [B, H, T, T] f32  read         P
//   2 datt    [B, H, T, T] f32  read/write   dP in, dS out
struct Params {
  rows: u32,   // B · H · T
  T: u32,
  sqrt_hs: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> att: array<f32>;
@group(0) @binding(2) var<storage, read_write> datt: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.rows) { return; }
  let t = idx % P.T;
  let row = idx * P.T;
  var total = 0.0;
  for (var j = 0u; j <= t; j++) { total += att[row + j] * datt[row + j]; }
  for (var j = 0u; j <= t; j++) { datt[row + j] = att[row + j] * (datt[row + j] - total) / P.sqrt_hs; }
  for (var j = t + 1u; j < P.T; j++) { datt[row + j] = 0.0; }
}
