// Whether a judgement can be shown: a non-finite number is an error (issue 16: nothing corrupt is
// scored as if it were fine), an off-scale ŷ or little captured mass a warning. Shared by the CLI's
// `tract judge` and the app's worker.

/**
 * What a judge may show of a judgement (`tract judge`, the app's Playground): a non-finite ŷ, probability or mass is an error (the
 * model's logits overflowed or its weights are corrupt; a number printed from it would mean
 * nothing); a ŷ off the 1..5 scale (RAIL without renormalisation, when the score tokens hold little
 * of the probability) is printed with a warning that says why.
 */
export function checkJudgement(j: { yhat: number; mass: number; probs: number[]; samples: { yhat: number; mass: number }[] }, renormalize: boolean, renormalizeHint = '--renormalize does'): { error?: string; warnings: string[] } {
  const values = [j.yhat, j.mass, ...j.probs, ...j.samples.flatMap((s) => [s.yhat, s.mass])];
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) {
    return {
      error: `the judge produced a non-finite score (ŷ ${j.yhat}, captured mass ${j.mass}): the model's logits are not finite numbers, so no score can be read; its weights are likely corrupt or overflow (retrain, or re-export in F32)`,
      warnings: [],
    };
  }
  const warnings: string[] = [];
  if (j.yhat < 1 || j.yhat > 5) {
    warnings.push(
      `ŷ ${j.yhat.toFixed(3)} is off the 1..5 scale: the score tokens hold only ${(j.mass * 100).toFixed(1)}% of the probability${renormalize ? '' : ` and RAIL does not renormalise over them (${renormalizeHint})`}; the model does not behave as a judge here`,
    );
  } else if (j.mass < 0.5) {
    warnings.push(`the score tokens hold only ${(j.mass * 100).toFixed(1)}% of the probability: ŷ is an expectation over little mass`);
  }
  return { warnings };
}
