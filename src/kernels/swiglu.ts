// Launchers for the SwiGLU gate: swiglu_forward.wgsl (out = silu(a) ⊙ b) and swiglu_backward.wgsl.
import type { BufferBinding, Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, elementGrid, rowKernels } from './common.ts';
import swigluForwardWgsl from '../../shaders/swiglu_forward.wgsl?raw';
import swigluBackwardWgsl from '../../shaders/swiglu_backward.wgsl?raw';

const WG = 64;
const forwardKernels = rowKernels('swiglu_forward.wgsl', swigluForwardWgsl, ['a', 'b', 'out']);
const backwardKernels = rowKernels('swiglu_backward.wgsl', swigluBackwardWgsl, ['dout', 'a', 'b', 'da', 'db']);

/** out [n] = silu(a) ⊙ b (assigned); n = R·hidden. */
export function swigluForward(rec: Recorder, out: BufferBinding, a: BufferBinding, b: BufferBinding, n: number): void {
  const name = 'swiglu_forward.wgsl';
  checkDim(name, 'n', n);
  for (const [k, buf] of Object.entries({ a, b, out })) checkBuffer(name, k, buf, n);
  const w = n % 4 === 0 ? 4 : 1;
  rec.run(forwardKernels.pick(n), { params: [n / w], buffers: { a, b, out }, workgroups: elementGrid(rec.gpu, n / w, WG), overrides: { WG } });
}

/** da [n], db [n] (both assigned) from dout [n] and the forward's a, b. */
export function swigluBackward(
  rec: Recorder,
  grads: { da: BufferBinding; db: BufferBinding },
  dout: BufferBinding,
  a: BufferBinding,
  b: BufferBinding,
  n: number,
): void {
  const name = 'swiglu_backward.wgsl';
  checkDim(name, 'n', n);
  for (const [k, buf] of Object.entries({ dout, a, b, ...grads })) checkBuffer(name, k, buf, n);
  const w = n % 4 === 0 ? 4 : 1;
  rec.run(backwardKernels.pick(n), {
    params: [n / w],
    buffers: { dout, a, b, da: grads.da, db: grads.db },
    workgroups: elementGrid(rec.gpu, n / w, WG),
    overrides: { WG },
  });
}
