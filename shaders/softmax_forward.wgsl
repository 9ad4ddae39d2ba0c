// softmax_forward — p = softmax(z) row by row, over [N, V] (numerically stable; −∞ logits get
// probability exactly 0).
// One workgroup per row: the softmax statistics (shared snippet), then one pass that writes
// p = exp(z − M) / S.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs V % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 logits  [N, V] f32 (as Elem)  read
//   2 probs   [N, V] f32 (as Elem)  =
struct Params {
  N: u32,
  V: u32,
  rows_per_x: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<Elem>;
@group(0) @binding(2) var<storage, read_write> probs: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.y * P.rows_per_x + wg.x;
  if (n >= P.N) { return; }
  let Ve = P.V / W;
  let base = n * Ve;
  let st = row_stats(base, Ve, tid);
  let inv = 1.0 / st.y;
  for (var j = tid; j < Ve; j += WG) {
    probs[base + j] = safe_exp(logits[base + j], st.x) * inv;
  }
}
