// attention_fused_forward — causal self-attention with grouped-query heads in one pass per query row,
// never writing the score matrix (FlashAttention's online softmax, one row per invocation):
//   out[b, t, h, :] = Σ_{j ≤ L} softmax_j(q·k_j / √hs) · v_j,   L = pos_offset + t,  kvh = h / (H / KH)
// Running over j: m = max of the scores so far, l = Σ exp(s_j − m), o = Σ exp(s_j − m) · v_j; a new
// maximum rescales l and o by exp(m_old − m_new); out = o / l at the end, and lse = m + log l, the
// log of the softmax's denominator, from which a backward recomputes every probability
// (attention_fused_backward_*.wgsl: p_j = exp(s_j − lse)). Same result as
// attention_scores_forward → attention_softmax_forward → attention_values_forward (up to the order
// of the float sums) in one dispatch instead of three, without the [B, H, T, Tk] scratch.
// Why named vec4s: the head (hs = 4·HV ≤ 64 floats) of q and the accumulator o are held in up to
// sixteen named vec4s each, switched by the override HV (a constant when the pipeline is made, so
// the unused ones compile away; heads of 36–64 exist for GPU-sized models, where the registers
// are). A private array indexed in a loop is kept in memory by SwiftShader's JIT (a load and a
// store per multiply-add); named values stay in registers.
// Invocation i = gid.y · num_workgroups.x · WG + gid.x = (b · H + h) · T + t.
//
// Bindings:
//   0 params  uniform Params
//   1 q       [B·T, H·hs]      vec4<f32> (or vec4<f16>, mixed precision)  read
//   2 k       [B·kv_T, KH·hs]  vec4<f32> (or vec4<f16>)                   read
//   3 v       [B·kv_T, KH·hs]  vec4<f32> (or vec4<f16>)                   read
//   4 out     [B·T, H·hs]      vec4<f32>  =
//   5 lse     [B·H·T]          f32        =   row (b, h, t) at (b·H + h)·T + t
struct Params {
  B: u32,
  T: u32,
  H: u32,
  KH: u32,
  pos_offset: u32,
  kv_T: u32,
  div: f32,   // √hs (the scores are divided, as in attention_scores_forward.wgsl)
}

override WG: u32 = 64u;
/** vec4s per head: hs / 4, 1 ..= 16. */
override HV: u32 = 2u;

