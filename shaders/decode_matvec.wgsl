// decode_matvec — one decode step's linear layer on B rows (one new token per sequence), with the
// RMSNorm folded in front and the residual add folded behind:
//   y[b, n] = (res[b, n] if RESIDUAL) + s_b · Σ_k x[b, k] · g[k]^NORM · W[n, k]
//   s_b = 1 / sqrt(mean_k x[b, k]² + eps) if NORM, else 1
// RMSNorm's y = g ⊙ (x·s) times Wᵀ equals s · (x ⊙ g)·Wᵀ: the row's Σx² is summed in the same pass
// over k that forms the product, so the norm costs no dispatch and no extra pass.
// W and g are read from the model's flat parameter buffer at element offsets w_off, g_off (in Elems).
// One invocation per NB = 4 consecutive outputs n0..n0+3 of BB consecutive sequences b0..b0+BB−1:
// each loaded x (and x·g) feeds NB products, each loaded weight BB — a step over B sequences reads W
// ceil(B / BB) times instead of B times (the product is memory-bound on every device).
// i = gid.y · num_workgroups.x · WG + gid.x = (b0 / BB)·ceil(N / NB) + n0 / NB. Each output is the
// same fma chain for any BB: the results do not depend on it.
// Written over Elem (f32 or vec4<f32>, by the prelude; vec4 needs K % 4 = 0 and offsets % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 x       [B, K]       f32 (as Elem)  read
//   2 w       flat params  f32 (as Elem)  read   W [N, K] at w_off, g [K] at g_off
//   3 res     [B, N]       f32            read   (bound to anything readable when RESIDUAL is off)
//   4 y       [B, N]       f32            =
struct Params {
  B: u32,
  K: u32,
  N: u32,
  w_off: u32,
  g_off: u32,
  eps: f32,
}

override WG: u32 = 64u;
override NORM: bool = false;
override RESIDUAL: bool = false;
const NB: u32 = 4u;
/** Sequences per invocation, 1..BB_MAX (the launcher: min(B, BB_MAX)). */
override BB: u32 = 1u;
const BB_MAX: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read> w: array<Elem>;
@group(0) @binding(3) var<storage, read> res: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let blocks = (P.N + NB - 1u) / NB;
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= ((P.B + BB - 1u) / BB) * blocks) { return; }
  let b0 = (i / blocks) * BB;
  let n0 = (i % blocks) * NB;
  let Ke = P.K / W;
  // Rows past N (and sequences past B) are clamped to the last one: loads stay in bounds, those
  // results are not stored.
  var xb: array<u32, BB_MAX>;
  for (var j = 0u; j < BB; j++) { xb[j] = min(b0 + j, P.B - 1u) * Ke; }
  var wr: array<u32, NB>;
  for (var r = 0u; r < NB; r++) { wr[r] = P.w_off + min(n0 + r, P.N - 1u) * Ke; }
  // acc[r · BB_MAX + j]: output n0 + r of sequence b0 + j.
  var acc: array<Elem, NB * BB_MAX>;
  var ss: array<Elem, BB_MAX>;
  for (var j = 0u; j < BB; j++) {
    ss[j] = splat(0.0);
    for (var r = 0u; r < NB; r++) { acc[r * BB_MAX + j] = splat(0.0); }
  }
  var xs: array<Elem, BB_MAX>;
  for (var k = 0u; k < Ke; k++) {
    var gk = splat(1.0);
    if (NORM) { gk = w[P.g_off + k]; }
    for (var j = 0u; j < BB; j++) {
      let xv = x[xb[j] + k];
      if (NORM) {
        ss[j] = fma(xv, xv, ss[j]);
        xs[j] = xv * gk;
      } else {
        xs[j] = xv;
      }
    }
    for (var r = 0u; r < NB; r++) {
      let wv = w[wr[r] + k];
      for (var j = 0u; j < BB; j++) { acc[r * BB_MAX + j] = fma(xs[j], wv, acc[r * BB_MAX + j]); }
    }
  }
  for (var j = 0u; j < BB; j++) {
    let b = b0 + j;
    if (b >= P.B) { break; }
    var s = 1.0;
    if (NORM) { s = 1.0 / sqrt(hsum(ss[j]) / f32(P.K) + P.eps); }
    for (var r = 0u; r < NB; r++) {
      let n = n0 + r;
      if (n >= P.N) { break; }
      var out = hsum(acc[r * BB_MAX + j]);
      if (NORM) { out = out * s; }
      if (RESIDUAL) { out += res[b * P.N + n]; }
      y[b * P.N + n] = out;
    }
  }
}
