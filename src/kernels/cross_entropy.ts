// Launcher for the fused softmax cross-entropy and its gradient (cross_entropy_backward.wgsl).
import { f32, KernelArgumentError, type BufferBinding, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, rowGrid, rowKernels, rowWorkgroupSize } from './common.ts';
import rowStatsWgsl from '../../shaders/common/row_softmax_stats.wgsl?raw';
import crossEntropyBackwardWgsl from '../../shaders/cross_entropy_backward.wgsl?raw';

const kernels = rowKernels('cross_entropy_backward.wgsl', crossEntropyBackwardWgsl, ['logits', 'targets', 'mask', 'dlogits', 'loss'], rowStatsWgsl);

export interface CrossEntropyShape {
  /** Rows (positions, B·T). */
  N: number;
  V: number;
  /** Factor of the gradient: 1 / (number of target positions) for a mean. The loss is unscaled. */
  scale: number;
}

/**
 * loss [N] = mask · (−log softmax(logits)[target]) (unscaled), dlogits [N, V] = scale · mask ·
 * (p − onehot(target)), both assigned for every row (0 where mask = 0). targets: u32 [N], ids < V
 * (validate on the host with validateTokenIds; the kernel clamps). mask: f32 [N].
 */
export function crossEntropyBackward(
  rec: Recorder,
  out: { dlogits: BufferBinding; loss: BufferBinding },
  logits: BufferBinding,
  targets: BufferBinding,
  mask: BufferBinding,
  s: CrossEntropyShape,
): void {
  const name = 'cross_entropy_backward.wgsl';
  const { N, V, scale } = s;
  checkDim(name, 'N', N);
  checkDim(name, 'V', V);
  if (!Number.isFinite(scale)) throw new KernelArgumentError(name, `scale must be finite, got ${scale}`);
  checkBuffer(name, 'logits', logits, N * V);
  checkBuffer(name, 'targets', targets, N);
  checkBuffer(name, 'mask', mask, N);
  checkBuffer(name, 'dlogits', out.dlogits, N * V);
  checkBuffer(name, 'loss', out.loss, N);
  const grid = rowGrid(rec.gpu, N);
  rec.run(kernels.pick(V), {
    params: [N, V, grid.rowsPerX, f32(scale)],
    buffers: { logits, targets, mask, dlogits: out.dlogits, loss: out.loss },
    workgroups: grid.workgroups,
    overrides: { WG: rowWorkgroupSize(rec.gpu, V) },
  });
}
