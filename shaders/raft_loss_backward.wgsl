// raft_loss_backward — the RAFT loss and its gradient w.r.t. the logits, fused (DESIGN.md §1).
// Row n of logits [N, V] is the score position of one example. With p = softmax(z) over the whole
// vocabulary, ŷ = Σ_k s_k p[t_k] and, for rows with mask = 1 (N_valid of them):
//   loss_n = (ŷ − y_n)²
//   c      = λ · 2(ŷ − y_n) / N_valid
//   dz_j   = c · p_j · (s(j) − ŷ)          s(j) = s_k if j = t_k, else 0
// Renormalised (q_k = p[t_k] / Σ p[t_i], ŷ = Σ s_k q_k): dz_{t_k} = c · q_k (s_k − ŷ), 0 elsewhere.
// Rows with mask = 0: loss 0, gradient 0.
// One workgroup per row: a pass over V for the softmax statistics, then one pass that writes dz.
// The K score positions are patched after a storage barrier (dz_j = c·p_j·(−ŷ) everywhere, then
// + c·p·s_k at t_k), so the bulk pass needs no lookup of j among the score ids.
//
// Bindings (f32 unless noted):
//   0 params        uniform Params
//   1 logits        [N, V]   read
//   2 gold          [N]      read   y_n (may be fractional)
//   3 mask          [N] u32  read   1 = row has a score, 0 = ignore
//   4 score_ids     [K] u32  read   (distinct, < V)
//   5 score_values  [K]      read   s_k
//   6 dlogits       [N, V]   = or += (flags bit 1: accumulate onto the CE gradient already there)
//   7 loss          [N]      =      (ŷ − y)² for valid rows, 0 otherwise (λ not applied)
//   8 yhat          [N]      =      ŷ (every row)
struct Params {
  N: u32,
  V: u32,
  K: u32,
  flags: u32,       // bit 0: renormalise; bit 1: accumulate into dlogits
  rows_per_x: u32,
  lambda: f32,
}

override WG: u32 = 256u;
const MAX_K: u32 = 32u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> gold: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<u32>;
@group(0) @binding(4) var<storage, read> score_ids: array<u32>;
@group(0) @binding(5) var<storage, read> score_values: array<f32>;
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(7) var<storage, read_write> loss: array<f32>;
@group(0) @binding(8) var<storage, read_write> yhat: array<f32>;

var<workgroup> sh_coef: f32;   // c, or 0 for an ignored row
var<workgroup> sh_yhat: f32;
var<workgroup> sh_valid: u32;
var<workgroup> sh_pk: array<f32, MAX_K>;  // p_k, or q_k when renormalising

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; }
  let V = P.V;
  let base = n * V;
  let renorm = (P.flags & 1u) != 0u;
  let accumulate = (P.flags & 2u) != 0u;
  let st = row_softmax_stats(base, V, tid);

  if (tid == 0u) {
    var n_valid = 0u;
    for (var i = 0u; i < P.N; i++) { n_valid += select(0u, 1u, mask[i] != 0u); }
    var expect = 0.0;
    if (renorm) {
      // q_k from the K score logits alone (their own max): exact even when Σ p_k underflows.
      var m = LOWEST;
      for (var k = 0u; k < P.K; k++) { m = max(m, logits[base + score_ids[k]]); }
      var total = 0.0;
      for (var k = 0u; k < P.K; k++) {
        let z = logits[base + score_ids[k]];
        sh_pk[k] = select(exp(z - m), 0.0, z < NEG_BIG);
        total += sh_pk[k];
      }
      for (var k = 0u; k < P.K; k++) {
        sh_pk[k] = sh_pk[k] / total;
        expect += score_values[k] * sh_pk[k];
      }
    } else {
      for (var k = 0u; k < P.K; k++) {
        let p = softmax_prob(logits[base + score_ids[k]], st);
        sh_pk[k] = p;
        expect += score_values[k] * p;
      }
    }
    let y = expect;
    let valid = mask[n] != 0u;
    let err = y - gold[n];
    yhat[n] = y;
    loss[n] = select(0.0, err * err, valid);
    sh_yhat = y;
    sh_coef = select(0.0, P.lambda * 2.0 * err / f32(max(n_valid, 1u)), valid);
    sh_valid = select(0u, 1u, valid);
  }
  let valid = workgroupUniformLoad(&sh_valid);
  let c = sh_coef;
  let y = sh_yhat;

  if (valid == 0u) {
    if (!accumulate) {
      for (var j = tid; j < V; j += WG) { dlogits[base + j] = 0.0; }
    }
    return;
  }
  // Bulk pass: every position gets c·p_j·(−ŷ) (or 0 when renormalising).
  if (!renorm) {
    for (var j = tid; j < V; j += WG) {
      let g = c * softmax_prob(logits[base + j], st) * (-y);
      if (accumulate) { dlogits[base + j] += g; } else { dlogits[base + j] = g; }
    }
  } else if (!accumulate) {
    for (var j = tid; j < V; j += WG) { dlogits[base + j] = 0.0; }
  }
  storageBarrier();
  workgroupBarrier();
  // Patch the score positions (ids are distinct, so no two invocations touch the same element).
  for (var k = tid; k < P.K; k += WG) {
    let idx = base + score_ids[k];
    let s = score_values[k];
    if (renorm) {
      // s_k − ŷ = Σ_i q_i (s_k − s_i) since Σ q_i = 1: no cancellation when ŷ ≈ s_k.
      var d = 0.0;
      for (var i = 0u; i < P.K; i++) { d += sh_pk[i] * (s - score_values[i]); }
      dlogits[idx] += c * sh_pk[k] * d;
    } else {
      dlogits[idx] += c * sh_pk[k] * s;
    }
  }
}
