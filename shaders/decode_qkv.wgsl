// decode_qkv — one decode step's attention input on B rows (one new token per sequence at position
// pos): the RMSNorm folded in, Q, K and V as one product over the concatenated rows of wq, wk, wv,
// RoPE applied to q and k in registers, and k, v written straight into the KV cache:
//   n = x[b] ⊙ g · s_b (s_b = 1/sqrt(mean x[b]² + eps));  q = rope(n·wqᵀ); k = rope(n·wkᵀ); v = n·wvᵀ
//   q_out[b, :] = q;  k_cache[b, pos, :] = k;  v_cache[b, pos, :] = v
// One invocation per (sequences, pair): a pair is the two columns RoPE rotates together — (2i, 2i+1) of a
// head ('interleaved', llama2.c) or (i, i + hs/2) ('half', Hugging Face) — for q (H·hs/2 pairs) and
// k (KH·hs/2); v's columns go two at a time (KH·hs/2), unrotated. Each loaded x·g feeds both columns.
// An invocation does its pair for BB consecutive sequences b0..b0+BB−1, so each loaded weight feeds
// BB rows (a step over B sequences reads the weights ceil(B / BB) times, not B times); each row's sums
// are the same fma chain for any BB.
// i = gid.y · num_workgroups.x · WG + gid.x = (b0 / BB)·(Q + 2·KV)/2 + pair. Rotation as rope_forward.wgsl:
// (v0, v1) → (v0·cos − v1·sin, v0·sin + v1·cos) with (cos, sin) = table[pos, i].
// Written over Elem (f32 or vec4<f32>; vec4 needs C % 4 = 0).
//
// Bindings:
//   0 params   uniform Params
//   1 x        [B, C]              f32 (as Elem)  read
//   2 w        flat params         f32 (as Elem)  read   wq [Q, C], wk, wv [KV, C], g [C] at offsets (Elems)
//   3 table    [max_pos, hs/2]     vec2<f32>      read   (cos, sin)
//   4 q        [B, Q]              f32            =
//   5 k_cache  [B, Tmax, KV]       f32            =      (row pos only)
//   6 v_cache  [B, Tmax, KV]       f32            =      (row pos only)
struct Params {
  B: u32,
  C: u32,
  H: u32,
  KH: u32,
  hs: u32,
  wq_off: u32,
  wk_off: u32,
  wv_off: u32,
  g_off: u32,
  pos: u32,
  Tmax: u32,
  half_pairs: u32,  // 1: pairs (i, i + hs/2); 0: pairs (2i, 2i+1)
  eps: f32,
}

override WG: u32 = 64u;
/** Sequences per invocation, 1..BB_MAX (the launcher: min(B, BB_MAX)). */
override BB: u32 = 1u;
const BB_MAX: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read> w: array<Elem>;
@group(0) @binding(3) var<storage, read> table: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> q: array<f32>;
@group(0) @binding(5) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let half = P.hs / 2u;
  let Q = P.H * P.hs;
  let KV = P.KH * P.hs;
  let pairs = (Q + 2u * KV) / 2u;
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= ((P.B + BB - 1u) / BB) * pairs) { return; }
  let b0 = (idx / pairs) * BB;
  var p = idx % pairs;
  // Which product, and the two columns of this pair within it.
  var part = 0u; // 0 q, 1 k, 2 v
  var w_off = P.wq_off;
  if (p >= Q / 2u) {
    p -= Q / 2u;
    part = 1u;
    w_off = P.wk_off;
    if (p >= KV / 2u) {
      p -= KV / 2u;
      part = 2u;
      w_off = P.wv_off;
    }
  }
  let i = p % half;
  let head_base = (p / half) * P.hs;
  var c0 = head_base + 2u * i;
  var c1 = c0 + 1u;
  if (part < 2u && P.half_pairs != 0u) {
    c0 = head_base + i;
    c1 = c0 + half;
  }
  let Ce = P.C / W;
  // Each row's start in x; sequences past B are clamped to the last (loaded, never stored).
  var xb: array<u32, BB_MAX>;
  for (var j = 0u; j < BB; j++) { xb[j] = min(b0 + j, P.B - 1u) * Ce; }
  let r0 = w_off + c0 * Ce;
  let r1 = w_off + c1 * Ce;
  var a0: array<Elem, BB_MAX>;
  var a1: array<Elem, BB_MAX>;
  var ss: array<Elem, BB_MAX>;
  for (var j = 0u; j < BB; j++) {
    a0[j] = splat(0.0);
    a1[j] = splat(0.0);
    ss[j] = splat(0.0);
  }
  for (var k = 0u; k < Ce; k++) {
    let gk = w[P.g_off + k];
    let w0k = w[r0 + k];
    let w1k = w[r1 + k];
    for (var j = 0u; j < BB; j++) {
      let xv = x[xb[j] + k];
      ss[j] = fma(xv, xv, ss[j]);
      let xg = xv * gk;
      a0[j] = fma(xg, w0k, a0[j]);
      a1[j] = fma(xg, w1k, a1[j]);
    }
  }
  for (var j = 0u; j < BB; j++) {
    let b = b0 + j;
    if (b >= P.B) { break; }
    let s = 1.0 / sqrt(hsum(ss[j]) / f32(P.C) + P.eps);
    var v0 = hsum(a0[j]) * s;
    var v1 = hsum(a1[j]) * s;
    if (part < 2u) {
      let cs = table[P.pos * half + i];
      let r0v = v0 * cs.x - v1 * cs.y;
      let r1v = v0 * cs.y + v1 * cs.x;
      v0 = r0v;
      v1 = r1v;
    }
    if (part == 0u) {
      q[b * Q + c0] = v0;
      q[b * Q + c1] = v1;
    } else {
      let row = (b * P.Tmax + P.pos) * KV;
      if (part == 1u) {
        k_cache[row + c0] = v0;
        k_cache[row + c1] = v1;
      } else {
        v_cache[row + c0] = v0;
        v_cache[row + c1] = v1;
      }
    }
  }
}
