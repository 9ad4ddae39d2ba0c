// The RAIL/RAFT computation as a chain of separate kernels, the way a framework's autograd would run
// it: softmax → gather → weighted sum → squared error, then back through each op. Used only to
// benchmark the fused kernels (score_expectation, raft_loss_backward) against; the test checks it
// computes the same values.
//
// Dispatches: softmax_forward, gather_columns, weighted_sum, squared_error, weighted_sum_backward,
// a clear of dp, gather_columns_backward, softmax_backward.
import { createBuffer, defineKernel, f32, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkDim, elementGrid, shader } from './common.ts';
import { softmaxBackward, softmaxForward } from './softmax.ts';
import type { ScoreTokens } from './score.ts';
import gatherWgsl from '../../shaders/gather_columns.wgsl?raw';
import gatherBackwardWgsl from '../../shaders/gather_columns_backward.wgsl?raw';
import weightedSumWgsl from '../../shaders/weighted_sum.wgsl?raw';
import weightedSumBackwardWgsl from '../../shaders/weighted_sum_backward.wgsl?raw';
import squaredErrorWgsl from '../../shaders/squared_error.wgsl?raw';

const WG = 64;
const gatherKernel = defineKernel(shader('gather_columns.wgsl', gatherWgsl), ['x', 'ids', 'out']);
const gatherBackwardKernel = defineKernel(shader('gather_columns_backward.wgsl', gatherBackwardWgsl), ['dout', 'ids', 'dx']);
const weightedSumKernel = defineKernel(shader('weighted_sum.wgsl', weightedSumWgsl), ['g', 'values', 'yhat', 'mass']);
const weightedSumBackwardKernel = defineKernel(shader('weighted_sum_backward.wgsl', weightedSumBackwardWgsl), ['dyhat', 'values', 'yhat', 'mass', 'dg']);
const squaredErrorKernel = defineKernel(shader('squared_error.wgsl', squaredErrorWgsl), ['yhat', 'gold', 'mask', 'loss', 'dyhat']);

/** Intermediate buffers of the chain for N rows of V logits and K score tokens. */
export interface UnfusedWorkspace {
  probs: GPUBuffer; // [N, V]
  dprobs: GPUBuffer; // [N, V]
  gathered: GPUBuffer; // [N, K]
  dgathered: GPUBuffer; // [N, K]
  mass: GPUBuffer; // [N]
  dyhat: GPUBuffer; // [N]
}

export function createUnfusedWorkspace(gpu: Gpu, N: number, V: number, K: number): UnfusedWorkspace {
  return {
    probs: createBuffer(gpu, 'unfused.probs', N * V * 4),
    dprobs: createBuffer(gpu, 'unfused.dprobs', N * V * 4),
    gathered: createBuffer(gpu, 'unfused.gathered', N * K * 4),
    dgathered: createBuffer(gpu, 'unfused.dgathered', N * K * 4),
    mass: createBuffer(gpu, 'unfused.mass', N * 4),
    dyhat: createBuffer(gpu, 'unfused.dyhat', N * 4),
  };
}

/** Same outputs as raftLossBackward (dlogits assigned, loss, yhat) plus mass, via the chain. */
export function raftLossUnfused(
  rec: Recorder,
  out: { dlogits: GPUBuffer; loss: GPUBuffer; yhat: GPUBuffer },
  ws: UnfusedWorkspace,
  logits: GPUBuffer,
  gold: GPUBuffer,
  mask: GPUBuffer,
  tokens: ScoreTokens,
  opts: { N: number; V: number; lambda?: number; renormalize?: boolean },
): void {
  const { N, V } = opts;
  const K = tokens.K;
  checkDim('raft (unfused)', 'N', N);
  checkDim('raft (unfused)', 'V', V);
  const renorm = opts.renormalize ? 1 : 0;
  const gpu = rec.gpu;
  softmaxForward(rec, ws.probs, logits, N, V);
  rec.run(gatherKernel, { params: [N, V, K], buffers: { x: ws.probs, ids: tokens.ids, out: ws.gathered }, workgroups: elementGrid(gpu, N * K, WG) });
  rec.run(weightedSumKernel, {
    params: [N, K, renorm],
    buffers: { g: ws.gathered, values: tokens.values, yhat: out.yhat, mass: ws.mass },
    workgroups: elementGrid(gpu, N, WG),
  });
  rec.run(squaredErrorKernel, {
    params: [N, f32(opts.lambda ?? 1)],
    buffers: { yhat: out.yhat, gold, mask, loss: out.loss, dyhat: ws.dyhat },
    workgroups: elementGrid(gpu, N, WG),
  });
  rec.run(weightedSumBackwardKernel, {
    params: [N, K, renorm],
    buffers: { dyhat: ws.dyhat, values: tokens.values, yhat: out.yhat, mass: ws.mass, dg: ws.dgathered },
    workgroups: elementGrid(gpu, N * K, WG),
  });
  rec.clear(ws.dprobs, 0, N * V * 4);
  rec.run(gatherBackwardKernel, { params: [N, V, K], buffers: { dout: ws.dgathered, ids: tokens.ids, dx: ws.dprobs }, workgroups: elementGrid(gpu, N * K, WG) });
  softmaxBackward(rec, out.dlogits, ws.probs, ws.dprobs, N, V);
}
