// embedding_forward — x[r, :] = wte[tokens[r], :]: the token embedding lookup for R = B·T positions.
// One invocation per element of x (i = gid.y · num_workgroups.x · WG + gid.x, in Elem units).
// Token ids are validated on the host (launcher); here they are clamped below V, so a bad id reads
// row V − 1 and never leaves the table.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs C % 4 = 0).
//
// Bindings:
//   0 params  uniform Params
//   1 tokens  [R]    u32  read
//   2 wte     [V, C] f32 (as Elem)  read
//   3 x       [R, C] f32 (as Elem)  =
struct Params {
  R: u32,
  C: u32,
  V: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> wte: array<Elem>;
@group(0) @binding(3) var<storage, read_write> x: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let Ce = P.C / W;
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.R * Ce) { return; }
  let r = i / Ce;
  let c = i - r * Ce;
  let tok = min(tokens[r], P.V - 1u);
  x[i] = wte[tok * Ce + c];
}
