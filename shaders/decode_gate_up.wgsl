// decode_gate_up — one decode step's feed-forward input on B rows: the RMSNorm folded in, gate (w1)
// and up (w3) products side by side in one pass over k, and SwiGLU as the epilogue:
//   a = s_b · Σ_k x[b, k] g[k] W1[f, k];  u = s_b · Σ_k x[b, k] g[k] W3[f, k]
//   y[b, f] = silu(a) · u = a / (1 + exp(−a)) · u,    s_b = 1 / sqrt(mean_k x[b, k]² + eps)
// Each loaded x·g feeds both products. W1, W3 [F, K] and g [K] are read from the flat parameter
// buffer at element offsets (in Elems). One invocation per (b, f): i = b·F + f.
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

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read> w: array<Elem>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.B * P.F) { return; }
  let b = i / P.F;
  let f = i % P.F;
  let Ke = P.K / W;
  let xb = b * Ke;
  let r1 = P.w1_off + f * Ke;
  let r3 = P.w3_off + f * Ke;
  var a = splat(0.0);
  var u = splat(0.0);
  var ss = splat(0.0);
  for (var k = 0u; k < Ke; k++) {
    let xv = x[xb + k];
    ss = fma(xv, xv, ss);
    let xg = xv * w[P.g_off + k];
    a = fma(xg, w[r1 + k], a);
    u = fma(xg, w[r3 + k], u);
  }
  let s = 1.0 / sqrt(hsum(ss) / f32(P.K) + P.eps);
  let av = hsum(a) * s;
  let sig = 1.0 / (1.0 + exp(min(-av, 88.0)));
  y[i] = av * sig * (hsum(u) * s);
}
