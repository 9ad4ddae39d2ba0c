// swiglu_backward — the gradient of out = silu(a) ⊙ b (swiglu_forward.wgsl), elementwise:
//   da = dout ⊙ b ⊙ σ(a) · (1 + a · (1 − σ(a))),   db = dout ⊙ a · σ(a)
// One invocation per Elem (i = gid.y · num_workgroups.x · WG + gid.x).
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs n % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 dout    [n] f32 (as Elem)  read
//   2 a       [n] f32 (as Elem)  read
//   3 b       [n] f32 (as Elem)  read
//   4 da      [n] f32 (as Elem)  =
//   5 db      [n] f32 (as Elem)  =
struct Params {
  n: u32,   // in Elems
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> dout: array<Elem>;
@group(0) @binding(2) var<storage, read> a: array<Elem>;
@group(0) @binding(3) var<storage, read> b: array<Elem>;
@group(0) @binding(4) var<storage, read_write> da: array<Elem>;
@group(0) @binding(5) var<storage, read_write> db: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.n) { return; }
  let x = a[i];
  let d = dout[i];
  let sig = splat(1.0) / (splat(1.0) + exp(min(-x, splat(88.0))));
  da[i] = d * b[i] * sig * (splat(1.0) + x * (splat(1.0) - sig));
  db[i] = d * x * sig;
}
