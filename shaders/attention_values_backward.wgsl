// attention_values_backward — the transposed product of attention_values_forward.wgsl, summed over
// the query heads of each kv group (grouped-query attention; no atomics: one invocation per output):
//   out[b, j, kvh, :] = Σ_{h : h / (H/KH) = kvh} Σ_{t = j}^{T−1} X[b, h, t, j] · Y[b, t, h, :]
// In the backward: dv = attᵀ · dout (X = att, Y = dout) and dk = dSᵀ · q (X = dS, Y = q).
// Training shapes only (pos_offset 0, kv_T = T).
// One invocation per Elem of out (i = gid.y · num_workgroups.x · WG + gid.x, the Elem index of out).
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 probs   [B, H, T, T]   f32            read   X (causal: 0 above the diagonal; not read there)
//   2 rows    [B·T, H·hs]    f32 (as Elem)  read   Y
//   3 out     [B·T, KH·hs]   f32 (as Elem)  =
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let hse = P.hs / W;
  let idx = gid.y * nwg.x * WG + gid.x;   // ((b · T + j) · KH + kvh) · hse + d
  if (idx >= P.B * P.T * P.KH * hse) { return; }
  let d = idx % hse;
  let bjk = idx / hse;
  let kvh = bjk % P.KH;
  let bj = bjk / P.KH;
  let j = bj % P.T;
  let b = bj / P.T;
  let group = P.H / P.KH;
  let ystride = P.H * hse;
  var acc = splat(0.0);
  for (var hh = 0u; hh < group; hh++) {
    let h = kvh * group + hh;
    var xi = ((b * P.H + h) * P.T + j) * P.T + j;   // X[b, h, t = j, j]
    var yi = ((b * P.T + j) * P.H + h) * hse + d;   // Y[b, t = j, h, d]
    for (var t = j; t < P.T; t++) {
      acc += splat(probs[xi]) * rows[yi];
      xi += P.T;
      yi += ystride;
    }
  }
  out[idx] = acc;
}
