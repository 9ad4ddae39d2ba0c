// rmsnorm_gain_backward — dg[c] += Σ_r dy[r, c] · x[r, c] · rstd[r]: the gradient of the RMSNorm
// gain (rmsnorm_forward.wgsl), a reduction over the R rows with one invocation per channel (per
// Elem of channels), so no two invocations write the same output.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs C % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 dy      [R, C] f32 (as Elem)  read
//   2 x       [R, C] f32 (as Elem)  read
//   3 rstd    [R]    f32            read
//   4 dg      [C]    f32 (as Elem)  +=
struct Params {
  R: u32,
  C: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> dy: array<Elem>;
@group(0) @binding(2) var<storage, read> x: array<Elem>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dg: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let Ce = P.C / W;
  let c = gid.x;
  if (c >= Ce) { return; }
  var acc = splat(0.0);
  for (var r = 0u; r < P.R; r++) {
    acc += dy[r * Ce + c] * x[r * Ce + c] * splat(rstd[r]);
  }
  dg[c] += acc;
}
