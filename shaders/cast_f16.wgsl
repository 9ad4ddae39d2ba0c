// cast_f16 — out[i] = f16(x[i] · scale[0]) for i < n: f32 values to half floats, the inputs of the
// mixed-precision matmuls (kernels/matmul.ts with `half`). scale[0] is the dynamic loss scale
// when the values are the loss gradient (1 otherwise): it lifts small gradients out of f16's
// underflow range (below ~6e-8 they would flush to zero).
// A value whose scaled magnitude exceeds f16's largest finite (65504), or that is not finite, sets
// overflow[0] = 1 and is stored clamped: WGSL leaves an out-of-range conversion's result
// indeterminate, so overflow is detected here rather than left to show as an infinity. The step's
// loss-scale update (loss_scale_update.wgsl) then skips the step and halves the scale.
// Four elements per invocation (i = 4 · (gid.y · num_workgroups.x · WG + gid.x)), so no two
// invocations write halves of the same 32-bit word.
//
// Bindings:
//   0 params    uniform Params
//   1 x         [n] f32          read
//   2 out       [n] f16          =
//   3 scale     [1] f32          read   (a loss-scale state: [0] = scale)
//   4 overflow  [1] atomic u32   set to 1 on overflow (never cleared here)
enable f16;

struct Params {
  n: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f16>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read_write> overflow: array<atomic<u32>>;

const F16_MAX: f32 = 65504.0;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i0 = 4u * (gid.y * nwg.x * WG + gid.x);
  if (i0 >= P.n) { return; }
  let s = scale[0];
  var bad = false;
  for (var j = 0u; j < 4u; j++) {
    let i = i0 + j;
    if (i >= P.n) { break; }
    let v = x[i] * s;
    // Infinities and NaNs have every exponent bit set; a finite v must also fit f16.
    let finite = (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
    let fits = finite && abs(v) <= F16_MAX;
    bad = bad || !fits;
    out[i] = f16(select(0.0, clamp(v, -F16_MAX, F16_MAX), finite));
  }
  if (bad) { atomicStore(&overflow[0], 1u); }
}
