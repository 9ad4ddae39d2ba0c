// rope_cache — what an inference forward does between the q, k, v products and attention, in one
// dispatch: q rotated in place (as rope_forward.wgsl), k rotated into its KV-cache row and v copied
// into its row (what ropeForward on k plus kvCacheWrite's copies did: two rotations, two copies and
// so two compute-pass breaks per layer). Row r = b·T + t sits at position p = pos_offset + t, cache
// row b·Tmax + p. The rotation of pair i of a head by p·freq_i, with (cos, sin) from the host-built
// table [max_pos, hs/2] (ropeTable: llama2.c's f32 arithmetic), on elements (2i, 2i+1)
// ('interleaved') or (i, i + hs/2) ('half'):  (v0, v1) → (v0·cos − v1·sin, v0·sin + v1·cos).
// Invocation idx = gid.y · num_workgroups.x · WG + gid.x = r · per_row + e, per_row = (H + KH)·half + KV:
//   e < H·half              q pair (head e / half, pair e % half), in place
//   e < (H + KH)·half       k pair → k_cache
//   else                    v element e − (H + KH)·half → v_cache
//
// Bindings:
//   0 params   uniform Params
//   1 table    [max_pos, hs/2]          vec2<f32>  read   (cos, sin)
//   2 q        [R, H·hs]                f32        read/write (rotated in place)
//   3 k        [R, KH·hs]               f32        read
//   4 v        [R, KH·hs]               f32        read
//   5 k_cache  [B, Tmax, KH·hs]         f32        rows pos_offset .. pos_offset + T − 1 =
//   6 v_cache  [B, Tmax, KH·hs]         f32        rows pos_offset .. pos_offset + T − 1 =
struct Params {
  R: u32,
  T: u32,
  H: u32,
  KH: u32,
  hs: u32,
  pos_offset: u32,
  max_pos: u32,
  half_pairs: u32,   // 1: pairs (i, i + hs/2); 0: pairs (2i, 2i+1)
  Tmax: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> table: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let half = P.hs / 2u;
  let KV = P.KH * P.hs;
  let qPairs = P.H * half;
  let kPairs = P.KH * half;
  let per_row = qPairs + kPairs + KV;
  let idx = gid.y * nwg.x * WG + gid.x;
  if (idx >= P.R * per_row) { return; }
  let r = idx / per_row;
  let e = idx % per_row;
  let t = r % P.T;
  let pos = P.pos_offset + t;
  let crow = ((r / P.T) * P.Tmax + pos) * KV; // the cache row's first element
  if (e >= qPairs + kPairs) {
    let j = e - qPairs - kPairs;
    v_cache[crow + j] = v[r * KV + j];
    return;
  }
  let isK = e >= qPairs;
  let pe = select(e, e - qPairs, isK);
  let head = pe / half;
  let i = pe % half;
  let cs = table[min(pos, P.max_pos - 1u) * half + i];
  var o0 = 2u * i;
  var o1 = o0 + 1u;
  if (P.half_pairs != 0u) {
    o0 = i;
    o1 = i + half;
  }
  let base = head * P.hs;
  if (isK) {
    let v0 = k[r * KV + base + o0];
    let v1 = k[r * KV + base + o1];
    k_cache[crow + base + o0] = v0 * cs.x - v1 * cs.y;
    k_cache[crow + base + o1] = v0 * cs.y + v1 * cs.x;
  } else {
    let qb = r * P.H * P.hs + base;
    let v0 = q[qb + o0];
    let v1 = q[qb + o1];
    q[qb + o0] = v0 * cs.x - v1 * cs.y;
    q[qb + o1] = v0 * cs.y + v1 * cs.x;
  }
}
