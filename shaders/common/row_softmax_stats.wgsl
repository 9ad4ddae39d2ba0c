// Softmax statistics of one row of `logits`, computed by a whole workgroup. Shared by the kernels
// that need them (launchers place it after an element-width prelude and before the kernel).
//
// Needs from the including file: `override WG: u32` (a power of two), `logits: array<Elem>`.
// Provides:
//   row_stats(base, Ve, tid) -> vec2(M, S): M = max_j z_j, S = Σ_j exp(z_j − M) over the row's Ve
//     elements logits[base .. base+Ve). Every invocation must call it; all get the result.
//   safe_exp(z, M) / scalar_exp(z, M): exp(z − M) for an Elem or one float.
//
// Two streaming passes (max, then the sum of exponentials), one exp per element. Measured on
// lavapipe, keeping the row in a private array between passes was slower than reading it again:
// private arrays indexed in a loop become per-lane memory, and a vec4 storage read is cheap.
//
// A logit of −∞ (or anything more than 200 below the row max) gives exactly 0: exp(max(z − M,
// −200)) underflows to 0 in f32. We never compare against an infinity: WGSL lets compilers assume
// infinities away, while max() and exp() of finite clamps keep their meaning.
const EXP_FLOOR: f32 = -200.0;

var<workgroup> wg_red: array<f32, WG>;

fn wg_max(x: f32, tid: u32) -> f32 {
  wg_red[tid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { wg_red[tid] = max(wg_red[tid], wg_red[tid + stride]); }
    workgroupBarrier();
  }
  let r = wg_red[0];
  workgroupBarrier();
  return r;
}

fn wg_sum(x: f32, tid: u32) -> f32 {
  wg_red[tid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { wg_red[tid] = wg_red[tid] + wg_red[tid + stride]; }
    workgroupBarrier();
  }
  let r = wg_red[0];
  workgroupBarrier();
  return r;
}

fn safe_exp(z: Elem, M: f32) -> Elem {
  return exp(max(z - splat(M), splat(EXP_FLOOR)));
}

fn scalar_exp(z: f32, M: f32) -> f32 {
  return exp(max(z - M, EXP_FLOOR));
}

fn row_stats(base: u32, Ve: u32, tid: u32) -> vec2<f32> {
  var m = splat(-3.4028234e38);
  for (var j = tid; j < Ve; j += WG) { m = max(m, logits[base + j]); }
  let M = wg_max(hmax(m), tid);
  var s = splat(0.0);
  for (var j = tid; j < Ve; j += WG) { s += safe_exp(logits[base + j], M); }
  let S = wg_sum(hsum(s), tid);
  return vec2<f32>(M, S);
}
