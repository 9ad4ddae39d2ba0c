// cross_entropy_backward — softmax cross-entropy over logits [N, V] fused with its gradient.
// For row n with weight w = mask[n] (1 = a target position, 0 = ignored) and target t = targets[n]:
//   loss_n       = w · (M + log S − z_t)          (= −w·log p_t, unscaled; 0 when w = 0)
//   dlogits[n,:] = scale · w · (p − onehot(t))    (assigned for every row; 0 when w = 0)
// with M = max_j z_j, S = Σ_j exp(z_j − M), p = softmax(z); `scale` is the caller's 1/(number of
// targets). The RAFT kernel later ACCUMULATES onto dlogits at the score rows.
// One workgroup per row (n = wg.y · rows_per_x + wg.x): the softmax statistics (shared snippet),
// then one pass writing the gradient; the invocation that owns the target's Elem subtracts the
// one-hot there, so no barrier or second pass is needed. Ignored rows skip the statistics.
// Targets are validated on the host; here they are clamped below V.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs V % 4 = 0).
//
// Bindings:
//   0 params   uniform Params
//   1 logits   [N, V] f32 (as Elem)  read
//   2 targets  [N]    u32            read
//   3 mask     [N]    f32            read   weight of each row (1 or 0)
//   4 dlogits  [N, V] f32 (as Elem)  =
//   5 loss     [N]    f32            =
struct Params {
  N: u32,
  V: u32,
  rows_per_x: u32,
  scale: f32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<Elem>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<Elem>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; }
  let Ve = P.V / W;
  let base = n * Ve;
  let w = mask[n];
  if (w == 0.0) {
    for (var j = tid; j < Ve; j += WG) { dlogits[base + j] = splat(0.0); }
    if (tid == 0u) { loss[n] = 0.0; }
    return;
  }
  let st = row_stats(base, Ve, tid);
  let t = min(targets[n], P.V - 1u);
  if (tid == 0u) {
    let zt = comp(logits[t / W + base], t % W);
    loss[n] = w * (st.x + log(st.y) - zt);
  }
  let c = P.scale * w;
  let k = c / st.y;
  let jt = t / W;
  for (var j = tid; j < Ve; j += WG) {
    var g = safe_exp(logits[base + j], st.x) * k;
    if (j == jt) { g = with_comp(g, t % W, comp(g, t % W) - c); }
    dlogits[base + j] = g;
  }
}
