// rope_forward — rotary position embedding of Q or K, in place: x [R, n_heads·hs], row r at position
// pos = (r mod T) + pos_offset. Pair i of each head (0 ≤ i < hs/2) is rotated by pos·freq_i:
//   (v0, v1) → (v0·cos − v1·sin, v0·sin + v1·cos)
// where the pair is elements (2i, 2i+1) of the head ('interleaved', llama2.c) or (i, i + hs/2)
// ('half', Hugging Face rotate_half). cos/sin come from a host-built table [max_pos, hs/2] of
// (cos, sin) pairs (ropeTable: llama2.c's f32 arithmetic), so angles match llama2.c exactly.
// The backward is the same rotation by −angle: the launcher passes direction −1 (sin negated).
// One invocation per (row, head, pair): i = gid.y · num_workgroups.x · WG + gid.x.
// Positions beyond the table are clamped to its last row (the launcher refuses such shapes).
//
// Bindings:
//   0 params  uniform Params
//   1 table   [max_pos, hs/2] vec2<f32>  read   (cos, sin)
//   2 x       [R, n_heads·hs] f32        read/write (rotated in place)
struct Params {
  R: u32,
  T: u32,
  n_heads: u32,
  hs: u32,
  pos_offset: u32,
  max_pos: u32,
  half_pairs: u32,   // 1: pairs (i, i + hs/2); 0: pairs (2i, 2i+1)
  direction: f32,    // +1 forward, −1 backward
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> table: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let half = P.hs / 2u;
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.R * P.n_heads * half) { return; }
  let i = idx % half;
  let rh = idx / half;          // row · n_heads + head
  let r = rh / P.n_heads;
  let pos = min(r % P.T + P.pos_offset, P.max_pos - 1u);
  let cs = table[pos * half + i];
  let c = cs.x;
  let s = cs.y * P.direction;
  let base = rh * P.hs;
  var i0 = base + 2u * i;
  var i1 = i0 + 1u;
  if (P.half_pairs != 0u) {
    i0 = base + i;
    i1 = i0 + half;
  }
  let v0 = x[i0];
  let v1 = x[i1];
  x[i0] = v0 * c - v1 * s;
  x[i1] = v0 * s + v1 * c;
}
