// attention_scores_backward — through the softmax of attention_scores_forward.wgsl, in place: on
// entry datt holds the probabilities P = att; on exit the gradient w.r.t. the scores before scaling,
//   dS[b, h, t, j] = P_j · (dP_j − Σ_i P_i · dP_i) / sqrt(hs),   dP_j = dout[b, t, h, :] · v[b, j, kvh, :]
// for j ≤ t (entries j > t stay 0). Training shapes only (pos_offset 0, kv_T = T).
// This is the path without scratch memory (the launcher's default when no dS buffer is given):
// with a [B, H, T, T] scratch, attention_scores_forward.wgsl computes dP there as a blocked product
// and attention_softmax_backward.wgsl forms dS, which is faster and keeps att intact.
// One invocation per row (b, h, t), t fastest (i = gid.y · num_workgroups.x · WG + gid.x): one pass
// for Σ P·dP, a second that recomputes dP_j and writes dS_j over P_j.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 dout    [B·T, H·hs]    f32 (as Elem)  read
//   2 v       [B·T, KH·hs]   f32 (as Elem)  read
//   3 datt    [B, H, T, T]   f32            read/write: P in, dS out
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
  sqrt_hs: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> dout: array<Elem>;
@group(0) @binding(2) var<storage, read> v: array<Elem>;
@group(0) @binding(3) var<storage, read_write> datt: array<f32>;

fn dot_dout_v(ob: u32, vb: u32, hse: u32) -> f32 {
  var acc = splat(0.0);
  for (var d = 0u; d < hse; d++) { acc += dout[ob + d] * v[vb + d]; }
  return hsum(acc);
}

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
  let ob = ((b * P.T + t) * P.H + h) * hse;
  let vstride = P.KH * hse;
  let v0 = (b * P.T * P.KH + kvh) * hse;
  let row = idx * P.T;
  var total = 0.0;
  for (var j = 0u; j <= t; j++) {
    total += datt[row + j] * dot_dout_v(ob, v0 + j * vstride, hse);
  }
  for (var j = 0u; j <= t; j++) {
    let dp = dot_dout_v(ob, v0 + j * vstride, hse);
    datt[row + j] = datt[row + j] * (dp - total) / P.sqrt_hs;
  }
}
