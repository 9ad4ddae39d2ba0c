// `tract bench attention`: attention as three kernels (scores, softmax, values; five in the backward) vs the
// fused online-softmax ones, at the judge's prefill, the evaluation's read-out and two training shapes, in
// Node and (unless TRACT_BENCH_BROWSER=0) in headless Chromium — SwiftShader without a GPU, where
// the split kernels' private arrays are slowest. Medians of interleaved repeats in one run.
import { adapterName, requestGpu } from '../../gpu/index.ts';
import { timeAttention, type AttentionTiming } from './attention_timing.ts';
import { openBenchSession } from './browser_bench.ts';
import { round } from './timing.ts';

const ATTENTION_PAGE = '/src/cli/bench/pages/attention.html';

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  print(await timeAttention(gpu), 'node', adapterName(gpu.adapter), json);
  gpu.destroy();
  if (process.env.TRACT_BENCH_BROWSER === '0') return;
  const session = await openBenchSession({ pagePath: ATTENTION_PAGE });
  try {
    print(await session.call<AttentionTiming[]>('attention', {}, 10 * 60_000), 'chromium', session.adapter, json);
  } finally {
    await session.close();
  }
}

function print(rows: AttentionTiming[], runtime: string, adapter: string, json: boolean): void {
  for (const r of rows) {
    const speedup = round(r.splitMs / r.fusedMs, 2);
    if (json) console.log(JSON.stringify({ bench: 'attention', runtime, adapter, shape: r.label, splitMs: round(r.splitMs, 3), fusedMs: round(r.fusedMs, 3), speedup }));
    else console.log(`attention ${runtime} ${r.label}: split ${round(r.splitMs, 3)} ms, fused ${round(r.fusedMs, 3)} ms (${speedup}×)  [${adapter}]`);
  }
}
