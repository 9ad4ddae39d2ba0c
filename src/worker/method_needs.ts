// Which methods need reference CoTs: every method but the two label-only ones trains on reference
// CoTs (stage 1, CoT-CE) or on what a stage-1 model wrote. No runtime imports: the UI uses it too.
import type { MethodName } from '../eval/config.ts';

/** The methods that need no reference CoTs. */
export const LABEL_ONLY_METHODS: readonly MethodName[] = ['label-ce-decode', 'label-raft-rail'];

export function needsReferenceCots(m: MethodName): boolean {
  return !LABEL_ONLY_METHODS.includes(m);
}

/** Why a method cannot train on a file with `withCot` of its training examples carrying a reference CoT (null: it can). */
export function referenceCotProblem(m: MethodName, withCot: number): string | null {
  if (!needsReferenceCots(m) || withCot > 0) return null;
  return 'needs reference CoTs (feedback) and the file has none';
}

