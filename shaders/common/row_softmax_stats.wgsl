// Shared by the kernels that need softmax statistics of one row of `logits` (included by launchers
// in front of the kernel's own code; WGSL has no #include).
//
// Needs from the including file: `override WG: u32` (a power of two, the workgroup size) and a
// storage array `logits: array<f32>`.
// Provides: row_softmax_stats(base, V, tid) -> vec2(max, sum of exp(z - max)) over logits[base ..
// base+V), computed by the whole workgroup (every invocation must call it; all get the result).
//
// Values below NEG_BIG count as −∞ (probability exactly 0). We never compare against an infinity
// literal: WGSL lets compilers assume infinities away, while comparisons with finite thresholds
// keep their meaning.
const NEG_BIG: f32 = -1e30;
const LOWEST: f32 = -3.4028234e38;

var<workgroup> stats_m: array<f32, WG>;
var<workgroup> stats_s: array<f32, WG>;

fn stats_combine(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let m = max(a.x, b.x);
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

fn masked_logit(base: u32, j: u32, V: u32) -> f32 {
  if (j >= V) { return LOWEST; }
  let z = logits[base + j];
  return select(z, LOWEST, z < NEG_BIG);
}

fn row_softmax_stats(base: u32, V: u32, tid: u32) -> vec2<f32> {
  // Each invocation keeps a running (max, sum) over 4 strided elements at a time (one rescale per
  // 4 elements), then the workgroup combines the partial pairs in a tree.
  var m = LOWEST;
  var s = 0.0;
  for (var j0 = tid; j0 < V; j0 += 4u * WG) {
    let z0 = masked_logit(base, j0, V);
    let z1 = masked_logit(base, j0 + WG, V);
    let z2 = masked_logit(base, j0 + 2u * WG, V);
    let z3 = masked_logit(base, j0 + 3u * WG, V);
    let cm = max(max(z0, z1), max(z2, z3));
    if (cm > m) {
      s = s * exp(m - cm);
      m = cm;
    }
    // A masked element has z = LOWEST: exp(LOWEST - m) is 0 unless the whole row so far is masked,
    // in which case m = LOWEST too; keep those out of the sum explicitly.
    s += select(exp(z0 - m), 0.0, z0 == LOWEST) + select(exp(z1 - m), 0.0, z1 == LOWEST)
       + select(exp(z2 - m), 0.0, z2 == LOWEST) + select(exp(z3 - m), 0.0, z3 == LOWEST);
  }
  stats_m[tid] = m;
  stats_s[tid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      let c = stats_combine(vec2<f32>(stats_m[tid], stats_s[tid]), vec2<f32>(stats_m[tid + stride], stats_s[tid + stride]));
      stats_m[tid] = c.x;
      stats_s[tid] = c.y;
    }
    workgroupBarrier();
  }
  let r = vec2<f32>(stats_m[0], stats_s[0]);
  workgroupBarrier();
  return r;
}

/** p_j given the row statistics; exactly 0 for masked (−∞) logits. */
fn softmax_prob(z: f32, st: vec2<f32>) -> f32 {
  return select(exp(z - st.x) / st.y, 0.0, z < NEG_BIG);
}
