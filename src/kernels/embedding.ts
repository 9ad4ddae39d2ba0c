// Launchers for the token embedding (embedding_forward.wgsl) and its gradient
// (embedding_backward.wgsl), plus the host-side helpers they need: token id validation and the
// CSR of positions grouped by token that lets the backward run without atomics.
import { KernelArgumentError, type BufferBinding, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, elementGrid, rowKernels } from './common.ts';
import embeddingForwardWgsl from '../../shaders/embedding_forward.wgsl?raw';
import embeddingBackwardWgsl from '../../shaders/embedding_backward.wgsl?raw';

const WG = 64;
const forwardKernels = rowKernels('embedding_forward.wgsl', embeddingForwardWgsl, ['tokens', 'wte', 'x']);
const backwardKernels = rowKernels('embedding_backward.wgsl', embeddingBackwardWgsl, ['order', 'offsets', 'dx', 'dwte']);

export interface EmbeddingShape {
  /** Positions (B·T). */
  R: number;
  /** Embedding width (dim). */
  C: number;
  /** Vocabulary size (rows of wte). */
  V: number;
}

/** Throws a KernelArgumentError naming the first id that is not an integer in 0..V−1. */
export function validateTokenIds(tokens: ArrayLike<number>, V: number, what = 'tokens'): void {
  for (let r = 0; r < tokens.length; r++) {
    const t = tokens[r];
    if (!Number.isInteger(t) || t < 0 || t >= V) {
      throw new KernelArgumentError(what, `token ${r} is ${t}, outside the vocabulary 0..${V - 1}`);
    }
  }
}

/** Positions grouped by token: the positions of token v are order[offsets[v] .. offsets[v+1]). */
export interface TokenCsr {
  /** [R] positions sorted by token (stable: increasing position within a token). */
  order: Uint32Array;
  /** [V + 1] prefix counts. */
  offsets: Uint32Array;
}

/** Builds the CSR the embedding backward reads (validates the ids first). O(R + V). */
export function buildTokenCsr(tokens: ArrayLike<number>, V: number): TokenCsr {
  validateTokenIds(tokens, V);
  const R = tokens.length;
  const offsets = new Uint32Array(V + 1);
  for (let r = 0; r < R; r++) offsets[tokens[r] + 1]++;
  for (let v = 0; v < V; v++) offsets[v + 1] += offsets[v];
  const next = offsets.slice(0, V);
  const order = new Uint32Array(R);
  for (let r = 0; r < R; r++) order[next[tokens[r]]++] = r;
  return { order, offsets };
}

function checkShape(name: string, s: EmbeddingShape): void {
  checkDim(name, 'R', s.R);
  checkDim(name, 'C', s.C);
  checkDim(name, 'V', s.V);
}

/** x [R, C] = wte [V, C] rows picked by tokens [R] (u32). Ids ≥ V are clamped in the kernel; validate
 *  them on the host with validateTokenIds (or buildTokenCsr) where you have them. */
export function embeddingForward(rec: Recorder, x: BufferBinding, tokens: BufferBinding, wte: BufferBinding, s: EmbeddingShape): void {
  const name = 'embedding_forward.wgsl';
  checkShape(name, s);
  const { R, C, V } = s;
  checkBuffer(name, 'tokens', tokens, R);
  checkBuffer(name, 'wte', wte, V * C);
  checkBuffer(name, 'x', x, R * C);
  const kernel = forwardKernels.pick(C);
  rec.run(kernel, { params: [R, C, V], buffers: { tokens, wte, x }, workgroups: elementGrid(rec.gpu, (R * C) / (C % 4 === 0 ? 4 : 1), WG), overrides: { WG } });
}

/** dwte [V, C] += the embedding gradient of dx [R, C], given the CSR of the batch's tokens
 *  (buildTokenCsr, uploaded as u32 buffers order [R] and offsets [V + 1]). */
export function embeddingBackward(
  rec: Recorder,
  dwte: BufferBinding,
  dx: BufferBinding,
  csr: { order: BufferBinding; offsets: BufferBinding },
  s: EmbeddingShape,
): void {
  const name = 'embedding_backward.wgsl';
  checkShape(name, s);
  const { R, C, V } = s;
  checkBuffer(name, 'order', csr.order, R);
  checkBuffer(name, 'offsets', csr.offsets, V + 1);
  checkBuffer(name, 'dx', dx, R * C);
  checkBuffer(name, 'dwte', dwte, V * C);
  rec.run(backwardKernels.pick(C), {
    params: [R, C, V],
    buffers: { order: csr.order, offsets: csr.offsets, dx, dwte },
    workgroups: elementGrid(rec.gpu, (V * C) / (C % 4 === 0 ? 4 : 1), WG),
    overrides: { WG },
  });
}
