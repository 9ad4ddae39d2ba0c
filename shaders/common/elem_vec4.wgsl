// Element-width prelude: rows are read and written 4 floats at a time (for row lengths that are
// multiples of 4). On CPU drivers each storage access costs ~10 instructions whatever its width,
// so vec4 access moves ~4× the data per instruction. See elem_f32.wgsl for the other width; the
// kernels that include one of them are written once in terms of Elem.
alias Elem = vec4<f32>;
const W: u32 = 4u;
fn splat(x: f32) -> Elem { return Elem(x); }
fn hsum(x: Elem) -> f32 { return (x.x + x.y) + (x.z + x.w); }
fn hmax(x: Elem) -> f32 { return max(max(x.x, x.y), max(x.z, x.w)); }
fn comp(x: Elem, c: u32) -> f32 { return x[c]; }
fn with_comp(x: Elem, c: u32, v: f32) -> Elem {
  var y = x;
  y[c] = v;
  return y;
}
