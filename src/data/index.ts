// Judge data: what the TRACT pipeline, the app and the CLI import. Nothing here touches Node APIs,
// so all of it runs in a browser Web Worker too.
export * from './types.ts';
export * from './levels.ts';
export { rubricJson } from './rows/rubricFields.ts';
export { loadJudgeData, detectSchema, parseRow, type LoadOptions, type SchemaName } from './load.ts';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ROW_BYTES, LAYOUT_TEXT, type JsonLayout, type TextSource, type TextChunk } from './jsonRecords.ts';
export { parsePrometheusPrompt, parseRubricSection } from './promptSections.ts';
export { toTractJsonl } from './rows/tractJsonl.ts';
export {
  renderPrompt,
  renderPrometheusRubric,
  cotFromFeedback,
  scorePrefix,
  targetText,
  rewriteFeedback,
  statedScore,
  targetScore,
  targetLevel,
  targetLevelIndex,
  prometheusTaskDescription,
  referenceAnswerHeader,
  parseJudgeOutput,
  SCORE_PROMPT_SUFFIX,
  TEMPLATE_NAMES,
  PROMETHEUS_HEADERS,
  type TemplateName,
  type PromptFields,
  type ParsedJudgement,
  type ParseStatus,
} from './templates.ts';
export {
  buildExample,
  readoutIds,
  encodePrompt,
  encodePromptWithin,
  fitPromptFields,
  fitJudgePrompt,
  fitCot,
  promptBudget,
  scoreSuffixTokens,
  referenceCot,
  TRUNCATION_MARK,
  type BuildOptions,
  type BuiltExample,
  type BuildResult,
  type PromptFit,
} from './example.ts';
export { prepareJudgeSequences, packJudgeBatch, judgeBatches, shuffledOrder, trainBatch, usedLength, trimTrainBatch, ceTargetCount, scoredRowCount, type TrainBatch, type PrepareOptions, type PreparedSet, type PackOptions, type BatchesOptions } from './batching.ts';
export { lmTexts, lmTokenStream, lmBatches, lmWindowCount, type LmField } from './lmBatching.ts';
export { generateRubricLab, allExamples, RUBRIC_LAB_FAMILIES, RUBRIC_LAB_DEFAULTS, type RubricLab, type RubricLabOptions } from './rubricLab/generate.ts';
export { trainRubricLabTokenizer, exampleTexts } from './rubricLab/tokenizer.ts';
export * from './tokenizers/index.ts';
export { createRng, hash32, type Rng } from './rng.ts';
export { additionSteps, subtractionSteps, compareSteps, distanceSteps, countingSteps, countableWords, positionSteps, type Order } from './procedural/steps.ts';
export { corpusDocument, corpusDocuments, CORPUS_KINDS, CORPUS_MIX, type CorpusDocument, type CorpusKind, type CorpusSplit } from './procedural/corpus.ts';
export { corpusRow, corpusBatch } from './procedural/rows.ts';
export { trainProceduralTokenizer, type ProceduralTokenizerOptions } from './procedural/tokenizer.ts';
export {
  asPromptFit,
  runPromptFit,
  trainedOnText,
  trainedFitFromTraining,
  trainedFitFromReport,
  trainedFitFromRunConfig,
  trainedFitFromJudgeJson,
  defaultJudgeCotTokens,
  judgeCotSettings,
  UNRECORDED_COT_TOKENS,
  type TrainedFit,
  type FitConfig,
  type JudgeCotSettings,
} from './trained_fit.ts';
export { splitExamples, defaultSplit, fileSplitUsable, withReferenceCot, type SplitChoice, type SplitData } from './split.ts';
