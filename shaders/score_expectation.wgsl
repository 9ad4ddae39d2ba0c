// score_expectation — the RAIL read-out (DESIGN.md §1), everything the judge reads back.
// For each row n of logits [N, V]: p = softmax(z) over the whole vocabulary; p_k = p[t_k] for the K
// score tokens; mass = Σ_k p_k; ŷ = Σ_k s_k p_k. Renormalising: q_k = softmax over the K score
// logits alone, with their own max (= p_k / Σ_i p_i, but exact when the score tokens carry almost
// no mass), and ŷ = Σ_k s_k q_k; the probabilities written are then q_k (mass stays Σ_k p_k).
// Also the decoded score s_{k*}, k* the first k with the largest score logit (decoding among the
// score tokens), and whether a score token reaches the whole-vocabulary max logit (1) or not (0):
// plain decoding would then have produced a score here.
// One workgroup per output row n (n = wg.y · rows_per_x + wg.x): the softmax statistics of its
// logits row (shared snippet), then invocation 0 reads the K score logits. With flags bit 2 the
// logits row is rows[n] of a larger [R, V] buffer (e.g. the last position of each sequence among
// all positions of a batch); otherwise it is row n.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs V % 4 = 0).
//
// Bindings:
//   0 params        uniform Params
//   1 logits        [N or R, V] f32 (as Elem)  read
//   2 score_table   [2K] u32  read   ids t_k (distinct, < V: checked by the launcher), then the
//                                    bits of the f32 values s_k
//   3 rows          [N] u32   read   logits row of each output row (flags bit 2; else unused)
//   4 readout       [N, K + 4] f32  =   per row: p_0 … p_{K−1} (or q_k), mass, ŷ, decoded s_{k*},
//                                       argmax flag (1.0 or 0.0)
struct Params {
  N: u32,
  V: u32,
  K: u32,
  flags: u32,       // bit 0: renormalise over the K score tokens; bit 2: read logits rows via `rows`
  rows_per_x: u32,
  R: u32,           // rows of the logits buffer (rows[n] is clamped below it)
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<Elem>;
@group(0) @binding(2) var<storage, read> score_table: array<u32>;
@group(0) @binding(3) var<storage, read> rows: array<u32>;
@group(0) @binding(4) var<storage, read_write> readout: array<f32>;

fn logit_at(i: u32) -> f32 { return comp(logits[i / W], i % W); }
fn score_id(k: u32) -> u32 { return score_table[k]; }
fn score_value(k: u32) -> f32 { return bitcast<f32>(score_table[P.K + k]); }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; } // uniform across the workgroup
  let src = select(n, min(rows[n], P.R - 1u), (P.flags & 4u) != 0u);
  let st = row_stats(src * (P.V / W), P.V / W, tid);
  if (tid != 0u) { return; }
  let row = src * P.V;
  let out = n * (P.K + 4u);
  // The largest score logit (its first k): the decoded score, and the max the renormalisation uses.
  var m = logit_at(row + score_id(0u));
  var best = 0u;
  for (var k = 1u; k < P.K; k++) {
    let z = logit_at(row + score_id(k));
    if (z > m) { m = z; best = k; }
  }
  var total = 0.0;
  var expect = 0.0;
  for (var k = 0u; k < P.K; k++) {
    let p = scalar_exp(logit_at(row + score_id(k)), st.x) / st.y;
    total += p;
    expect += score_value(k) * p;
    readout[out + k] = p;
  }
  var yhat = expect;
  if ((P.flags & 1u) != 0u) {
    var qsum = 0.0;
    for (var k = 0u; k < P.K; k++) { qsum += scalar_exp(logit_at(row + score_id(k)), m); }
    var e = 0.0;
    for (var k = 0u; k < P.K; k++) {
      let q = scalar_exp(logit_at(row + score_id(k)), m) / qsum;
      readout[out + k] = q;
      e += score_value(k) * q;
    }
    yhat = e;
  }
  readout[out + P.K] = total;
  readout[out + P.K + 1u] = yhat;
  readout[out + P.K + 2u] = score_value(best);
  readout[out + P.K + 3u] = select(0.0, 1.0, m >= st.x);
}
