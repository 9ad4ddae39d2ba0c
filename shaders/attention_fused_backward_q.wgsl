// attention_fused_backward_q — the query side of the backward of attention_fused_forward.wgsl
// (training shapes: query row t at position t, T rows of k and v per sequence), recomputing each
// probability from the forward's lse instead of reading a stored score matrix:
//   D_t = dO_t · O_t,   p_j = exp(q_t·k_j / √hs − lse_t),   dS_j = p_j (dO_t·v_j − D_t)
//   dq_t = Σ_{j ≤ t} dS_j k_j / √hs
// (the softmax backward: dS = P ⊙ (dP − rowsum(P ⊙ dP)), and rowsum(P ⊙ dP) = dO·O). D_t is kept
// for attention_fused_backward_kv.wgsl, which sums the key side over the same p and dS.
// One invocation per query row (b, h, t), i = gid.y · num_workgroups.x · WG + gid.x = (b·H + h)·T + t.
// Named vec4s for the head, switched by the override HV (see attention_fused_forward.wgsl for why).
//
// Bindings:
//   0 params  uniform Params
//   1 q       [B·T, H·hs]   vec4<f32>  read   (after RoPE; q, k, v vec4<f16> in mixed precision)
//   2 k       [B·T, KH·hs]  vec4<f32>  read
//   3 v       [B·T, KH·hs]  vec4<f32>  read
//   4 o       [B·T, H·hs]   vec4<f32>  read   the forward's output
//   5 dout    [B·T, H·hs]   vec4<f32>  read
//   6 lse     [B·H·T]       f32        read   the forward's log-sum-exp per row
//   7 dq      [B·T, H·hs]   vec4<f32>  =
//   8 dsum    [B·H·T]       f32        =      D_t
// Params, WG, HV and binding 0 (P): common/attention_fused_backward_inputs.wgsl; bindings 1-3
// (q, k, v, f32 or f16) and their loads Q/K/V: common/attention_qkv_f32.wgsl or _f16.wgsl.
@group(0) @binding(4) var<storage, read> o: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> lse: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dsum: array<f32>;

