// attention_softmax_forward — causal softmax of the attention scores, in place, row by row:
//   att[b, h, t, j] = exp(s_j − max) / Σ_{i ≤ L} exp(s_i − max)   for j ≤ L = pos_offset + t,
//   att[b, h, t, j] = 0                                          for L < j < Tk,
// over the rows written by attention_scores_forward.wgsl (llama2.c's order: max, exp, sum, divide).
// One invocation per row (b, h, t), t fastest (i = gid.y · num_workgroups.x · WG + gid.x).
//
// Bindings:
//   0 params  uniform Params
//   1 att     [B, H, T, Tk] f32  read/write: scores in, probabilities out
struct Params {
  rows: u32,        // B · H · T
  T: u32,
  pos_offset: u32,
  Tk: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> att: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.rows) { return; }
  let last = P.pos_offset + idx % P.T;
  let row = idx * P.Tk;
  var mx = -3.4028234e38;
  for (var j = 0u; j <= last; j++) { mx = max(mx, att[row + j]); }
  var sum = 0.0;
  for (var j = 0u; j <= last; j++) {
    let e = exp(att[row + j] - mx);
    att[row + j] = e;
    sum += e;
  }
  for (var j = 0u; j <= last; j++) { att[row + j] = att[row + j] / sum; }
  for (var j = last + 1u; j < P.Tk; j++) { att[row + j] = 0.0; }
}
