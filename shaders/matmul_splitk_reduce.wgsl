// matmul_splitk_reduce — the second half of a split-K product (src/kernels/matmul.ts): the tiled
// kernels with SPLITS = S wrote S partial products of each batch entry into `part`; this sums them
// in order s = 0 .. S-1 and stores C[b] = α · Σ_s part[b, s] (+ C[b] with accumulate).
// One invocation per element of C (count = batch · M·N); the partials of one element are M·N apart,
// so consecutive invocations read consecutive addresses.
//
// Bindings:
//   0 params  uniform Params
//   1 part    [batch · S] × [M·N]                   read
//   2 C       [batch] × [M, N] (batch stride strideC) = or += (accumulate)

struct Params {
  count: u32,    // batch · M·N
  splits: u32,   // S
  perBatch: u32, // M·N
  strideC: u32,
  accumulate: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= P.count) { return; }
  let b = e / P.perBatch;
  let i = e % P.perBatch;
  var acc = 0.0;
  for (var s = 0u; s < P.splits; s++) { acc += part[(b * P.splits + s) * P.perBatch + i]; }
  let idx = b * P.strideC + i;
  let v = P.alpha * acc;
  if (P.accumulate != 0u) { C[idx] = C[idx] + v; } else { C[idx] = v; }
}
