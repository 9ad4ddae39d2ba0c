// Training benchmarks in one headless Chromium run: for each shape, each engine's
// window.tractBench[engine](args) on the bench page (pages/train.html), each in a fresh tab, all
// with the same shape, batch and sequence length. One JSON line per (shape, engine); with two
// engines also their ratio, first over second (e.g. engines ['ours', 'nanogpt'] → ours/theirs).
//
// On a CPU-only machine Chromium's WebGPU runs on SwiftShader and nanogpt is slow (DESIGN.md §7),
// so a run is short: one untimed first step and `steps` timed steps per shape and engine, and a
// shape after the first only while the run has used less than half of `budgetMs`.
import { openBenchSession } from './browser_bench.ts';
import type { TrainBenchArgs, TrainBenchResult } from './pages/types.ts';
import { round } from './timing.ts';

export interface TrainShape {
  /** Short name printed as `config`. */
  name: string;
  args: Omit<TrainBenchArgs, 'steps' | 'warmupTimeoutMs'>;
}

/** The two shapes of issue 3; batch and seqLen are the ones every engine runs them with. */
export const TRAIN_SHAPES: Record<'a' | 'b', TrainShape> = {
  // llama2.c stories260K: dim 64, hidden 172, 5 layers, 8 heads, 4 KV heads, vocab 512, seqLen 512.
  a: { name: 'stories260K', args: { dim: 64, hidden: 172, layers: 5, heads: 8, kvHeads: 4, vocab: 512, seqLen: 512, batch: 4 } },
  // ~5M parameters (ours: 4.95M): dim 256, 6 layers, 8 heads, seqLen 256; hidden as llama2.c derives
  // it (4·dim·2/3 rounded up to a multiple of 32 = 704); vocab 512 as (a).
  b: { name: 'llama-5M', args: { dim: 256, hidden: 704, layers: 6, heads: 8, kvHeads: 8, vocab: 512, seqLen: 256, batch: 4 } },
};

export interface ChromiumTrainOptions {
  /** Names of functions on window.tractBench, run in this order for every shape. */
  engines: string[];
  shapes: TrainShape[];
  /** Timed steps after the first step. */
  steps: number;
  budgetMs: number;
  /** Receives every output line (objects, printed by the caller). */
  onLine: (line: Record<string, unknown>, text: string) => void;
}

/** The line printed for one result: the fields issue 3 asks for first, then the details. */
export function resultLine(shape: TrainShape, args: TrainBenchArgs, r: TrainBenchResult): Record<string, unknown> {
  return {
    adapter: r.adapter,
    engine: r.engine,
    config: shape.name,
    batch: args.batch,
    seqLen: args.seqLen,
    tokensPerSec: round(r.tokensPerSec, 2),
    msPerStep: round(r.msPerStep, 1),
    firstStepMs: round(r.firstStepMs, 0),
    warmupMs: round(r.warmupMs, 0),
    steps: r.steps,
    params: r.params,
    stepMs: r.stepMs.map((x) => round(x, 0)),
    losses: r.losses.map((x) => round(x, 4)),
    ...r.extra,
    notes: r.notes,
  };
}

export async function runChromiumTrain(o: ChromiumTrainOptions): Promise<void> {
  const t0 = Date.now();
  const session = await openBenchSession();
  try {
    for (let i = 0; i < o.shapes.length; i++) {
      const shape = o.shapes[i];
      const elapsed = Date.now() - t0;
      if (i > 0 && elapsed > o.budgetMs / 2) {
        const why = `run budget: ${Math.round(elapsed / 1000)} s of ${Math.round(o.budgetMs / 1000)} s used`;
        o.onLine({ adapter: session.adapter, config: shape.name, engines: o.engines, skipped: why }, `${shape.name}: skipped (${why})`);
        continue;
      }
      const args: TrainBenchArgs = { ...shape.args, steps: o.steps, warmupTimeoutMs: 10 * 60_000 };
      const results: TrainBenchResult[] = [];
      for (const engine of o.engines) {
        const timeoutMs = Math.max(o.budgetMs - (Date.now() - t0), 5 * 60_000) + 5 * 60_000;
        const r = await session.call<TrainBenchResult>(engine, args, timeoutMs);
        results.push(r);
        const line = resultLine(shape, args, r);
        o.onLine(
          line,
          `${r.engine} ${shape.name} (batch ${args.batch} × seqLen ${args.seqLen}, ${r.params} params): ${line.tokensPerSec} tokens/s, ` +
            `${line.msPerStep} ms/step over ${r.steps} steps; first step ${line.firstStepMs} ms, warm-up ${line.warmupMs} ms  [${r.adapter}]`,
        );
      }
      if (results.length === 2) {
        const [x, y] = results;
        const ratio = round(x.tokensPerSec / y.tokensPerSec, 2);
        o.onLine(
          { adapter: x.adapter, config: shape.name, batch: args.batch, seqLen: args.seqLen, ratio: `${x.engine}/${y.engine}`, value: ratio },
          `${shape.name}: ${x.engine}/${y.engine} = ${ratio}×`,
        );
      }
    }
  } finally {
    await session.close();
  }
}
