// attention_values_forward — out[b, t, h, :] = Σ_{j ≤ pos_offset + t} X[b, h, t, j] · Y[b, j, kvh, :],
// kvh = h / (H / KH): the attention output out = att · v (X = att, Y = v), and in the backward
// dq = dS · k (X = dS, Y = k; pos_offset 0).
// One invocation per 4 query rows × one Elem of the head (register blocking: each loaded Elem of Y
// feeds 4 rows). The loop runs to the causal limit of the block's last row: X is 0 beyond each
// row's own limit (the softmax kernels zero it), so the shorter rows add nothing there.
// Invocation i = gid.y · num_workgroups.x · WG + gid.x = ((b · t_blocks + tb) · H + h) · hse + d.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 probs   [B, H, T, Tk]    f32            read   X (0 beyond the causal limit)
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
  t_blocks: u32,  // ceil(T / BT)
}

override WG: u32 = 64u;
const BT: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> values: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let hse = P.hs / W;
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.B * P.t_blocks * P.H * hse) { return; }
  let d = idx % hse;
  let rest = idx / hse;
  let h = rest % P.H;
  let btb = rest / P.H;
  let tb = btb % P.t_blocks;
  let b = btb / P.t_blocks;
  let t0 = tb * BT;
  let kvh = h / (P.H / P.KH);
  var pr: array<u32, BT>;
  for (var i = 0u; i < BT; i++) { pr[i] = ((b * P.H + h) * P.T + min(t0 + i, P.T - 1u)) * P.Tk; }
  let vstride = P.KH * hse;
  var vi = (b * P.kv_T * P.KH + kvh) * hse + d;
  let jmax = P.pos_offset + min(t0 + BT - 1u, P.T - 1u);
  var acc: array<Elem, BT>;
  for (var j = 0u; j <= jmax; j++) {
    let y = values[vi];
    for (var i = 0u; i < BT; i++) { acc[i] = fma(splat(probs[pr[i] + j]), y, acc[i]); }
    vi += vstride;
  }
  for (var i = 0u; i < BT; i++) {
    let t = t0 + i;
    if (t >= P.T) { break; }
    out[((b * P.T + t) * P.H + h) * hse + d] = acc[i];
  }
}
