// `tract bench eval`: `tract eval` on the Rubric Lab test split (500 rows) against the evaluation
// inside `tract run` on the same rows with the ready judge (public/judge): the run's path is timed in
// this process (one Generator of eval.batch sequences, one Judge.cotRail call with config.eval's
// sampling, as src/eval/experiment.ts evaluates a model), then `tract eval` is run as a child process
// with the same settings (--repetition-penalty, --seed) and timed whole (start-up, loading, prompt
// planning, judging, metrics) and by its own "judged N rows in X s". Prints the ratios. Rows:
// TRACT_BENCH_EVAL_ROWS (default 500).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRubricLab, toTractJsonl } from '../../data/index.ts';
import { DEFAULT_CONFIG } from '../../eval/config.ts';
import { requestGpu } from '../../gpu/index.ts';
import { writeFileAtomic } from '../paths.ts';
import { Generator } from '../../infer/generate.ts';
import { Judge } from '../../infer/judge.ts';
import { DeviceModel } from '../../model/device_model.ts';
import { loadModelFile, tokenizerForModel } from '../files.ts';
import { findTrainedFit } from '../trained_fit.ts';
import { envPositiveInts } from './env.ts';
import { round } from './timing.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const JUDGE = join(ROOT, 'public/judge/tract-judge.safetensors');

export async function bench(json: boolean): Promise<void> {
  const [nRows] = envPositiveInts('TRACT_BENCH_EVAL_ROWS', [500]);
  const rows = generateRubricLab().test.slice(0, nRows);
  const e = DEFAULT_CONFIG.eval;
  const loaded = await loadModelFile(JUDGE);
  const tokenizer = await tokenizerForModel(loaded, JUDGE);
  const fit = (await findTrainedFit(JUDGE, loaded)).fit;
  if (!fit) throw new Error(`${JUDGE} records no prompt fit`);
  const cotTokens = fit.evalCotTokens ?? e.maxCotTokens;

  // tract run's evaluation of one model (src/eval/experiment.ts): the GPU set up, then timed from the judge's creation.
  const gpu = await requestGpu();
  const t0 = performance.now();
  const model = new DeviceModel(gpu, loaded.config);
  model.upload(loaded.params);
  const gen = new Generator(model, e.batch, loaded.config.seqLen);
  const judge = new Judge(gen, tokenizer);
  await judge.cotRail(rows, {
    template: 'compact',
    renormalize: false,
    promptCotTokens: fit.maxCotTokens,
    nCot: e.nCot,
    maxCotTokens: cotTokens,
    seed: 1,
    sampling: { temperature: e.temperature, topP: e.topP, repetitionPenalty: e.repetitionPenalty },
  });
  const runSeconds = (performance.now() - t0) / 1000;
  gen.destroy();
  model.destroy();
  gpu.destroy();

  // tract eval on the same rows, as a user runs it.
  const dir = mkdtempSync(join(tmpdir(), 'tract-bench-eval-'));
  const data = join(dir, 'test.jsonl');
  await writeFileAtomic(data, rows.map((r) => toTractJsonl(r) + '\n').join(''));
  const args = ['eval', '--checkpoint', JUDGE, '--data', data, '--seed', '1', '--repetition-penalty', String(e.repetitionPenalty), '--max-cot-tokens', String(cotTokens), '--batch', String(e.batch), '--json'];
  const t1 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tract.mjs'), ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const evalWall = (performance.now() - t1) / 1000;
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`tract eval exited with ${r.status}: ${r.stderr}`);
  const judged = /judged (\d+) rows in ([\d.]+) s/.exec(r.stderr);
  const evalJudging = judged ? Number(judged[2]) : NaN;
  const result = {
    rows: rows.length,
    cotTokens,
    batch: e.batch,
    runEvalSeconds: round(runSeconds, 2),
    tractEvalWallSeconds: round(evalWall, 2),
    tractEvalJudgingSeconds: evalJudging,
    wallRatio: round(evalWall / runSeconds, 3),
    judgingRatio: round(evalJudging / runSeconds, 3),
  };
  if (json) console.log(JSON.stringify({ bench: 'eval', ...result }));
  else {
    console.log(`tract eval vs tract run's evaluation: ${rows.length} Rubric Lab test rows, the ready judge, CoTs ≤ ${cotTokens} tokens, batch ${e.batch}`);
    console.log(`  tract run's evaluation (in process)  ${result.runEvalSeconds} s`);
    console.log(`  tract eval, whole process            ${result.tractEvalWallSeconds} s  (${result.wallRatio}×)`);
    console.log(`  tract eval, its judging              ${result.tractEvalJudgingSeconds} s  (${result.judgingRatio}×)`);
  }
}
