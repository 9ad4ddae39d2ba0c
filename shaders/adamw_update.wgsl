// adamw_update — one AdamW step over the range [offset, offset + count) of the flat parameter,
// gradient and moment buffers (the caller launches it once per range: weight-decayed matrices, then
// the rest with weight_decay 0). PyTorch's AdamW order, with the gradient clipped first:
//   g = grads · clip                      (clip = norm_clip[1], from grad_norm_final.wgsl)
//   p = p · (1 − lr·wd)                   (decoupled weight decay)
//   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
//   p = p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
// A clip factor below 0 means the step is skipped (mixed precision overflowed:
// loss_scale_update.wgsl): nothing changes. The bias corrections come from the host (step t), or
// with flags bit 1 from norm_clip[2], [3] (mixed precision: loss_scale_update.wgsl writes them for
// the optimizer's step count, which skipped steps do not advance; the host then passes step_size = lr
// and inv_sqrt_bc2 = 1). With flags bit 0 the gradient is zeroed after use (saves a clear before the
// next accumulation).
// One invocation per Elem of the range (i = gid.y · num_workgroups.x · WG + gid.x).
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs offset and
// count to be multiples of 4).
//
// Bindings:
//   0 params     uniform Params
//   1 weights    [offset + count] f32 (as Elem)  read/write (updated in place)
//   2 grads      [offset + count] f32 (as Elem)  read (zeroed with flags bit 0)
//   3 m          [offset + count] f32 (as Elem)  read/write (first moment)
//   4 v          [offset + count] f32 (as Elem)  read/write (second moment)
//   5 norm_clip  [2] f32 ([4] with flags bit 1)   read   [1] = the clip factor (< 0: skip),
//                                                       [2] = 1 − β1^t, [3] = 1 / sqrt(1 − β2^t)
struct Params {
  offset: u32,        // offset and count in Elems
  count: u32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  decay: f32,         // 1 − lr·wd
  step_size: f32,     // lr / (1 − β1^t)
  inv_sqrt_bc2: f32,  // 1 / sqrt(1 − β2^t)
  flags: u32,         // bit 0: zero the gradient; bit 1: bias corrections from norm_clip[2], [3]
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> weights: array<Elem>;
@group(0) @binding(2) var<storage, read_write> grads: array<Elem>;
@group(0) @binding(3) var<storage, read_write> m: array<Elem>;
@group(0) @binding(4) var<storage, read_write> v: array<Elem>;
@group(0) @binding(5) var<storage, read> norm_clip: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.count) { return; }
  let clip = norm_clip[1];
  if (clip < 0.0) { return; }
  let j = P.offset + i;
  let g = grads[j] * splat(clip);
  let mj = splat(P.beta1) * m[j] + splat(1.0 - P.beta1) * g;
  let vj = splat(P.beta2) * v[j] + splat(1.0 - P.beta2) * g * g;
  m[j] = mj;
  v[j] = vj;
  var step_size = P.step_size;
  var inv_sqrt_bc2 = P.inv_sqrt_bc2;
  if ((P.flags & 2u) != 0u) {
    step_size = step_size / norm_clip[2];
    inv_sqrt_bc2 = inv_sqrt_bc2 * norm_clip[3];
  }
  let p = weights[j] * splat(P.decay);
  weights[j] = p - splat(step_size) * mj / (sqrt(vj) * splat(inv_sqrt_bc2) + splat(P.eps));
  if ((P.flags & 1u) != 0u) { grads[j] = splat(0.0); }
}
