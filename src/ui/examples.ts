// Prefilled Playground examples: one per Rubric Lab task family (the ready judge's training
// domain, from `generateRubricLab({ seed: 7 })`'s test split), and one outside it.
import type { JudgeFields } from '../worker/protocol.ts';

export interface PlaygroundExample extends JudgeFields {
  name: string;
  /** The example's gold label, shown beside ŷ (undefined: none). */
  gold?: number;
}

const ARITHMETIC = { criteria: 'Is the answer correct?', score1: 'off by 7 or more', score2: 'off by 4 to 6', score3: 'off by 2 or 3', score4: 'off by 1', score5: 'exactly right' };

export const PLAYGROUND_EXAMPLES: PlaygroundExample[] = [
  {
    name: 'Arithmetic: off by 6',
    instruction: 'What is 62 - 31?',
    response: '62 - 31 = 25',
    referenceAnswer: '62 - 31 = 31',
    rubric: ARITHMETIC,
    gold: 1.67,
  },
  {
    name: 'Arithmetic: off by 1',
    instruction: 'What is 23 + 36?',
    response: 'The answer is 60.',
    referenceAnswer: '23 + 36 = 59',
    rubric: ARITHMETIC,
    gold: 4,
  },
  {
    name: 'Word limit: 6 over',
    instruction: 'Write about a cat in at most 4 words.',
    response: 'The little cat swam on the grass in the sun.',
    referenceAnswer: 'The cat sang.',
    rubric: { criteria: 'Does it keep to the word limit?', score1: '5 or more words over', score2: '3 or 4 words over', score3: '2 words over', score4: '1 word over', score5: 'within the limit' },
    gold: 1,
  },
  {
    name: 'Spelling: 1 error',
    instruction: 'Copy these words: stone night water smile river',
    response: 'stone niht water smile river',
    referenceAnswer: 'stone night water smile river',
    rubric: { criteria: 'Are the words copied exactly?', score1: '4 or more errors', score2: '3 errors', score3: '2 errors', score4: '1 error', score5: 'no errors' },
    gold: 3.67,
  },
  {
    name: 'Letter order: 4 wrong',
    instruction: 'Sort these letters: y p l c f s',
    response: 'l c p f s y',
    referenceAnswer: 'c f l p s y',
    rubric: { criteria: 'Are the letters in the right order?', score1: '5 or 6 wrong', score2: '4 wrong', score3: '3 wrong', score4: '2 wrong', score5: 'all in place' },
    gold: 2,
  },
  {
    name: 'Outside its domain: an essay answer',
    instruction: 'Explain why the sky is blue in two sentences.',
    response: 'Sunlight scatters off air molecules, and blue light scatters the most. So we see blue everywhere we look.',
    referenceAnswer: 'Rayleigh scattering: shorter (blue) wavelengths scatter far more than red ones in the atmosphere, so scattered skylight looks blue.',
    rubric: { criteria: 'Is the explanation correct and complete?', score1: 'wrong', score2: 'mostly wrong', score3: 'partly right', score4: 'right but incomplete', score5: 'right and complete' },
  },
];
