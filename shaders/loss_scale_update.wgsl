// loss_scale_update — dynamic loss scaling for mixed-precision training, after grad_norm_final.wgsl
// on gradients of the loss multiplied by the scale S (cast_f16.wgsl applies S to the loss gradient):
//   overflow (a cast saw a value f16 cannot hold) or a norm that is not finite:
//     skip the step: norm_clip[1] = −1 (adamw_update.wgsl then changes nothing), S = max(S / 2,
//     min_scale), the count of good steps restarts, skipped += 1;
//   otherwise:
//     norm = norm_clip[0] / S (the true norm, which is what is reported and clipped),
//     norm_clip[1] = clip(norm) / S, so AdamW sees the unscaled, clipped gradient;
//     norm_clip[2], [3] = AdamW's bias corrections 1 − β1^t and 1 / sqrt(1 − β2^t) for the
//     optimizer's own step count t = step − skipped (a skipped step is no optimizer step, as in
//     PyTorch, where GradScaler does not call optimizer.step());
//     after growth_interval good steps in a row, S = min(2·S, max_scale).
// Nothing is read back: the scale lives on the GPU and the next step's cast reads it, so a step
// can be recorded before the previous one's outcome is known and the run stays deterministic.
// One invocation.
//
// Bindings:
//   0 params     uniform Params
//   1 norm_clip  [4] f32          read/write  [0] = norm (scaled in, true out), [1] = clip factor,
//                                             [2], [3] = bias corrections (written on good steps)
//   2 state      [4] f32          read/write  [0] = S, [1] = good steps in a row, [2] = skipped
//                                             steps in all, [3] = 1 if this step was skipped
//   3 overflow   [1] u32          read        set by cast_f16.wgsl during the step
struct Params {
  max_norm: f32,       // ≤ 0: no clipping
  growth_interval: f32,
  min_scale: f32,
  max_scale: f32,
  step: f32,           // the training step t ≥ 1, counting skipped steps (exact below 2^24)
  beta1: f32,
  beta2: f32,
}

/** β^t, with 0^t = 0 (pow is undefined at 0 in WGSL). */
fn power(beta: f32, t: f32) -> f32 {
  return select(pow(beta, t), 0.0, beta <= 0.0);
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> norm_clip: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
@group(0) @binding(3) var<storage, read> overflow: array<u32>;

@compute @workgroup_size(1)
fn main() {
  let S = state[0];
  let scaled = norm_clip[0];
  let finite = (bitcast<u32>(scaled) & 0x7f800000u) != 0x7f800000u;
  if (overflow[0] != 0u || !finite) {
    norm_clip[1] = -1.0;
    state[0] = max(S * 0.5, P.min_scale);
    state[1] = 0.0;
    state[2] = state[2] + 1.0;
    state[3] = 1.0;
    return;
  }
  let norm = scaled / S;
  norm_clip[0] = norm;
  let clip = select(1.0, min(1.0, P.max_norm / (norm + 1e-6)), P.max_norm > 0.0);
  norm_clip[1] = clip / S;
  let t = P.step - state[2];
  norm_clip[2] = 1.0 - power(P.beta1, t);
  norm_clip[3] = inverseSqrt(1.0 - power(P.beta2, t));
  var good = state[1] + 1.0;
  var next = S;
  if (good >= P.growth_interval) {
    next = min(S * 2.0, P.max_scale);
    good = 0.0;
  }
  state[0] = next;
  state[1] = good;
  state[3] = 0.0;
}
