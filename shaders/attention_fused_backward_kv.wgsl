// attention_fused_backward_kv — the key/value side of the backward of attention_fused_forward.wgsl
// (training shapes), after attention_fused_backward_q.wgsl wrote D_t = dO_t·O_t: for key row j of
// kv head kvh, over the query heads h of its group and the rows t ≥ j that see it,
//   p = exp(q_t·k_j / √hs − lse_t),   dS = p (dO_t·v_j − D_t)
//   dv_j = Σ p dO_t,   dk_j = Σ dS q_t / √hs
// so dk and dv are assigned, summed over the group, without a [B, H, T, T] matrix.
// One invocation per key row (b, kvh, j), i = gid.y · num_workgroups.x · WG + gid.x = (b·KH + kvh)·T + j.
// Named vec4s for the head, switched by the override HV (see attention_fused_forward.wgsl for why).
//
// Bindings:
//   0 params  uniform Params
//   1 q       [B·T, H·hs]   vec4<f32>  read   (after RoPE; q, k, v vec4<f16> in mixed precision)
//   2 k       [B·T, KH·hs]  vec4<f32>  read
//   3 v       [B·T, KH·hs]  vec4<f32>  read
//   4 dout    [B·T, H·hs]   vec4<f32>  read
//   5 lse     [B·H·T]       f32        read   the forward's log-sum-exp per query row
//   6 dsum    [B·H·T]       f32        read   D_t
//   7 dk      [B·T, KH·hs]  vec4<f32>  =
//   8 dv      [B·T, KH·hs]  vec4<f32>  =
// Params, WG, HV and binding 0 (P): common/attention_fused_backward_inputs.wgsl; bindings 1-3
// (q, k, v, f32 or f16) and their loads Q/K/V: common/attention_qkv_f32.wgsl or _f16.wgsl.
@group(0) @binding(4) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;

