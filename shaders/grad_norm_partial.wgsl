// grad_norm_partial — first half of the global gradient norm: partials[g] = Σ grads[i]² over chunk g
// of the range [offset, offset + count) of the flat gradient buffer. grad_norm_final.wgsl sums the
// partials. Nothing is read back: the norm and the clip factor stay on the GPU for adamw_update.
// One workgroup per chunk (g = wg.x): a strided sum of squares, then a tree reduction.
// Written over Elem (f32 or vec4<f32>, by the prelude the launcher puts first; vec4 needs offset and
// count to be multiples of 4).
//
// Bindings:
//   0 params    uniform Params
//   1 grads     [offset + count] f32 (as Elem)  read
//   2 partials  [G] f32                         =     one per workgroup
struct Params {
  offset: u32,   // the three in Elems
  count: u32,
  chunk: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> grads: array<Elem>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let start = wg.x * P.chunk;
  let end = min(start + P.chunk, P.count);
  var acc = splat(0.0);
  for (var j = start + tid; j < end; j += WG) {
    let g = grads[P.offset + j];
    acc += g * g;
  }
  partial[tid] = hsum(acc);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0u) { partials[wg.x] = partial[0]; }
}
