// Short inline help for the method's terms where they appear: the term, then a one-line gloss in
// small type (also its title), so a reader need not know RAIL or τ-b to read a number.
import type { ReactNode } from 'react';

export const GLOSSARY = {
  yhat: 'the judge’s score: the expected value Σ s_k·p(k) over the rubric’s score levels (the digits 1–5 on the paper’s scale)',
  rail: 'RAIL: read the score as that expected value instead of the single most probable digit',
  decoded: 'what plain decoding would answer: the most probable score digit',
  mass: 'how much of the model’s probability is on the rubric’s score tokens at all (1 = sure a score goes here)',
  cot: 'chain of thought: the reasoning the judge writes before its score',
  renormalise: 'divide p(1)..p(5) by their sum, so ŷ ignores the probability left on other tokens',
  pearson: 'linear agreement with the gold labels (1 perfect, 0 none)',
  spearman: 'agreement of the rankings',
  kendall: 'share of pairs put in the same order as the gold labels, ties corrected',
  rmse: 'typical error, in score points',
} as const;

export type TermName = keyof typeof GLOSSARY;

/** A term with its gloss after it, e.g. “mass (how much …)”. */
export function Term({ name, children }: { name: TermName; children: ReactNode }) {
  return (
    <span className="term" title={GLOSSARY[name]}>
      {children}
      <span className="gloss"> — {GLOSSARY[name]}</span>
    </span>
  );
}
