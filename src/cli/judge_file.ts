// Judging a whole file of rows from the command line (`tract eval`, `tract judge --out`): loading
// rows that may have no label from a path, and the GPU judge of a setup. Planning prompts, judging
// a range and each row's JSON line are src/eval/file_rows.ts, shared with the app.
import { useKeptTuning } from './tuning_store.ts';
import { createReadStream } from 'node:fs';
import { loadJudgeData, type JudgeExample, type LoadIssue } from '../data/index.ts';
import { requestGpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge } from '../infer/judge.ts';
import { DeviceModel } from '../model/device_model.ts';
import { InputError } from './errors.ts';
import type { JudgeSetup } from './judge_setup.ts';
import { inputFile } from './paths.ts';

/** A file's rows for judging: gold[i] is row i's label, or null when it has none. */
export interface JudgeRows {
  file: string;
  examples: JudgeExample[];
  gold: (number | null)[];
  /** Rows the loader rejected (file, line, row, field, message), and whether reading stopped early. */
  issues: LoadIssue[];
  rejected: number;
  fatal: boolean;
  warnings: string[];
}

/** Loads a Prometheus benchmark JSON, a Feedback Collection JSONL or tract JSONL; labels optional. */
export async function loadJudgeRows(spec: string, flag: string): Promise<JudgeRows> {
  const path = inputFile(spec, flag);
  const r = await loadJudgeData(createReadStream(path), { file: spec, labels: 'optional' });
  const unlabelled = new Set(r.unlabelled ?? []);
  if (r.examples.length === 0) {
    const total = r.rejected;
    throw new InputError(`${spec}: no row can be judged${total ? ` (${total} rejected)` : ''}`, { where: { file: spec }, issues: r.errors });
  }
  return {
    file: spec,
    examples: r.examples,
    gold: r.examples.map((ex) => (unlabelled.has(ex.id) ? null : ex.label)),
    issues: r.errors,
    rejected: r.rejected,
    fatal: r.fatal,
    warnings: r.warnings ?? [],
  };
}

/** The GPU judge of a setup, `batch` sequences at a time; destroy() frees it. */
export async function openJudge(s: JudgeSetup, batch: number): Promise<{ judge: Judge; destroy(): void }> {
  const gpu = await requestGpu();
  await useKeptTuning(gpu);
  const model = new DeviceModel(gpu, s.loaded.config);
  model.upload(s.loaded.params);
  const gen = new Generator(model, batch, s.loaded.config.seqLen);
  return {
    judge: new Judge(gen, s.tokenizer),
    destroy() {
      gen.destroy();
      model.destroy();
      gpu.destroy();
    },
  };
}
