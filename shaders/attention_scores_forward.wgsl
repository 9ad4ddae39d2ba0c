// attention_scores_forward — causal softmax attention probabilities with grouped-query attention:
//   att[b, h, t, j] = softmax_j(q[b, t, h, :] · k[b, j, kvh, :] / sqrt(hs))  for j ≤ pos_offset + t,
//   att[b, h, t, j] = 0                                                      for j > pos_offset + t,
// with kvh = h / (H / KH). Query row t of sequence b sits at position pos_offset + t (0 in training;
// the KV-cache length when decoding); k holds kv_T rows per sequence (T in training, the cache's
// capacity when decoding). attention_values_forward.wgsl then forms out = att · v.
// One invocation per query row (b, h, t), t fastest (i = gid.y · num_workgroups.x · WG + gid.x):
// scores into the att row, then exp and normalise in place (llama2.c's order: max, exp, sum, divide).
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 q       [B·T, H·hs]      f32 (as Elem)  read
//   2 k       [B·kv_T, KH·hs]  f32 (as Elem)  read
//   3 att     [B, H, T, Tk]    f32            =      Tk = pos_offset + T
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
  pos_offset: u32,
  kv_T: u32,
  Tk: u32,
  sqrt_hs: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> q: array<Elem>;
@group(0) @binding(2) var<storage, read> k: array<Elem>;
@group(0) @binding(3) var<storage, read_write> att: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.y * nwg.x * WG + gid.x;   // ((b · H + h) · T + t)
  if (idx >= P.B * P.H * P.T) { return; }
  let t = idx % P.T;
  let bh = idx / P.T;
  let h = bh % P.H;
  let b = bh / P.H;
  let kvh = h / (P.H / P.KH);
  let hse = P.hs / W;
  let qb = ((b * P.T + t) * P.H + h) * hse;
  let last = P.pos_offset + t;
  let row = idx * P.Tk;
  var m = -3.4028234e38;
  for (var j = 0u; j <= last; j++) {
    let kb = ((b * P.kv_T + j) * P.KH + kvh) * hse;
    var acc = splat(0.0);
    for (var d = 0u; d < hse; d++) { acc += q[qb + d] * k[kb + d]; }
    let s = hsum(acc) / P.sqrt_hs;
    att[row + j] = s;
    m = max(m, s);
  }
  var sum = 0.0;
  for (var j = 0u; j <= last; j++) {
    let e = exp(att[row + j] - m);
    att[row + j] = e;
    sum += e;
  }
  for (var j = 0u; j <= last; j++) { att[row + j] = att[row + j] / sum; }
  for (var j = last + 1u; j < P.Tk; j++) { att[row + j] = 0.0; }
}
