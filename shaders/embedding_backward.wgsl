// embedding_backward — dwte[v, :] += Σ_{r : tokens[r] = v} dx[r, :], the gradient of the embedding
// lookup, without atomics: the host groups positions by token (a CSR: `order` lists the positions
// sorted by token, positions of token v are order[offsets[v] .. offsets[v+1])), so one invocation
// owns one element (v, c) of dwte and sums its rows in order.
// Invocation i = gid.y · num_workgroups.x · WG + gid.x is element i of dwte (in Elem units). Tokens
// that do not occur leave their rows untouched. Offsets are clamped to R and positions below R, so
// a malformed CSR cannot read out of bounds.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs C % 4 = 0).
//
// Bindings:
//   0 params   uniform Params
//   1 order    [R]     u32  read   positions sorted by token
//   2 offsets  [V + 1] u32  read   offsets[v] = number of positions with a token < v
//   3 dx       [R, C]  f32 (as Elem)  read
//   4 dwte     [V, C]  f32 (as Elem)  +=
struct Params {
  R: u32,
  C: u32,
  V: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> dx: array<Elem>;
@group(0) @binding(4) var<storage, read_write> dwte: array<Elem>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let Ce = P.C / W;
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= P.V * Ce) { return; }
  let v = i / Ce;
  let c = i - v * Ce;
  let start = min(offsets[v], P.R);
  let end = min(offsets[v + 1u], P.R);
  if (start >= end) { return; }
  var acc = splat(0.0);
  for (var k = start; k < end; k++) {
    acc += dx[min(order[k], P.R - 1u) * Ce + c];
  }
  dwte[i] += acc;
}
