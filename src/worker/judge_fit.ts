// Which prompt-fit rule (src/data/example.ts) the app uses with a model: the one it was trained with
// (src/data/trained_fit.ts) — from its checkpoint's record, else the report or config of the run it
// comes from (the ready judge's shipped report, a browser run's report.json or config) — so the
// Playground and the Data view show it the prompts it was trained on. Pure: no GPU.
import { runPromptFit, trainedFitFromReport, trainedFitFromRunConfig, trainedOnText, type FitConfig, type PromptFit } from '../data/index.ts';
import { DEFAULT_CONFIG } from '../eval/config.ts';
import type { LoadedModel } from './models.ts';

/** The CoT room of the default run (max of selfCot.maxTokens and eval.maxCotTokens of DEFAULT_CONFIG). */
export const DEFAULT_COT_ROOM = runPromptFit(DEFAULT_CONFIG).maxCotTokens;

/** The default experiment config's rule: model.seqLen and the default CoT room. */
export function defaultPromptFit(): PromptFit {
  return runPromptFit(DEFAULT_CONFIG);
}

/** A report of a model of this shape (a report of another run is not this model's). */
function reportFits(report: unknown, m: LoadedModel): boolean {
  const mc = (report as { modelConfig?: { dim?: number; nLayers?: number; vocabSize?: number; seqLen?: number } } | null)?.modelConfig;
  if (!mc) return true;
  return mc.dim === m.config.dim && mc.nLayers === m.config.nLayers && mc.vocabSize === m.config.vocabSize && mc.seqLen === m.config.seqLen;
}

/**
 * `m` with summary.promptFit set from its run when its checkpoint records none: the run's report
 * (data.promptFit, or derived from the report's config), else the run's config. A model trained on
 * plain text (stage 0, a base) keeps none. `where` names the run for the source ("the shipped run's
 * report.json").
 */
export function withRunFit(m: LoadedModel, run: { report?: unknown; config?: FitConfig; where: string }): LoadedModel {
  if (m.summary.promptFit || trainedOnText(m.summary.training)) return m;
  const fromReport = run.report !== undefined && reportFits(run.report, m) ? trainedFitFromReport(run.report, run.where) : undefined;
  const fit = fromReport ?? (run.config ? trainedFitFromRunConfig(run.config, m.config.seqLen, run.where) : undefined);
  if (fit) {
    m.summary.promptFit = fit;
    delete m.summary.promptFitMissing;
  }
  return m;
}

/**
 * The rule the Data view shows an example's prompt under with model `m`: its context, and its
 * trained CoT room (else the default run's), each overridable.
 */
export function dataViewFit(m: LoadedModel, override: Partial<PromptFit> = {}): PromptFit & { source: string } {
  const trained = m.summary.promptFit;
  const seqLen = override.seqLen ?? m.config.seqLen;
  const maxCotTokens = override.maxCotTokens ?? trained?.maxCotTokens ?? DEFAULT_COT_ROOM;
  const parts = [
    override.seqLen !== undefined ? `context ${seqLen} as asked` : `${m.summary.name}'s context`,
    override.maxCotTokens !== undefined
      ? 'CoT room as asked'
      : trained
        ? `the CoT room it was trained with (${trained.source})`
        : `the default run's CoT room (${m.summary.name} records none${m.summary.promptFitMissing ? `: ${m.summary.promptFitMissing}` : ''})`,
  ];
  return { seqLen, maxCotTokens, source: parts.join(', ') };
}