fn ldk(i: u32, c: u32) -> vec4<f32> { return select(vec4<f32>(0.0), K(i + min(c, HV - 1u)), c < HV); }
fn ldv(i: u32, c: u32) -> vec4<f32> { return select(vec4<f32>(0.0), V(i + min(c, HV - 1u)), c < HV); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.B * P.KH * P.T) { return; }
  let j = idx % P.T;
  let bk = idx / P.T;
  let kvh = bk % P.KH;
  let b = bk / P.KH;
  let G = P.H / P.KH;
  let ki = ((b * P.T + j) * P.KH + kvh) * HV;
  let k0 = ldk(ki, 0u); let k1 = ldk(ki, 1u); let k2 = ldk(ki, 2u); let k3 = ldk(ki, 3u);
  let k4 = ldk(ki, 4u); let k5 = ldk(ki, 5u); let k6 = ldk(ki, 6u); let k7 = ldk(ki, 7u);
  let k8 = ldk(ki, 8u); let k9 = ldk(ki, 9u); let k10 = ldk(ki, 10u); let k11 = ldk(ki, 11u);
  let k12 = ldk(ki, 12u); let k13 = ldk(ki, 13u); let k14 = ldk(ki, 14u); let k15 = ldk(ki, 15u);
  let v0 = ldv(ki, 0u); let v1 = ldv(ki, 1u); let v2 = ldv(ki, 2u); let v3 = ldv(ki, 3u);
  let v4 = ldv(ki, 4u); let v5 = ldv(ki, 5u); let v6 = ldv(ki, 6u); let v7 = ldv(ki, 7u);
  let v8 = ldv(ki, 8u); let v9 = ldv(ki, 9u); let v10 = ldv(ki, 10u); let v11 = ldv(ki, 11u);
  let v12 = ldv(ki, 12u); let v13 = ldv(ki, 13u); let v14 = ldv(ki, 14u); let v15 = ldv(ki, 15u);
  let zero = vec4<f32>(0.0);
  var dk0 = zero; var dk1 = zero; var dk2 = zero; var dk3 = zero;
  var dk4 = zero; var dk5 = zero; var dk6 = zero; var dk7 = zero;
  var dk8 = zero; var dk9 = zero; var dk10 = zero; var dk11 = zero;
  var dk12 = zero; var dk13 = zero; var dk14 = zero; var dk15 = zero;
  var dv0 = zero; var dv1 = zero; var dv2 = zero; var dv3 = zero;
  var dv4 = zero; var dv5 = zero; var dv6 = zero; var dv7 = zero;
  var dv8 = zero; var dv9 = zero; var dv10 = zero; var dv11 = zero;
  var dv12 = zero; var dv13 = zero; var dv14 = zero; var dv15 = zero;
  let stride = P.H * HV;
  for (var g = 0u; g < G; g++) {
    let h = kvh * G + g;
    var row = (b * P.H + h) * P.T + j;        // index of (b, h, t) in lse and dsum
    var qi = ((b * P.T + j) * P.H + h) * HV;  // q_t and dO_t
    for (var t = j; t < P.T; t++) {
      var s4 = k0 * Q(qi);
      var p4 = v0 * dout[qi];
      if (HV > 1u) { s4 = fma(k1, Q(qi + 1u), s4); p4 = fma(v1, dout[qi + 1u], p4); }
      if (HV > 2u) { s4 = fma(k2, Q(qi + 2u), s4); p4 = fma(v2, dout[qi + 2u], p4); }
      if (HV > 3u) { s4 = fma(k3, Q(qi + 3u), s4); p4 = fma(v3, dout[qi + 3u], p4); }
      if (HV > 4u) { s4 = fma(k4, Q(qi + 4u), s4); p4 = fma(v4, dout[qi + 4u], p4); }
      if (HV > 5u) { s4 = fma(k5, Q(qi + 5u), s4); p4 = fma(v5, dout[qi + 5u], p4); }
      if (HV > 6u) { s4 = fma(k6, Q(qi + 6u), s4); p4 = fma(v6, dout[qi + 6u], p4); }
      if (HV > 7u) { s4 = fma(k7, Q(qi + 7u), s4); p4 = fma(v7, dout[qi + 7u], p4); }
      if (HV > 8u) { s4 = fma(k8, Q(qi + 8u), s4); p4 = fma(v8, dout[qi + 8u], p4); }
      if (HV > 9u) { s4 = fma(k9, Q(qi + 9u), s4); p4 = fma(v9, dout[qi + 9u], p4); }
      if (HV > 10u) { s4 = fma(k10, Q(qi + 10u), s4); p4 = fma(v10, dout[qi + 10u], p4); }
      if (HV > 11u) { s4 = fma(k11, Q(qi + 11u), s4); p4 = fma(v11, dout[qi + 11u], p4); }
      if (HV > 12u) { s4 = fma(k12, Q(qi + 12u), s4); p4 = fma(v12, dout[qi + 12u], p4); }
      if (HV > 13u) { s4 = fma(k13, Q(qi + 13u), s4); p4 = fma(v13, dout[qi + 13u], p4); }
      if (HV > 14u) { s4 = fma(k14, Q(qi + 14u), s4); p4 = fma(v14, dout[qi + 14u], p4); }
      if (HV > 15u) { s4 = fma(k15, Q(qi + 15u), s4); p4 = fma(v15, dout[qi + 15u], p4); }
      let p = exp((s4.x + s4.y + s4.z + s4.w) / P.div - lse[row]);
      let pv = vec4<f32>(p);
      let ds = vec4<f32>(p * ((p4.x + p4.y + p4.z + p4.w) - dsum[row]) / P.div);
      dv0 = fma(pv, dout[qi], dv0); dk0 = fma(ds, Q(qi), dk0);
      if (HV > 1u) { dv1 = fma(pv, dout[qi + 1u], dv1); dk1 = fma(ds, Q(qi + 1u), dk1); }
      if (HV > 2u) { dv2 = fma(pv, dout[qi + 2u], dv2); dk2 = fma(ds, Q(qi + 2u), dk2); }
      if (HV > 3u) { dv3 = fma(pv, dout[qi + 3u], dv3); dk3 = fma(ds, Q(qi + 3u), dk3); }
      if (HV > 4u) { dv4 = fma(pv, dout[qi + 4u], dv4); dk4 = fma(ds, Q(qi + 4u), dk4); }
      if (HV > 5u) { dv5 = fma(pv, dout[qi + 5u], dv5); dk5 = fma(ds, Q(qi + 5u), dk5); }
      if (HV > 6u) { dv6 = fma(pv, dout[qi + 6u], dv6); dk6 = fma(ds, Q(qi + 6u), dk6); }
      if (HV > 7u) { dv7 = fma(pv, dout[qi + 7u], dv7); dk7 = fma(ds, Q(qi + 7u), dk7); }
      if (HV > 8u) { dv8 = fma(pv, dout[qi + 8u], dv8); dk8 = fma(ds, Q(qi + 8u), dk8); }
      if (HV > 9u) { dv9 = fma(pv, dout[qi + 9u], dv9); dk9 = fma(ds, Q(qi + 9u), dk9); }
      if (HV > 10u) { dv10 = fma(pv, dout[qi + 10u], dv10); dk10 = fma(ds, Q(qi + 10u), dk10); }
      if (HV > 11u) { dv11 = fma(pv, dout[qi + 11u], dv11); dk11 = fma(ds, Q(qi + 11u), dk11); }
      if (HV > 12u) { dv12 = fma(pv, dout[qi + 12u], dv12); dk12 = fma(ds, Q(qi + 12u), dk12); }
      if (HV > 13u) { dv13 = fma(pv, dout[qi + 13u], dv13); dk13 = fma(ds, Q(qi + 13u), dk13); }
      if (HV > 14u) { dv14 = fma(pv, dout[qi + 14u], dv14); dk14 = fma(ds, Q(qi + 14u), dk14); }
      if (HV > 15u) { dv15 = fma(pv, dout[qi + 15u], dv15); dk15 = fma(ds, Q(qi + 15u), dk15); }
      row += 1u;
      qi += stride;
    }
  }
  dk[ki] = dk0; dv[ki] = dv0;
  if (HV > 1u) { dk[ki + 1u] = dk1; dv[ki + 1u] = dv1; }
  if (HV > 2u) { dk[ki + 2u] = dk2; dv[ki + 2u] = dv2; }
  if (HV > 3u) { dk[ki + 3u] = dk3; dv[ki + 3u] = dv3; }
  if (HV > 4u) { dk[ki + 4u] = dk4; dv[ki + 4u] = dv4; }
  if (HV > 5u) { dk[ki + 5u] = dk5; dv[ki + 5u] = dv5; }
  if (HV > 6u) { dk[ki + 6u] = dk6; dv[ki + 6u] = dv6; }
  if (HV > 7u) { dk[ki + 7u] = dk7; dv[ki + 7u] = dv7; }
  if (HV > 8u) { dk[ki + 8u] = dk8; dv[ki + 8u] = dv8; }
  if (HV > 9u) { dk[ki + 9u] = dk9; dv[ki + 9u] = dv9; }
  if (HV > 10u) { dk[ki + 10u] = dk10; dv[ki + 10u] = dv10; }
  if (HV > 11u) { dk[ki + 11u] = dk11; dv[ki + 11u] = dv11; }
  if (HV > 12u) { dk[ki + 12u] = dk12; dv[ki + 12u] = dv12; }
  if (HV > 13u) { dk[ki + 13u] = dk13; dv[ki + 13u] = dv13; }
  if (HV > 14u) { dk[ki + 14u] = dk14; dv[ki + 14u] = dv14; }
  if (HV > 15u) { dk[ki + 15u] = dk15; dv[ki + 15u] = dv15; }
}
