// The tokenizer for Rubric Lab: our BPE trained on the rendered training examples (prompt and
// target), so the template's words, the rubric phrases and the CoT phrasing become single tokens.
import { renderPrompt, targetText, type TemplateName } from '../templates.ts';
import { trainBpe } from '../tokenizers/bpeTrainer.ts';
import type { BpeTokenizer } from '../tokenizers/bpe.ts';
import type { JudgeExample } from '../types.ts';
import { referenceCot } from '../example.ts';
import { targetScore } from '../templates.ts';

/** Every text a judge example puts in front of a tokenizer with a template: prompt and target. */
export function exampleTexts(ex: JudgeExample, template: TemplateName): string[] {
  return [renderPrompt(ex, template), targetText(referenceCot(ex), targetScore(ex))];
}

export function trainRubricLabTokenizer(
  examples: readonly JudgeExample[],
  options: { vocabSize?: number; template?: TemplateName; minFrequency?: number } = {},
): BpeTokenizer {
  const template = options.template ?? 'compact';
  const vocabSize = options.vocabSize ?? 1024;
  return trainBpe(
    examples.flatMap((ex) => exampleTexts(ex, template)),
    { vocabSize, minFrequency: options.minFrequency, name: `rubric-lab-bpe-${vocabSize}` },
  );
}
