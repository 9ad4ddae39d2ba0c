// The Node side of finding the prompt-fit rule a judge was trained with (src/data/trained_fit.ts):
// its checkpoint's tract.training.promptFit, else the report.json of the run it comes from — beside
// the file (public/judge/tract-judge.safetensors + report.json, as scripts/ready-judge.ts writes
// them), or one folder up from a run's seed-N/ folder (runs/default/seed-1/tract.safetensors +
// runs/default/report.json), or one named with --report. A Hugging Face export's folder records it
// in its tract_judge.json (prompt_fit).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { trainedFitFromJudgeJson, trainedFitFromReport, trainedFitFromTraining, trainedOnText, type TrainedFit } from '../data/index.ts';
import type { ModelConfig } from '../model/index.ts';
import { inputFile } from './paths.ts';

export interface FoundFit {
  fit?: TrainedFit;
  /** Why there is none, in words (what was looked at). */
  missing?: string;
}

/** A report's model shape against the model's (a report of another run is not this model's). */
function sameShape(report: unknown, config: ModelConfig): boolean {
  const m = (report as { modelConfig?: Partial<ModelConfig> } | null)?.modelConfig;
  if (!m) return true;
  return m.dim === config.dim && m.nLayers === config.nLayers && m.vocabSize === config.vocabSize && m.seqLen === config.seqLen;
}

/** The report.json files a model at `modelPath` may come from, nearest first. */
export function reportCandidates(modelPath: string): string[] {
  const dir = dirname(resolve(modelPath));
  const out = [join(dir, 'report.json')];
  if (/^seed-\d+$/.test(basename(dir))) out.push(join(dirname(dir), 'report.json'));
  return out;
}

/**
 * The trained prompt fit of the model loaded from `modelPath` (its config and tract.training), or
 * why it is unknown. `reportPath`: a report.json to read instead of looking beside the model (an
 * error when it is unreadable or of another model).
 */
export async function findTrainedFit(modelPath: string, model: { config: ModelConfig; training?: unknown }, reportPath?: string): Promise<FoundFit> {
  const name = basename(modelPath);
  if (trainedOnText(model.training)) {
    const stage = (model.training as { stage: string }).stage;
    return { missing: `${name} is a ${stage === 'base' ? 'pretrained base' : 'stage-0 model'}, trained on plain text, not on judge prompts` };
  }
  const fromCkpt = trainedFitFromTraining(model.training, name);
  if (fromCkpt) return { fit: fromCkpt };
  if (reportPath === undefined && existsSync(modelPath) && statSync(modelPath).isDirectory()) {
    // A Hugging Face export: tract_judge.json inside the folder.
    const judgeJson = join(resolve(modelPath), 'tract_judge.json');
    if (!existsSync(judgeJson)) return { missing: `${name} has no tract_judge.json` };
    if (!statSync(judgeJson).isFile()) return { missing: `${name}/tract_judge.json is not a regular file` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(judgeJson, 'utf8'));
    } catch {
      return { missing: `${name}/tract_judge.json is not valid JSON` };
    }
    const fit = trainedFitFromJudgeJson(parsed, `${name}/tract_judge.json`);
    return fit ? { fit } : { missing: `${name}/tract_judge.json records no prompt_fit` };
  }
  const shown = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel && !rel.startsWith('..') ? rel : p;
  };
  if (reportPath !== undefined) {
    if (!existsSync(resolve(reportPath))) throw new Error(`--report: no such file '${reportPath}'`);
    const p = inputFile(reportPath, '--report');
    let report: unknown;
    try {
      report = JSON.parse(await readFile(p, 'utf8'));
    } catch (e) {
      throw new Error(`--report ${reportPath}: not valid JSON: ${(e as Error).message}`);
    }
    if (!sameShape(report, model.config)) throw new Error(`--report ${reportPath}: its modelConfig is not ${name}'s (another run's report?)`);
    const fit = trainedFitFromReport(report, shown(p));
    if (!fit) throw new Error(`--report ${reportPath}: neither data.promptFit nor a config with selfCot.maxTokens and eval.maxCotTokens`);
    return { fit };
  }
  const skipped: string[] = [];
  for (const p of reportCandidates(modelPath)) {
    if (!existsSync(p)) continue;
    // Only regular files (a FIFO named report.json would block the judge forever).
    if (!statSync(p).isFile()) {
      skipped.push(`${shown(p)} is not a regular file`);
      continue;
    }
    let report: unknown;
    try {
      report = JSON.parse(await readFile(p, 'utf8'));
    } catch {
      skipped.push(`${shown(p)} is not valid JSON`);
      continue;
    }
    if (!sameShape(report, model.config)) {
      skipped.push(`${shown(p)} is another model's`);
      continue;
    }
    const fit = trainedFitFromReport(report, shown(p));
    if (fit) return { fit };
    skipped.push(`${shown(p)} records no prompt fit`);
  }
  return { missing: [`no promptFit in ${name}'s tract.training`, skipped.length ? skipped.join(', ') : 'no report.json of its run beside it'].join('; ') };
}
