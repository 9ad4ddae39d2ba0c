// Prefilled Playground examples: one per Rubric Lab task family (the ready judge's training
// domain, from `generateRubricLab({ seed: 7 })`'s test split), and one outside it.
import type { JudgeFields } from '../worker/protocol.ts';
import { fivePoint } from '../data/levels.ts';

export interface PlaygroundExample extends JudgeFields {
  name: string;
  /** The example's gold label, shown beside ŷ (undefined: none). */
  gold?: number;
}

const ARITHMETIC = { criteria: 'Is the answer correct?', levels: fivePoint(['off by 7 or more', 'off by 4 to 6', 'off by 2 or 3', 'off by 1', 'exactly right']) };

export const PLAYGROUND_EXAMPLES: PlaygroundExample[] = [
  {
    name: 'Arithmetic: off by 6',
    instruction: 'What is 62 - 31?',
    response: '62 - 31 = 25',
    referenceAnswer: '31',
    rubric: ARITHMETIC,
    gold: 1.67,
  },
  {
    name: 'Arithmetic: off by 1',
    instruction: 'What is 23 + 36?',
    response: 'The answer is 60.',
    referenceAnswer: '59',
    rubric: ARITHMETIC,
    gold: 4,
  },
  {
    name: 'Word limit: 6 over',
    instruction: 'Write about a cat in at most 4 words.',
    response: 'The little cat swam on the grass in the sun.',
    referenceAnswer: 'The cat sang.',
    rubric: { criteria: 'Does it keep to the word limit?', levels: fivePoint(['5 or more words over', '3 or 4 words over', '2 words over', '1 word over', 'within the limit']) },
    gold: 1,
  },
  {
    name: 'Spelling: 1 error',
    instruction: 'Copy these words: stone night water smile river',
    response: 'stone niht water smile river',
    referenceAnswer: 'stone night water smile river',
    rubric: { criteria: 'Are the words copied exactly?', levels: fivePoint(['4 or more errors', '3 errors', '2 errors', '1 error', 'no errors']) },
    gold: 3.67,
  },
  {
    name: 'Letter order: 4 wrong',
    instruction: 'Sort these letters: y p l c f s',
    response: 'l c p f s y',
    referenceAnswer: 'c f l p s y',
    rubric: { criteria: 'Are the letters in the right order?', levels: fivePoint(['5 or 6 wrong', '4 wrong', '3 wrong', '2 wrong', 'all in place']) },
    gold: 2,
  },
  {
    name: 'Outside its domain: an essay answer',
    instruction: 'Explain why the sky is blue in two sentences.',
    response: 'Sunlight scatters off air molecules, and blue light scatters the most. So we see blue everywhere we look.',
    referenceAnswer: 'Rayleigh scattering: shorter (blue) wavelengths scatter far more than red ones in the atmosphere, so scattered skylight looks blue.',
    rubric: { criteria: 'Is the explanation correct and complete?', levels: fivePoint(['wrong', 'mostly wrong', 'partly right', 'right but incomplete', 'right and complete']) },
  },
];
