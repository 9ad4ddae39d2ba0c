// attention_values_backward — the transposed product of attention_values_forward.wgsl, summed over
// the query heads of each kv group (grouped-query attention; no atomics: one invocation per output):
//   out[b, j, kvh, :] = Σ_{h : h / (H/KH) = kvh} Σ_{t = j}^{T−1} X[b, h, t, j] · Y[b, t, h, :]
// In the backward: dv = attᵀ · dout (X = att, Y = dout) and dk = dSᵀ · q (X = dS, Y = q).
// Training shapes only (pos_offset 0, kv_T = T, X is [T, T] per head and 0 above the diagonal).
// One invocation per 4 key rows × one Elem of the head (register blocking: each loaded Elem of Y
// feeds 4 rows); the loop starts at the block's first row (X[t, j] = 0 for t < j).
// Invocation i = gid.y · num_workgroups.x · WG + gid.x = ((b · j_blocks + jb) · KH + kvh) · hse + d.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 probs   [B, H, T, T]   f32            read   X (0 above the diagonal)
//   2 rows    [B·T, H·hs]    f32 (as Elem)  read   Y
//   3 out     [B·T, KH·hs]   f32 (as Elem)  =
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
  j_blocks: u32,  // ceil(T / BJ)
}

override WG: u32 = 64u;
const BJ: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let hse = P.hs / W;
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.B * P.j_blocks * P.KH * hse) { return; }
  let d = idx % hse;
  let rest = idx / hse;
  let kvh = rest % P.KH;
  let bjb = rest / P.KH;
  let jb = bjb % P.j_blocks;
  let b = bjb / P.j_blocks;
  let j0 = jb * BJ;
  let group = P.H / P.KH;
  let ystride = P.H * hse;
  var acc: array<Elem, BJ>;
  for (var hh = 0u; hh < group; hh++) {
    let h = kvh * group + hh;
    var xi = ((b * P.H + h) * P.T + j0) * P.T;   // X[b, h, t = j0, 0]
    var yi = ((b * P.T + j0) * P.H + h) * hse + d; // Y[b, t = j0, h, d]
    for (var t = j0; t < P.T; t++) {
      let y = rows[yi];
      for (var i = 0u; i < BJ; i++) { acc[i] = fma(splat(probs[xi + min(j0 + i, P.T - 1u)]), y, acc[i]); }
      xi += P.T;
      yi += ystride;
    }
  }
  for (var i = 0u; i < BJ; i++) {
    let j = j0 + i;
    if (j >= P.T) { break; }
    out[((b * P.T + j) * P.KH + kvh) * hse + d] = acc[i];
  }
}
