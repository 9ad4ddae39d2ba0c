// Fresh weights for training from scratch, as llama2.c's model.py initialises them: every matrix
// and the embedding ~ N(0, 0.02²), except the two projections that write into the residual stream
// per layer (wo and w3 there; we follow it) ~ N(0, (0.02/√(2L))²); RMSNorm gains 1. Seeded, so the
// same seed gives the same model in Node and in the browser. Alignment gaps stay 0.
import type { ParamLayout } from './layout.ts';
import { Rng } from './rng.ts';

export interface InitOptions {
  /** Standard deviation of the matrices and embedding. Default 0.02. */
  std?: number;
}

export function initParams(layout: ParamLayout, seed: number, options: InitOptions = {}): Float32Array {
  const std = options.std ?? 0.02;
  const residualStd = std / Math.sqrt(2 * layout.config.nLayers);
  const rng = new Rng(seed);
  const normal = () => rng.normal();
  const p = new Float32Array(layout.size);
  for (const t of layout.tensors) {
    if (t.kind === 'norm') {
      p.fill(1, t.offset, t.offset + t.size);
      continue;
    }
    const s = /\.(attention\.wo|feed_forward\.w3)$/.test(t.name) ? residualStd : std;
    for (let i = 0; i < t.size; i++) p[t.offset + i] = s * normal();
  }
  return p;
}
