// decode_attention — one decode step's attention: the single new query of each sequence against
// the first Tk rows of its KV cache, grouped-query heads (kvh = h / (H / KH)):
//   s_j = q[b, h]·k_cache[b, j, kvh] / div;  e_j = exp(s_j − max s);  y[b, h] = Σ_j e_j v_cache[b, j, kvh] / Σ_j e_j
// Scores, softmax and the weighted sum in one dispatch (training's three kernels, for T = 1).
// One workgroup per (b, h) (wg.x = b·H + h). Keys j are shared out across the invocations; for the
// values, invocation t takes column t mod hs over keys j ≡ t / hs (mod WG / hs), and the WG / hs
// partial sums are added by the first hs invocations (when hs > WG, each takes columns t, t + WG, …).
// WG: a power of two.
//
// Bindings:
//   0 params   uniform Params
//   1 q        [B, H·hs]        f32  read
//   2 k_cache  [B, Tmax, KH·hs] f32  read
//   3 v_cache  [B, Tmax, KH·hs] f32  read
//   4 att      [B, H, Tmax]     f32  =   scratch: scores, then e_j
//   5 y        [B, H·hs]        f32  =
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

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<f32>;
@group(0) @binding(3) var<storage, read> v_cache: array<f32>;
@group(0) @binding(4) var<storage, read_write> att: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

var<workgroup> red: array<f32, WG>;

fn reduce(v: f32, tid: u32, is_max: bool) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) {
      if (is_max) { red[tid] = max(red[tid], red[tid + s]); } else { red[tid] += red[tid + s]; }
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let bh = wg.x;
  let b = bh / P.H;
  let h = bh % P.H;
  let kvh = h / (P.H / P.KH);
  let KV = P.KH * P.hs;
  let qb = bh * P.hs;
  let ab = bh * P.Tmax;
  var m = -3.4028234e38;
  for (var j = tid; j < P.Tk; j += WG) {
    let kb = (b * P.Tmax + j) * KV + kvh * P.hs;
    var s = 0.0;
    for (var d = 0u; d < P.hs; d++) { s = fma(q[qb + d], k_cache[kb + d], s); }
    s = s / P.div;
    att[ab + j] = s;
    m = max(m, s);
  }
  let mx = reduce(m, tid, true);
  var sum = 0.0;
  for (var j = tid; j < P.Tk; j += WG) {
    let e = exp(att[ab + j] - mx);
    att[ab + j] = e;
    sum += e;
  }
  let total = reduce(sum, tid, false);
  if (P.hs <= WG) {
    let slices = WG / P.hs;
    let d = tid % P.hs;
    let sl = tid / P.hs;
    var acc = 0.0;
    if (sl < slices) {
      for (var j = sl; j < P.Tk; j += slices) {
        acc = fma(att[ab + j], v_cache[(b * P.Tmax + j) * KV + kvh * P.hs + d], acc);
      }
    }
    red[tid] = acc;
    workgroupBarrier();
    if (tid < P.hs) {
      var out = 0.0;
      for (var t = 0u; t < slices; t++) { out += red[t * P.hs + tid]; }
      y[qb + tid] = out / total;
    }
  } else {
    for (var d = tid; d < P.hs; d += WG) {
      var acc = 0.0;
      for (var j = 0u; j < P.Tk; j++) {
        acc = fma(att[ab + j], v_cache[(b * P.Tmax + j) * KV + kvh * P.hs + d], acc);
      }
      y[qb + d] = acc / total;
    }
  }
}
