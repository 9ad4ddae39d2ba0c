// `tract bench <name>`: benchmarks, each printing medians measured in this one process.
import { parseFlags, UsageError } from './args.ts';
import type { Command } from './main.ts';

/** Each benchmark module exports `bench(json: boolean): Promise<void>`. */
type BenchModule = { bench: (json: boolean) => Promise<void> };

const benches: Record<string, { summary: string; load: () => Promise<BenchModule> }> = {
  score: { summary: 'fused RAIL/RAFT kernel vs the unfused chain, V = 32000 and 512', load: () => import('./bench/score.ts') },
  matmul: { summary: 'matmul GFLOP/s at 256³ and 512³', load: () => import('./bench/matmul.ts') },
  attention: { summary: 'attention: the split kernels vs the fused (FlashAttention-style) ones, inference forwards and training forward+backward, in Node and headless Chromium', load: () => import('./bench/attention.ts') },
  train: { summary: 'training step time and tokens/s in Node: stories260K and ~5M shapes, scaling points', load: () => import('./bench/train.ts') },
  generate: { summary: 'decode tokens/s with the KV cache at context 64 and 256', load: () => import('./bench/generate.ts') },
  judge: { summary: 'one RAIL judgment (200-token prompt, 64-token CoT, read-out): ours vs onnxruntime-web in one headless Chromium run', load: () => import('./bench/judge.ts') },
  eval: { summary: "tract eval vs tract run's evaluation on 500 Rubric Lab test rows with the ready judge (minutes)", load: () => import('./bench/eval.ts') },
  nanogpt: { summary: 'ours vs @genai-fi/nanogpt 1.3.0 training tokens/s in one headless Chromium run (slow: minutes)', load: () => import('./bench/nanogpt.ts') },
};

export const command: Command = {
  summary: 'run a benchmark (score, matmul, ...; "all" runs every one)',
  get usage() {
    const list = Object.entries(benches)
      .map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}`)
      .join('\n');
    return `usage: tract bench <name> [--json]\n\nbenchmarks:\n${list}\n  all        every benchmark above, in turn\n\n  --json   one JSON object per benchmark on stdout`;
  },
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError('expected exactly one benchmark name');
    const name = positionals[0];
    const names = name === 'all' ? Object.keys(benches) : [name];
    for (const n of names) {
      const b = benches[n];
      if (!b) throw new UsageError(`unknown benchmark '${n}'`);
      await (await b.load()).bench(!!values.json);
    }
    return 0;
  },
};
