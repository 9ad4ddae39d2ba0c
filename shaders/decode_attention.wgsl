// decode_attention — one decode step's attention: the single new query of each sequence against
// the first Tk rows of its KV cache, grouped-query heads (kvh = h / (H / KH)):
//   s_j = q[b, h]·k_cache[b, j, kvh] / div;  y[b, h] = Σ_j exp(s_j − max s) v_cache[b, j, kvh] / Σ_j exp(s_j − max s)
// Scores, softmax and the weighted sum in one dispatch and one pass over the cache (training's
// three kernels, for T = 1). One workgroup per (b, group of HPW query heads of one kv head):
// wg.x = b·(H / HPW) + h0 / HPW; each loaded k and v row serves all HPW heads. Invocation t takes
// keys j ≡ t (mod WG) and keeps, per head, a running max m, sum l and value row acc (the online
// softmax); then the workgroup's max M rescales each (l, acc) by exp(m − M) and tree-sums them.
// The query rows and acc are held in registers (HPW·hs/W ≤ MAXQ Elems, HPW ≤ MAXG).
// Written over Elem (f32 or vec4<f32>, by the prelude; vec4 needs hs % 4 = 0). WG: a power of two.
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
  HPW: u32,  // query heads per workgroup: divides H / KH
}

override WG: u32 = 64u;
const MAXQ: u32 = 64u;
const MAXG: u32 = 8u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> q: array<Elem>;
@group(0) @binding(2) var<storage, read> k_cache: array<Elem>;
@group(0) @binding(3) var<storage, read> v_cache: array<Elem>;
@group(0) @binding(4) var<storage, read_write> y: array<Elem>;

var<workgroup> red: array<f32, WG>;
var<workgroup> part: array<Elem, WG>;

fn reduce_max(v: f32, tid: u32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red[tid] = max(red[tid], red[tid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(v: f32, tid: u32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red[tid] += red[tid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let groups = P.H / P.HPW;
  let b = wg.x / groups;
  let h0 = (wg.x % groups) * P.HPW;
  let kvh = h0 / (P.H / P.KH);
  let hse = P.hs / W;
  let KVe = P.KH * hse;
  let qb = (b * P.H + h0) * hse; // the HPW query rows are consecutive
  var qr: array<Elem, MAXQ>;
  var acc: array<Elem, MAXQ>;
  var m: array<f32, MAXG>;
  var l: array<f32, MAXG>;
  for (var d = 0u; d < P.HPW * hse; d++) {
    qr[d] = q[qb + d];
    acc[d] = splat(0.0);
  }
  for (var g = 0u; g < P.HPW; g++) {
    m[g] = -3.4028234e38;
    l[g] = 0.0;
  }
  for (var j = tid; j < P.Tk; j += WG) {
    let row = (b * P.Tmax + j) * KVe + kvh * hse;
    for (var g = 0u; g < P.HPW; g++) {
      var s = splat(0.0);
      for (var d = 0u; d < hse; d++) { s = fma(qr[g * hse + d], k_cache[row + d], s); }
      let sj = hsum(s) / P.div;
      let m2 = max(m[g], sj);
      let scale = exp(m[g] - m2);
      let e = exp(sj - m2);
      l[g] = l[g] * scale + e;
      m[g] = m2;
      for (var d = 0u; d < hse; d++) { acc[g * hse + d] = fma(splat(e), v_cache[row + d], acc[g * hse + d] * splat(scale)); }
    }
  }
  for (var g = 0u; g < P.HPW; g++) {
    // The workgroup's max for head g, then each invocation's share rescaled to it.
    let M = reduce_max(m[g], tid);
    let f = select(0.0, exp(m[g] - M), l[g] > 0.0);
    let total = reduce_sum(l[g] * f, tid);
    for (var d = 0u; d < hse; d++) {
      part[tid] = acc[g * hse + d] * splat(f);
      workgroupBarrier();
      for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if (tid < s) { part[tid] += part[tid + s]; }
        workgroupBarrier();
      }
      if (tid == 0u) { y[qb + g * hse + d] = part[0] / splat(total); }
      workgroupBarrier();
    }
  }
}
