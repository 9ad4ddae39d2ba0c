// Our engine's read-out for the judge benchmark: the score head's fused read-out on the Generator's
// KV cache (GpuScoreReader.readoutsOnCache), as the judge runs CoT-RAIL — only the suffix after the
// CoT runs, K + 4 floats come back. Shared by the bench page and `tract bench judge` in Node.
import type { Generator } from '../../infer/generate.ts';
import { GpuScoreReader } from '../../infer/readout.ts';
import { scoreScaleOf } from '../../model/score_head.ts';
import type { ReadOut } from './judge_run.ts';

export function cacheReadOut(gen: Generator, scoreIds: number[]): { readOut: ReadOut; destroy(): void } {
  const reader = new GpuScoreReader(gen.model, scoreScaleOf({ scoreTokenIds: () => scoreIds }), 1, gen.Tmax);
  return {
    readOut: async (seq) => (await reader.readoutsOnCache(gen, [seq], false))[0].yhat,
    destroy: () => reader.destroy(),
  };
}
