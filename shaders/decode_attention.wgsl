// decode_attention — one decode step's attention: the single new query of each sequence against
// the first Tk rows of its KV cache, grouped-query heads (kvh = h / (H / KH)):
//   s_j = q[b, h]·k_cache[b, j, kvh] / div;  y[b, h] = Σ_j exp(s_j − max s) v_cache[b, j, kvh] / Σ_j exp(s_j − max s)
// Scores, softmax and the weighted sum in one dispatch and one pass over the cache (training's
// three kernels, for T = 1): invocation t takes keys j ≡ t (mod WG) and keeps a running max m_t,
// sum l_t and value row acc_t (the online softmax); then the workgroup's max M rescales each
// (l_t, acc_t) by exp(m_t − M) and tree-sums them.
// One workgroup per (b, h) (wg.x = b·H + h); the query row and acc_t are held in registers.
// Written over Elem (f32 or vec4<f32>, by the prelude; vec4 needs hs % 4 = 0); hs ≤ MAXQ·W.
// WG: a power of two.
//
// Bindings:
//   0 params   uniform Params
//   1 q        [B, H·hs]        f32 (as Elem)  read
//   2 k_cache  [B, Tmax, KH·hs] f32 (as Elem)  read
//   3 v_cache  [B, Tmax, KH·hs] f32 (as Elem)  read
//   4 y        [B, H·hs]        f32 (as Elem)  =
struct Params {
  B: u32,
  H: u32,
  KH: u32,
  hs: u32,
  Tmax: u32,
  Tk: u32,   // keys to attend to: pos + 1
  div: f32,
}

override WG: u32 = 64u;
const MAXQ: u32 = 32u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> q: array<Elem>;
@group(0) @binding(2) var<storage, read> k_cache: array<Elem>;
@group(0) @binding(3) var<storage, read> v_cache: array<Elem>;
@group(0) @binding(4) var<storage, read_write> y: array<Elem>;

var<workgroup> red: array<f32, WG>;
var<workgroup> part: array<Elem, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let bh = wg.x;
  let b = bh / P.H;
  let h = bh % P.H;
  let kvh = h / (P.H / P.KH);
  let hse = P.hs / W;
  let KVe = P.KH * hse;
  let qb = bh * hse;
  var qr: array<Elem, MAXQ>;
  var acc: array<Elem, MAXQ>;
  for (var d = 0u; d < hse; d++) {
    qr[d] = q[qb + d];
    acc[d] = splat(0.0);
  }
  var m = -3.4028234e38;
  var l = 0.0;
  for (var j = tid; j < P.Tk; j += WG) {
    let row = (b * P.Tmax + j) * KVe + kvh * hse;
    var s = splat(0.0);
    for (var d = 0u; d < hse; d++) { s = fma(qr[d], k_cache[row + d], s); }
    let sj = hsum(s) / P.div;
    let m2 = max(m, sj);
    let scale = exp(m - m2);
    let e = exp(sj - m2);
    l = l * scale + e;
    for (var d = 0u; d < hse; d++) { acc[d] = fma(splat(e), v_cache[row + d], acc[d] * splat(scale)); }
    m = m2;
  }
  // The workgroup's max, then each invocation's share rescaled to it.
  red[tid] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red[tid] = max(red[tid], red[tid + s]); }
    workgroupBarrier();
  }
  let M = red[0];
  workgroupBarrier();
  let f = select(0.0, exp(m - M), l > 0.0);
  red[tid] = l * f;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red[tid] += red[tid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  for (var d = 0u; d < hse; d++) {
    part[tid] = acc[d] * splat(f);
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
      if (tid < s) { part[tid] += part[tid + s]; }
      workgroupBarrier();
    }
    if (tid == 0u) { y[qb + d] = part[0] / splat(total); }
    workgroupBarrier();
  }
}