@group(0) @binding(0) var<uniform> P: Params;
// Bindings 1-3 (q, k, v) and their loads Q/K/V: common/attention_qkv_f32.wgsl or _f16.wgsl.
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

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
  let zero = vec4<f32>(0.0);
  let q0 = Q(qi);
  let q1 = select(zero, Q(qi + min(1u, HV - 1u)), HV > 1u);
  let q2 = select(zero, Q(qi + min(2u, HV - 1u)), HV > 2u);
  let q3 = select(zero, Q(qi + min(3u, HV - 1u)), HV > 3u);
  let q4 = select(zero, Q(qi + min(4u, HV - 1u)), HV > 4u);
  let q5 = select(zero, Q(qi + min(5u, HV - 1u)), HV > 5u);
  let q6 = select(zero, Q(qi + min(6u, HV - 1u)), HV > 6u);
  let q7 = select(zero, Q(qi + min(7u, HV - 1u)), HV > 7u);
  let q8 = select(zero, Q(qi + min(8u, HV - 1u)), HV > 8u);
  let q9 = select(zero, Q(qi + min(9u, HV - 1u)), HV > 9u);
  let q10 = select(zero, Q(qi + min(10u, HV - 1u)), HV > 10u);
  let q11 = select(zero, Q(qi + min(11u, HV - 1u)), HV > 11u);
  let q12 = select(zero, Q(qi + min(12u, HV - 1u)), HV > 12u);
  let q13 = select(zero, Q(qi + min(13u, HV - 1u)), HV > 13u);
  let q14 = select(zero, Q(qi + min(14u, HV - 1u)), HV > 14u);
  let q15 = select(zero, Q(qi + min(15u, HV - 1u)), HV > 15u);
  var o0 = zero; var o1 = zero; var o2 = zero; var o3 = zero;
  var o4 = zero; var o5 = zero; var o6 = zero; var o7 = zero;
  var o8 = zero; var o9 = zero; var o10 = zero; var o11 = zero;
  var o12 = zero; var o13 = zero; var o14 = zero; var o15 = zero;
  var mx = -3.4028234e38;
  var l = 0.0;
  let last = P.pos_offset + t;
  let stride = P.KH * HV;
  var ki = (b * P.kv_T * P.KH + kvh) * HV;
  for (var j = 0u; j <= last; j++) {
    var dot4 = q0 * K(ki);
    if (HV > 1u) { dot4 = fma(q1, K(ki + 1u), dot4); }
    if (HV > 2u) { dot4 = fma(q2, K(ki + 2u), dot4); }
    if (HV > 3u) { dot4 = fma(q3, K(ki + 3u), dot4); }
    if (HV > 4u) { dot4 = fma(q4, K(ki + 4u), dot4); }
    if (HV > 5u) { dot4 = fma(q5, K(ki + 5u), dot4); }
    if (HV > 6u) { dot4 = fma(q6, K(ki + 6u), dot4); }
    if (HV > 7u) { dot4 = fma(q7, K(ki + 7u), dot4); }
    if (HV > 8u) { dot4 = fma(q8, K(ki + 8u), dot4); }
    if (HV > 9u) { dot4 = fma(q9, K(ki + 9u), dot4); }
    if (HV > 10u) { dot4 = fma(q10, K(ki + 10u), dot4); }
    if (HV > 11u) { dot4 = fma(q11, K(ki + 11u), dot4); }
    if (HV > 12u) { dot4 = fma(q12, K(ki + 12u), dot4); }
    if (HV > 13u) { dot4 = fma(q13, K(ki + 13u), dot4); }
    if (HV > 14u) { dot4 = fma(q14, K(ki + 14u), dot4); }
    if (HV > 15u) { dot4 = fma(q15, K(ki + 15u), dot4); }
    let s = (dot4.x + dot4.y + dot4.z + dot4.w) / P.div;
    if (s > mx) {
      // A new maximum: what was summed so far shrinks by exp(old − new) (0 on the first key).
      let c = exp(mx - s);
      l *= c;
      o0 *= c; o1 *= c; o2 *= c; o3 *= c; o4 *= c; o5 *= c; o6 *= c; o7 *= c;
      o8 *= c; o9 *= c; o10 *= c; o11 *= c; o12 *= c; o13 *= c; o14 *= c; o15 *= c;
      mx = s;
    }
    let p = exp(s - mx);
    l += p;
    let pv = vec4<f32>(p);
    o0 = fma(pv, V(ki), o0);
    if (HV > 1u) { o1 = fma(pv, V(ki + 1u), o1); }
    if (HV > 2u) { o2 = fma(pv, V(ki + 2u), o2); }
    if (HV > 3u) { o3 = fma(pv, V(ki + 3u), o3); }
    if (HV > 4u) { o4 = fma(pv, V(ki + 4u), o4); }
    if (HV > 5u) { o5 = fma(pv, V(ki + 5u), o5); }
    if (HV > 6u) { o6 = fma(pv, V(ki + 6u), o6); }
    if (HV > 7u) { o7 = fma(pv, V(ki + 7u), o7); }
    if (HV > 8u) { o8 = fma(pv, V(ki + 8u), o8); }
    if (HV > 9u) { o9 = fma(pv, V(ki + 9u), o9); }
    if (HV > 10u) { o10 = fma(pv, V(ki + 10u), o10); }
    if (HV > 11u) { o11 = fma(pv, V(ki + 11u), o11); }
    if (HV > 12u) { o12 = fma(pv, V(ki + 12u), o12); }
    if (HV > 13u) { o13 = fma(pv, V(ki + 13u), o13); }
    if (HV > 14u) { o14 = fma(pv, V(ki + 14u), o14); }
    if (HV > 15u) { o15 = fma(pv, V(ki + 15u), o15); }
    ki += stride;
  }
  lse[idx] = mx + log(l);
  let inv = 1.0 / l;
  out[qi] = o0 * inv;
  if (HV > 1u) { out[qi + 1u] = o1 * inv; }
  if (HV > 2u) { out[qi + 2u] = o2 * inv; }
  if (HV > 3u) { out[qi + 3u] = o3 * inv; }
  if (HV > 4u) { out[qi + 4u] = o4 * inv; }
  if (HV > 5u) { out[qi + 5u] = o5 * inv; }
  if (HV > 6u) { out[qi + 6u] = o6 * inv; }
  if (HV > 7u) { out[qi + 7u] = o7 * inv; }
  if (HV > 8u) { out[qi + 8u] = o8 * inv; }
  if (HV > 9u) { out[qi + 9u] = o9 * inv; }
  if (HV > 10u) { out[qi + 10u] = o10 * inv; }
  if (HV > 11u) { out[qi + 11u] = o11 * inv; }
  if (HV > 12u) { out[qi + 12u] = o12 * inv; }
  if (HV > 13u) { out[qi + 13u] = o13 * inv; }
  if (HV > 14u) { out[qi + 14u] = o14 * inv; }
  if (HV > 15u) { out[qi + 15u] = o15 * inv; }
}
