// Launchers for the row-wise softmax and its backward (softmax_forward.wgsl, softmax_backward.wgsl).
import type { Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, rowGrid, rowKernels, rowWorkgroupSize } from './common.ts';
import rowStatsWgsl from '../../shaders/common/row_softmax_stats.wgsl?raw';
import softmaxForwardWgsl from '../../shaders/softmax_forward.wgsl?raw';
import softmaxBackwardWgsl from '../../shaders/softmax_backward.wgsl?raw';

const forwardKernels = rowKernels('softmax_forward.wgsl', softmaxForwardWgsl, ['logits', 'probs'], rowStatsWgsl);
const backwardKernels = rowKernels('softmax_backward.wgsl', softmaxBackwardWgsl, ['probs', 'dprobs', 'dlogits']);

/** probs [N, V] = softmax(logits [N, V]) per row. */
export function softmaxForward(rec: Recorder, probs: GPUBuffer, logits: GPUBuffer, N: number, V: number): void {
  const name = 'softmax_forward.wgsl';
  checkDim(name, 'N', N);
  checkDim(name, 'V', V);
  checkBuffer(name, 'logits', logits, N * V);
  checkBuffer(name, 'probs', probs, N * V);
  const grid = rowGrid(rec.gpu, N);
  rec.run(forwardKernels.pick(V), { params: [N, V, grid.rowsPerX], buffers: { logits, probs }, workgroups: grid.workgroups, overrides: { WG: rowWorkgroupSize(rec.gpu, V) } });
}

/** dlogits [N, V] (= or +=) = p ⊙ (dp − Σ dp⊙p) per row. */
export function softmaxBackward(rec: Recorder, dlogits: GPUBuffer, probs: GPUBuffer, dprobs: GPUBuffer, N: number, V: number, accumulate = false): void {
  const name = 'softmax_backward.wgsl';
  checkDim(name, 'N', N);
  checkDim(name, 'V', V);
  for (const [k, b] of Object.entries({ probs, dprobs, dlogits })) checkBuffer(name, k, b, N * V);
  const grid = rowGrid(rec.gpu, N);
  rec.run(backwardKernels.pick(V), {
    params: [N, V, grid.rowsPerX, accumulate ? 1 : 0],
    buffers: { probs, dprobs, dlogits },
    workgroups: grid.workgroups,
    overrides: { WG: rowWorkgroupSize(rec.gpu, V) },
  });
}
