// attention_scores_forward — scaled dot products of attention with grouped-query heads, causal:
//   s[b, h, t, j] = a[b, t, h, :] · m[b, j, kvh, :] / div     for the blocks that touch j ≤ pos_offset + t
// with kvh = h / (H / KH). In the forward a = q, m = k, div = sqrt(hs) (llama2.c divides the score by
// sqrtf(head_size)), and attention_softmax_forward.wgsl turns the rows into probabilities; in the
// backward a = dout, m = v, div = 1 gives dP = dout · vᵀ. Query row t of sequence b sits at position
// pos_offset + t (0 in training; the KV-cache length when decoding); m holds kv_T rows per sequence.
// One invocation per 4×4 block (4 query rows × 4 key rows) of one (b, h): register blocking, so each
// loaded Elem feeds 4 multiply-adds (CPU drivers pay ~10 instructions per storage load). Blocks
// entirely above the causal limit return at once; entries above the limit inside a block are
// written too (the softmax kernels never read them and zero them).
// Invocation i = gid.y · num_workgroups.x · WG + gid.x = ((b·H + h) · t_blocks + tb) · j_blocks + jb.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs hs % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 a       [B·T, H·hs]      f32 (as Elem)  read   q (or dout)
//   2 m       [B·kv_T, KH·hs]  f32 (as Elem)  read   k (or v)
//   3 s       [B, H, T, Tk]    f32            =      (only the blocks at or below the causal limit)
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
  pos_offset: u32,
  kv_T: u32,
  Tk: u32,        // row length of s: pos_offset + T
  t_blocks: u32,  // ceil(T / BT)
  j_blocks: u32,  // ceil(Tk / BJ)
  div: f32,
}

override WG: u32 = 64u;
const BT: u32 = 4u;
const BJ: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> m: array<Elem>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.B * P.H * P.t_blocks * P.j_blocks) { return; }
  let jb = idx % P.j_blocks;
  let rest = idx / P.j_blocks;
  let tb = rest % P.t_blocks;
  let bh = rest / P.t_blocks;
  let h = bh % P.H;
  let b = bh / P.H;
  let t0 = tb * BT;
  let j0 = jb * BJ;
  if (j0 > P.pos_offset + min(t0 + BT - 1u, P.T - 1u)) { return; }
  let kvh = h / (P.H / P.KH);
  let hse = P.hs / W;
  // Row offsets, clamped into range (loads stay in bounds; out-of-range results are not stored).
  var ai: array<u32, BT>;
  var mj: array<u32, BJ>;
  for (var i = 0u; i < BT; i++) { ai[i] = ((b * P.T + min(t0 + i, P.T - 1u)) * P.H + h) * hse; }
  for (var j = 0u; j < BJ; j++) { mj[j] = ((b * P.kv_T + min(j0 + j, P.Tk - 1u)) * P.KH + kvh) * hse; }
  var acc: array<Elem, 16>; // BT · BJ
  for (var d = 0u; d < hse; d++) {
    var av: array<Elem, BT>;
    var mv: array<Elem, BJ>;
    for (var i = 0u; i < BT; i++) { av[i] = a[ai[i] + d]; }
    for (var j = 0u; j < BJ; j++) { mv[j] = m[mj[j] + d]; }
    for (var i = 0u; i < BT; i++) {
      for (var j = 0u; j < BJ; j++) { acc[i * BJ + j] = fma(av[i], mv[j], acc[i * BJ + j]); }
    }
  }
  for (var i = 0u; i < BT; i++) {
    let t = t0 + i;
    if (t >= P.T) { break; }
    let row = (bh * P.T + t) * P.Tk;
    for (var j = 0u; j < BJ; j++) {
      let jj = j0 + j;
      if (jj >= P.Tk) { break; }
      s[row + jj] = hsum(acc[i * BJ + j]) / P.div;
    }
  }
}