/** x[i + c] for c < HV, else 0 (the index clamped so the load stays in range). */
fn ldq(i: u32, c: u32) -> vec4<f32> { return select(vec4<f32>(0.0), Q(i + min(c, HV - 1u)), c < HV); }
fn ldd(i: u32, c: u32) -> vec4<f32> { return select(vec4<f32>(0.0), dout[i + min(c, HV - 1u)], c < HV); }
fn ldo(i: u32, c: u32) -> vec4<f32> { return select(vec4<f32>(0.0), o[i + min(c, HV - 1u)], c < HV); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.B * P.H * P.T) { return; }
  let t = idx % P.T;
  let bh = idx / P.T;
  let h = bh % P.H;
  let b = bh / P.H;
  let kvh = h / (P.H / P.KH);
  let qi = ((b * P.T + t) * P.H + h) * HV;
  let q0 = ldq(qi, 0u); let q1 = ldq(qi, 1u); let q2 = ldq(qi, 2u); let q3 = ldq(qi, 3u);
  let q4 = ldq(qi, 4u); let q5 = ldq(qi, 5u); let q6 = ldq(qi, 6u); let q7 = ldq(qi, 7u);
  let q8 = ldq(qi, 8u); let q9 = ldq(qi, 9u); let q10 = ldq(qi, 10u); let q11 = ldq(qi, 11u);
  let q12 = ldq(qi, 12u); let q13 = ldq(qi, 13u); let q14 = ldq(qi, 14u); let q15 = ldq(qi, 15u);
  let g0 = ldd(qi, 0u); let g1 = ldd(qi, 1u); let g2 = ldd(qi, 2u); let g3 = ldd(qi, 3u);
  let g4 = ldd(qi, 4u); let g5 = ldd(qi, 5u); let g6 = ldd(qi, 6u); let g7 = ldd(qi, 7u);
  let g8 = ldd(qi, 8u); let g9 = ldd(qi, 9u); let g10 = ldd(qi, 10u); let g11 = ldd(qi, 11u);
  let g12 = ldd(qi, 12u); let g13 = ldd(qi, 13u); let g14 = ldd(qi, 14u); let g15 = ldd(qi, 15u);
  let d4 = g0 * ldo(qi, 0u) + g1 * ldo(qi, 1u) + g2 * ldo(qi, 2u) + g3 * ldo(qi, 3u)
         + g4 * ldo(qi, 4u) + g5 * ldo(qi, 5u) + g6 * ldo(qi, 6u) + g7 * ldo(qi, 7u)
         + g8 * ldo(qi, 8u) + g9 * ldo(qi, 9u) + g10 * ldo(qi, 10u) + g11 * ldo(qi, 11u)
         + g12 * ldo(qi, 12u) + g13 * ldo(qi, 13u) + g14 * ldo(qi, 14u) + g15 * ldo(qi, 15u);
  let D = d4.x + d4.y + d4.z + d4.w;
  let m = lse[idx];
  let zero = vec4<f32>(0.0);
  var a0 = zero; var a1 = zero; var a2 = zero; var a3 = zero;
  var a4 = zero; var a5 = zero; var a6 = zero; var a7 = zero;
  var a8 = zero; var a9 = zero; var a10 = zero; var a11 = zero;
  var a12 = zero; var a13 = zero; var a14 = zero; var a15 = zero;
  let stride = P.KH * HV;
  var ki = (b * P.T * P.KH + kvh) * HV;
  for (var j = 0u; j <= t; j++) {
    // s = q·k_j and dp = dO·v_j, four lanes at a time.
    var s4 = q0 * K(ki);
    var p4 = g0 * V(ki);
    if (HV > 1u) { s4 = fma(q1, K(ki + 1u), s4); p4 = fma(g1, V(ki + 1u), p4); }
    if (HV > 2u) { s4 = fma(q2, K(ki + 2u), s4); p4 = fma(g2, V(ki + 2u), p4); }
    if (HV > 3u) { s4 = fma(q3, K(ki + 3u), s4); p4 = fma(g3, V(ki + 3u), p4); }
    if (HV > 4u) { s4 = fma(q4, K(ki + 4u), s4); p4 = fma(g4, V(ki + 4u), p4); }
    if (HV > 5u) { s4 = fma(q5, K(ki + 5u), s4); p4 = fma(g5, V(ki + 5u), p4); }
    if (HV > 6u) { s4 = fma(q6, K(ki + 6u), s4); p4 = fma(g6, V(ki + 6u), p4); }
    if (HV > 7u) { s4 = fma(q7, K(ki + 7u), s4); p4 = fma(g7, V(ki + 7u), p4); }
    if (HV > 8u) { s4 = fma(q8, K(ki + 8u), s4); p4 = fma(g8, V(ki + 8u), p4); }
    if (HV > 9u) { s4 = fma(q9, K(ki + 9u), s4); p4 = fma(g9, V(ki + 9u), p4); }
    if (HV > 10u) { s4 = fma(q10, K(ki + 10u), s4); p4 = fma(g10, V(ki + 10u), p4); }
    if (HV > 11u) { s4 = fma(q11, K(ki + 11u), s4); p4 = fma(g11, V(ki + 11u), p4); }
    if (HV > 12u) { s4 = fma(q12, K(ki + 12u), s4); p4 = fma(g12, V(ki + 12u), p4); }
    if (HV > 13u) { s4 = fma(q13, K(ki + 13u), s4); p4 = fma(g13, V(ki + 13u), p4); }
    if (HV > 14u) { s4 = fma(q14, K(ki + 14u), s4); p4 = fma(g14, V(ki + 14u), p4); }
    if (HV > 15u) { s4 = fma(q15, K(ki + 15u), s4); p4 = fma(g15, V(ki + 15u), p4); }
    let p = exp((s4.x + s4.y + s4.z + s4.w) / P.div - m);
    let ds = vec4<f32>(p * ((p4.x + p4.y + p4.z + p4.w) - D) / P.div);
    a0 = fma(ds, K(ki), a0);
    if (HV > 1u) { a1 = fma(ds, K(ki + 1u), a1); }
    if (HV > 2u) { a2 = fma(ds, K(ki + 2u), a2); }
    if (HV > 3u) { a3 = fma(ds, K(ki + 3u), a3); }
    if (HV > 4u) { a4 = fma(ds, K(ki + 4u), a4); }
    if (HV > 5u) { a5 = fma(ds, K(ki + 5u), a5); }
    if (HV > 6u) { a6 = fma(ds, K(ki + 6u), a6); }
    if (HV > 7u) { a7 = fma(ds, K(ki + 7u), a7); }
    if (HV > 8u) { a8 = fma(ds, K(ki + 8u), a8); }
    if (HV > 9u) { a9 = fma(ds, K(ki + 9u), a9); }
    if (HV > 10u) { a10 = fma(ds, K(ki + 10u), a10); }
    if (HV > 11u) { a11 = fma(ds, K(ki + 11u), a11); }
    if (HV > 12u) { a12 = fma(ds, K(ki + 12u), a12); }
    if (HV > 13u) { a13 = fma(ds, K(ki + 13u), a13); }
    if (HV > 14u) { a14 = fma(ds, K(ki + 14u), a14); }
    if (HV > 15u) { a15 = fma(ds, K(ki + 15u), a15); }
    ki += stride;
  }
  dsum[idx] = D;
  dq[qi] = a0;
  if (HV > 1u) { dq[qi + 1u] = a1; }
  if (HV > 2u) { dq[qi + 2u] = a2; }
  if (HV > 3u) { dq[qi + 3u] = a3; }
  if (HV > 4u) { dq[qi + 4u] = a4; }
  if (HV > 5u) { dq[qi + 5u] = a5; }
  if (HV > 6u) { dq[qi + 6u] = a6; }
  if (HV > 7u) { dq[qi + 7u] = a7; }
  if (HV > 8u) { dq[qi + 8u] = a8; }
  if (HV > 9u) { dq[qi + 9u] = a9; }
  if (HV > 10u) { dq[qi + 10u] = a10; }
  if (HV > 11u) { dq[qi + 11u] = a11; }
  if (HV > 12u) { dq[qi + 12u] = a12; }
  if (HV > 13u) { dq[qi + 13u] = a13; }
  if (HV > 14u) { dq[qi + 14u] = a14; }
  if (HV > 15u) { dq[qi + 15u] = a15; }
}
