// attention_values_forward — out[b, t, h, :] = Σ_{j ≤ pos_offset + t} X[b, h, t, j] · Y[b, j, kvh, :],
// kvh = h / (H / KH): the attention output out = att · v (X = att, Y = v), and in the backward
// dq = dS · k (X = dS, the gradient w.r.t. the scaled scores, Y = k; pos_offset 0).
// One invocation per Elem of out (i = gid.y · num_workgroups.x · WG + gid.x, the Elem index of out):
// neighbouring invocations share (b, t, h), so they run the same loop over j.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 probs   [B, H, T, Tk]    f32            read   X (0 beyond the causal limit; not read there)
//   2 values  [B·kv_T, KH·hs]  f32 (as Elem)  read   Y
//   3 out     [B·T, H·hs]      f32 (as Elem)  =
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
  pos_offset: u32,
  kv_T: u32,
  Tk: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> values: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let hse = P.hs / W;
  let idx = gid.y * nwg.x * WG + gid.x;   // ((b · T + t) · H + h) · hse + d
  if (idx >= P.B * P.T * P.H * hse) { return; }
  let d = idx % hse;
  let bth = idx / hse;
  let h = bth % P.H;
  let bt = bth / P.H;
  let t = bt % P.T;
  let b = bt / P.T;
  let kvh = h / (P.H / P.KH);
  let row = ((b * P.H + h) * P.T + t) * P.Tk;
  let vstride = P.KH * hse;
  var vi = (b * P.kv_T * P.KH + kvh) * hse + d;
  var acc = splat(0.0);
  for (var j = 0u; j <= P.pos_offset + t; j++) {
    acc += splat(probs[row + j]) * values[vi];
    vi += vstride;
  }
  out[idx] = acc;
}
