// Element-width prelude: rows are read and written one float at a time (any row length).
// Same functions as elem_vec4.wgsl.
alias Elem = f32;
const W: u32 = 1u;
fn splat(x: f32) -> Elem { return x; }
fn hsum(x: Elem) -> f32 { return x; }
fn hmax(x: Elem) -> f32 { return x; }
fn comp(x: Elem, c: u32) -> f32 { return x; }
fn with_comp(x: Elem, c: u32, v: f32) -> Elem { return v; }
