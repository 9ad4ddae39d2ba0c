// decode_gate_up — one decode step's feed-forward input on B rows: the RMSNorm folded in, gate (w1)
// and up (w3) products side by side in one pass over k, and SwiGLU as the epilogue:
//   a = s_b · Σ_k x[b, k] g[k] W1[f, k];  u = s_b · Σ_k x[b, k] g[k] W3[f, k]
//   y[b, f] = silu(a) · u = a / (1 + exp(−a)) · u,    s_b = 1 / sqrt(mean_k x[b, k]² + eps)
// Each loaded x·g feeds both products. W1, W3 [F, K] and g [K] are read from the flat parameter
// buffer at element offsets (in Elems). One invocation per (block of BB sequences, f):
// i = (b0 / BB)·F + f, sequences b0 .. b0 + BB − 1: each loaded weight feeds BB rows, so a step over
// B sequences reads W1 and W3 ceil(B / BB) times instead of B times (memory-bound on every device).
// Each row's sums are the same fma chain for any BB: the results do not depend on it.
// Written over Elem (f32 or vec4<f32>; vec4 needs K % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 x       [B, K]       f32 (as Elem)  read
//   2 w       flat params  f32 (as Elem)  read
//   3 y       [B, F]       f32            =
struct Params {
  B: u32,
  K: u32,
  F: u32,
  w1_off: u32,
  w3_off: u32,
  g_off: u32,
  eps: f32,
}

override WG: u32 = 64u;
/** Sequences per invocation, 1..BB_MAX (the launcher: min(B, BB_MAX)). */
override BB: u32 = 1u;
const BB_MAX: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read> w: array<Elem>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= ((P.B + BB - 1u) / BB) * P.F) { return; }
  let b0 = (i / P.F) * BB;
  let f = i % P.F;
  let Ke = P.K / W;
  // Each row's start in x; rows past B are clamped to the last (loaded, never stored).
  var xb: array<u32, BB_MAX>;
  for (var j = 0u; j < BB; j++) { xb[j] = min(b0 + j, P.B - 1u) * Ke; }
  let r1 = P.w1_off + f * Ke;
  let r3 = P.w3_off + f * Ke;
  var a: array<Elem, BB_MAX>;
  var u: array<Elem, BB_MAX>;
  var ss: array<Elem, BB_MAX>;
  for (var j = 0u; j < BB; j++) {
    a[j] = splat(0.0);
    u[j] = splat(0.0);
    ss[j] = splat(0.0);
  }
  for (var k = 0u; k < Ke; k++) {
    let gk = w[P.g_off + k];
    let w1k = w[r1 + k];
    let w3k = w[r3 + k];
    for (var j = 0u; j < BB; j++) {
      let xv = x[xb[j] + k];
      ss[j] = fma(xv, xv, ss[j]);
      let xg = xv * gk;
      a[j] = fma(xg, w1k, a[j]);
      u[j] = fma(xg, w3k, u[j]);
    }
  }
  for (var j = 0u; j < BB; j++) {
    let b = b0 + j;
    if (b >= P.B) { break; }
    let s = 1.0 / sqrt(hsum(ss[j]) / f32(P.K) + P.eps);
    let av = hsum(a[j]) * s;
    let sig = 1.0 / (1.0 + exp(min(-av, 88.0)));
    y[b * P.F + f] = av * sig * (hsum(u[j]) * s);
  }
}
