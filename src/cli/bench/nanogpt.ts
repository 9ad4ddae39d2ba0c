// `tract bench nanogpt`: training throughput of our engine and of @genai-fi/nanogpt 1.3.0 (TF.js on
// WebGPU) side by side in one headless Chromium run, with the ratio ours/theirs (issue 3,
// "Performance"). TRACT_BENCH_ENGINES=nanogpt runs theirs alone. Shape (a) is the stories260K config, shape (b) a ~5M-parameter one
// (chromium_train.ts). Each shape: model creation and their warm-up, one untimed first step, then
// TRACT_BENCH_STEPS (default 2) timed steps; shape (b) only while the run has used less than half
// of TRACT_BENCH_BUDGET_S (default 600 s). TRACT_BENCH_SHAPES=a,b picks shapes.
import { runChromiumTrain, TRAIN_SHAPES } from './chromium_train.ts';

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${v}'`);
  return n;
}

export async function bench(json: boolean): Promise<void> {
  const keys = (process.env.TRACT_BENCH_SHAPES ?? 'a,b').split(',').map((s) => s.trim());
  for (const k of keys) if (!(k in TRAIN_SHAPES)) throw new Error(`TRACT_BENCH_SHAPES: unknown shape '${k}' (a, b)`);
  await runChromiumTrain({
    engines: (process.env.TRACT_BENCH_ENGINES ?? 'ours,nanogpt').split(',').map((s) => s.trim()),
    shapes: keys.map((k) => TRAIN_SHAPES[k as keyof typeof TRAIN_SHAPES]),
    steps: envInt('TRACT_BENCH_STEPS', 2),
    budgetMs: envInt('TRACT_BENCH_BUDGET_S', 600) * 1000,
    onLine: (line, text) => console.log(json ? JSON.stringify(line) : text),
  });
}
