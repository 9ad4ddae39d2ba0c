// The matrix products a training step of this model runs (forward.ts and backward.ts), for the
// autotuner (kernels/matmul_tuning.ts) to time before a run. Rows R = B·T' vary with the trimmed
// length T' of each step (train/step.ts), so the list covers every power of two from one quantum of
// rows up to B·T (the head: from one row per sequence, as it runs on the rows with a target only);
// the tuner serves a whole power-of-two class from one timing.
import type { MatmulShape } from '../kernels/matmul.ts';
import { headSize, kvDim, type ModelConfig } from './config.ts';

export function trainingMatmulShapes(c: ModelConfig, B: number, T: number, minT = 16): MatmulShape[] {
  const C = c.dim;
  const Q = c.nHeads * headSize(c);
  const KV = kvDim(c);
  const F = c.hiddenDim;
  const V = c.vocabSize;
  const pow2From = (lo: number) => {
    const out = new Set<number>([B * T]);
    for (let r = 2 ** Math.ceil(Math.log2(Math.max(1, lo))); r < B * T; r *= 2) out.add(r);
    return out;
  };
  // [out, in] of every layer weight: y = x·Wᵀ forward, dx = dy·W and dW += dyᵀ·x backward.
  const layer: [number, number][] = [[Q, C], [KV, C], [C, Q], [F, C], [C, F]];
  const products = (R: number, o: number, i: number): MatmulShape[] => [
    { M: R, N: o, K: i, transB: true }, // forward
    { M: R, N: i, K: o }, // input gradient
    { M: o, N: i, K: R, transA: true }, // weight gradient
  ];
  const out: MatmulShape[] = [];
  for (const R of pow2From(B * Math.min(minT, T))) for (const [o, i] of layer) out.push(...products(R, o, i));
  // The head runs on the rows with a target only: from one per sequence (label-only RAFT) up.
  for (const R of pow2From(B)) out.push(...products(R, V, C));
  return out;
}
