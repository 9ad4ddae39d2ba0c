// raft_loss_backward — the RAFT loss and its gradient w.r.t. the logits, fused (DESIGN.md §1).
// Row n of logits [N, V] is the score position of one example. With p = softmax(z) over the whole
// vocabulary, ŷ = Σ_k s_k p[t_k] and, for rows with mask = 1 (N_valid of them):
//   loss_n = (ŷ − y_n)²
//   c      = λ · 2(ŷ − y_n) / N_valid
//   dz_j   = c · p_j · (s(j) − ŷ)          s(j) = s_k if j = t_k, else 0
// Renormalised (q_k = p[t_k] / Σ_i p[t_i], ŷ = Σ_k s_k q_k): dz_{t_k} = c · q_k (s_k − ŷ), 0 elsewhere.
// Rows with mask = 0: loss 0, gradient 0 (or the existing gradient left as it is when accumulating).
// With flags bit 2 output row n reads and writes row rows[n] of larger [R, V] logits/dlogits
// buffers (the score position of each example among all positions of a batch, where the CE
// gradient of the other positions already lives); otherwise row n.
// One workgroup per row: the softmax statistics (shared snippet), then one pass writing
// dz_j = (−c·ŷ/S)·exp(z_j − M) everywhere; after a storage barrier invocation 0 adds c·p_k·s_k at the K score positions, so the bulk pass needs no
// lookup of j among the score ids.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs V % 4 = 0).
//
// Bindings:
//   0 params        uniform Params
//   1 logits        [N or R, V] f32 (as Elem)  read
//   2 gold          [N] f32      read   y_n (may be fractional)
//   3 mask          [N] u32      read   1 = row has a score, 0 = ignore
//   4 score_table   [2K] u32     read   ids t_k (distinct, < V), then the bits of the f32 values s_k
//   5 rows          [N] u32      read   logits/dlogits row of each output row (flags bit 2; else unused)
//   6 dlogits       [N or R, V] f32 (as Elem)  = or += (flags bit 1: accumulate onto the CE gradient)
//   7 loss          [N] f32      =      (ŷ − y)² for valid rows, 0 otherwise (λ not applied)
//   8 yhat          [N] f32      =      ŷ (every row)
struct Params {
  N: u32,
  V: u32,
  K: u32,
  flags: u32,       // bit 0: renormalise; bit 1: accumulate into dlogits; bit 2: rows via `rows`
  rows_per_x: u32,
  lambda: f32,
  R: u32,           // rows of the logits buffer (rows[n] is clamped below it)
}

override WG: u32 = 256u;
const MAX_K: u32 = 32u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<Elem>;
@group(0) @binding(2) var<storage, read> gold: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<u32>;
@group(0) @binding(4) var<storage, read> score_table: array<u32>;
@group(0) @binding(5) var<storage, read> rows: array<u32>;
@group(0) @binding(6) var<storage, read_write> dlogits: array<Elem>;
@group(0) @binding(7) var<storage, read_write> loss: array<f32>;
@group(0) @binding(8) var<storage, read_write> yhat: array<f32>;

var<workgroup> sh_coef: f32;   // c (0 for an ignored row)
var<workgroup> sh_bulk: f32;   // −c·ŷ/S: the factor of exp(z_j − M) in the bulk pass
var<workgroup> sh_yhat: f32;
var<workgroup> sh_valid: u32;
var<workgroup> sh_pk: array<f32, MAX_K>;  // p_k, or q_k when renormalising

fn logit_at(i: u32) -> f32 { return comp(logits[i / W], i % W); }
fn score_id(k: u32) -> u32 { return score_table[k]; }
fn score_value(k: u32) -> f32 { return bitcast<f32>(score_table[P.K + k]); }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; }
  let Ve = P.V / W;
  let src = select(n, min(rows[n], P.R - 1u), (P.flags & 4u) != 0u);
  let base = src * Ve;
  let row = src * P.V;
  let renorm = (P.flags & 1u) != 0u;
  let accumulate = (P.flags & 2u) != 0u;
  let st = row_stats(base, Ve, tid);

  if (tid == 0u) {
    var n_valid = 0u;
    for (var i = 0u; i < P.N; i++) { n_valid += select(0u, 1u, mask[i] != 0u); }
    var y = 0.0;
    if (renorm) {
      var m = -3.4028234e38;
      for (var k = 0u; k < P.K; k++) { m = max(m, logit_at(row + score_id(k))); }
      var total = 0.0;
      for (var k = 0u; k < P.K; k++) {
        sh_pk[k] = scalar_exp(logit_at(row + score_id(k)), m);
        total += sh_pk[k];
      }
      for (var k = 0u; k < P.K; k++) {
        sh_pk[k] = sh_pk[k] / total;
        y += score_value(k) * sh_pk[k];
      }
    } else {
      for (var k = 0u; k < P.K; k++) {
        sh_pk[k] = scalar_exp(logit_at(row + score_id(k)), st.x) / st.y;
        y += score_value(k) * sh_pk[k];
      }
    }
    let valid = mask[n] != 0u;
    let err = y - gold[n];
    yhat[n] = y;
    loss[n] = select(0.0, err * err, valid);
    let c = select(0.0, P.lambda * 2.0 * err / f32(max(n_valid, 1u)), valid);
    sh_coef = c;
    sh_bulk = -c * y / st.y;
    sh_yhat = y;
    sh_valid = select(0u, 1u, valid);
  }
  let valid = workgroupUniformLoad(&sh_valid);
  let bulk = sh_bulk;

  if (valid == 0u || renorm) {
    // No gradient outside the score tokens: zero the row unless accumulating.
    if (!accumulate) {
      for (var j = tid; j < Ve; j += WG) { dlogits[base + j] = splat(0.0); }
    }
    if (valid == 0u) { return; }
  } else {
    for (var j = tid; j < Ve; j += WG) {
      let g = bulk * safe_exp(logits[base + j], st.x);
      if (accumulate) { dlogits[base + j] += g; } else { dlogits[base + j] = g; }
    }
  }
  storageBarrier();
  workgroupBarrier();
  if (tid != 0u) { return; }
  // Patch the score positions, one invocation so that no two writes share an Elem.
  let coef = sh_coef;
  let y = sh_yhat;
  for (var k = 0u; k < P.K; k++) {
    let i = row + score_id(k);
    let s = score_value(k);
    var add = coef * sh_pk[k] * s;
    if (renorm) {
      // s_k − ŷ = Σ_i q_i (s_k − s_i) since Σ q_i = 1: no cancellation when ŷ ≈ s_k.
      var d = 0.0;
      for (var t = 0u; t < P.K; t++) { d += sh_pk[t] * (s - score_value(t)); }
      add = coef * sh_pk[k] * d;
    }
    let e = dlogits[i / W];
    dlogits[i / W] = with_comp(e, i % W, comp(e, i % W) + add);
  }
}
