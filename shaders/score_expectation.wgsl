// score_expectation — the RAIL read-out (DESIGN.md §1).
// For each row n of logits [N, V]: p = softmax(z) over the whole vocabulary; p_k = p[t_k] for the K
// score tokens; mass = Σ_k p_k; ŷ = Σ_k s_k p_k, or Σ_k s_k p_k / mass when renormalising (then
// probs holds q_k = p_k / mass).
// One workgroup per row (WG invocations stride over V); workgroups laid out 2-D when N > 65535.
//
// Bindings (f32 unless noted):
//   0 params        uniform Params
//   1 logits        [N, V]  read
//   2 score_ids     [K] u32 read   (distinct, < V: checked by the launcher)
//   3 score_values  [K]     read   (s_k)
//   4 probs         [N, K]  =      (p_k, or q_k when renormalising)
//   5 mass          [N]     =      Σ_k p_k (always the un-renormalised captured mass)
//   6 yhat          [N]     =      ŷ
struct Params {
  N: u32,
  V: u32,
  K: u32,
  renorm: u32,      // 1 → renormalise over the K score tokens
  rows_per_x: u32,  // workgroups along x (row = wg.y * rows_per_x + wg.x)
}

override WG: u32 = 256u;
const MAX_K: u32 = 32u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> score_ids: array<u32>;
@group(0) @binding(3) var<storage, read> score_values: array<f32>;
@group(0) @binding(4) var<storage, read_write> probs: array<f32>;
@group(0) @binding(5) var<storage, read_write> mass: array<f32>;
@group(0) @binding(6) var<storage, read_write> yhat: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; } // uniform across the workgroup
  let base = n * P.V;
  let st = row_softmax_stats(base, P.V, tid);
  if (tid == 0u) {
    var pk: array<f32, MAX_K>;
    var total = 0.0;
    var expect = 0.0;
    for (var k = 0u; k < P.K; k++) {
      let p = softmax_prob(logits[base + score_ids[k]], st);
      pk[k] = p;
      total += p;
      expect += score_values[k] * p;
    }
    mass[n] = total;
    if (P.renorm != 0u) {
      // q_k from the K score logits alone (their own max), so it stays exact when the score tokens
      // carry almost none of the full-vocabulary mass (p_k underflows, q_k does not).
      let q = renormalized_scores(base);
      var e = 0.0;
      for (var k = 0u; k < P.K; k++) {
        probs[n * P.K + k] = q[k];
        e += score_values[k] * q[k];
      }
      yhat[n] = e;
    } else {
      for (var k = 0u; k < P.K; k++) { probs[n * P.K + k] = pk[k]; }
      yhat[n] = expect;
    }
  }
}

fn renormalized_scores(base: u32) -> array<f32, MAX_K> {
  var q: array<f32, MAX_K>;
  var m = LOWEST;
  for (var k = 0u; k < P.K; k++) { m = max(m, logits[base + score_ids[k]]); }
  var total = 0.0;
  for (var k = 0u; k < P.K; k++) {
    let z = logits[base + score_ids[k]];
    q[k] = select(exp(z - m), 0.0, z < NEG_BIG);
    total += q[k];
  }
  for (var k = 0u; k < P.K; k++) { q[k] = q[k] / total; }
  return q;
}
