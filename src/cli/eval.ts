// `tract eval`: judge every row of a file with a trained judge and, when rows have labels, say how
// well it agrees with them: Pearson r, Spearman ρ, Kendall τ-b and RMSE with bootstrap 95% CIs
// (src/eval/metrics.ts), overall and per rubric. Prompts and CoT settings are `tract judge`'s
// (src/cli/judge_setup.ts), so each row's ŷ under --greedy is the one `tract judge --greedy` gives
// it; all rows go to one batched Judge call, as in `tract run`'s evaluation. A row whose prompt is
// longer than the context leaves is not cut silently: it gets no score and is listed, unless
// --max-prompt-tokens asks for prompts to be cut (then the output says how many were).
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { EXIT, issueRecord } from './errors.ts';
import { evalSummary, printSummary } from './eval_summary.ts';
import { judgeFlags, judgeOptions, JUDGE_FLAGS, promptFitRecord, setupJudge } from './judge_setup.ts';
import { cutRuleFor, judgeRange, planPrompts } from '../eval/file_rows.ts';
import { loadJudgeRows, openJudge } from './judge_file.ts';
import type { Command } from './main.ts';
import { outputFile, writeFileAtomic } from './paths.ts';
import { ProgressBar } from './progress.ts';

const USAGE = `usage: tract eval --checkpoint <model> --data <file> [--n-cot N] [--greedy] [--out results.jsonl] [--json]
                 [--max-prompt-tokens N|budget] [--batch N] [--bootstrap N] [--template compact|prometheus]
                 [--renormalize] [--seed S] [--repetition-penalty R] [--max-cot-tokens N] [--prompt-cot-tokens N] [--report <report.json>]
                 [--tokenizer <file>]

  Judges every row of --data (a Prometheus benchmark JSON, a Feedback Collection JSONL or tract JSONL;
  labels optional) with a trained judge, with a progress bar and ETA on stderr. Against the rows'
  labels it prints Pearson r, Spearman ρ, Kendall τ-b and RMSE of the CoT-RAIL ŷ (and of the decoded
  score) with percentile-bootstrap 95% CIs, and the same per rubric (grouped by criteria text) when
  the file has several. Prompts, CoT length and sampling are tract judge's: with --greedy each row's
  ŷ is the one \`tract judge --greedy\` gives that row.
    --out        write one JSON line per row, in file order (written whole at the end, atomically):
                 {id, gold, yhat, decoded, probs, mass, cots, samples, prompt {ids, cut}}; a row with
                 no score has {id, gold, skipped, error, prompt {uncut, budget}}
    --max-prompt-tokens
                 by default a row whose prompt is longer than the context leaves (the prompt-fit
                 rule's budget: context + 1 − CoT room − score suffix) gets no score and is listed.
                 Given N (at most the budget), prompts longer than N are cut to N instead (response
                 and reference answer first, marked "..."); 'budget' cuts to the budget, as tract
                 judge and training do. The summary says how many were cut.
    --n-cot      CoTs per row; CoT-RAIL averages their ŷ (default 1)
    --greedy     greedy CoTs (default: sampled, T 1, top-p 0.9, seeded by --seed)
    --batch      sequences judged at once on the GPU (default 64, as tract run's evaluation)
    --bootstrap  bootstrap resamples for the CIs (default 1000)
    --json       print the summary as one JSON object (metrics, per-rubric metrics, the rows with
                 no score, rejected rows as {error, file, line, row, field, message})
    other flags: as tract judge (--help there)
  Rejected rows (they do not load) are listed and the others judged; the exit status is then 1.
  Rows with no score because their prompt does not fit are listed but do not change the exit status.`;

export const command: Command = {
  summary: 'judge every row of a file and report agreement with its labels (r, ρ, τ-b, RMSE, CIs)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...JUDGE_FLAGS,
      data: { type: 'string' },
      out: { type: 'string' },
      'max-prompt-tokens': { type: 'string' },
      batch: { type: 'string' },
      bootstrap: { type: 'string' },
    });
    if (!values.data) throw new UsageError('--data is required');
    const flags = judgeFlags(values);
    const batch = numberFlag('batch', values.batch, 64, { integer: true, min: 1, max: 1024 });
    const resamples = numberFlag('bootstrap', values.bootstrap, 1000, { integer: true, min: 0, max: 100_000 });
    const maxPrompt = values['max-prompt-tokens'];
    const askedCut = maxPrompt === undefined || maxPrompt === 'budget' ? undefined : numberFlag('max-prompt-tokens', maxPrompt, 0, { integer: true, min: 2 });
    const outPath = values.out !== undefined ? await outputFile(values.out, '--out') : undefined;
    const rows = await loadJudgeRows(values.data, '--data');
    for (const w of rows.warnings) console.error(`warning: ${values.data}: ${w}`);
    if (rows.rejected || rows.fatal) console.error(`warning: ${values.data}: ${rows.rejected} rows rejected${rows.fatal ? ' and reading stopped early' : ''}; the ${rows.examples.length} rows that loaded are judged (rejected rows listed at the end)`);
    const s = await setupJudge(flags);
    if (askedCut !== undefined && askedCut > s.budget) {
      throw new UsageError(`--max-prompt-tokens ${askedCut} is more than the prompt budget of ${s.budget} ids (context ${s.rule.seqLen}, CoT room ${s.rule.maxCotTokens}): give at most ${s.budget}, or 'budget'`);
    }
    const cutTo = maxPrompt === undefined ? undefined : askedCut ?? s.budget;
    const plans = planPrompts(rows.examples, s.tokenizer, flags.template, s.rule, cutTo);
    const toJudge = plans.filter((p) => p.kind === 'fits' || p.kind === 'cut').length;
    const started = performance.now();
    // One batched call over every row (prompts of one length share a batch), as tract run's evaluation;
    // with --max-prompt-tokens below the budget, a second for the rows to cut (a wider CoT room cuts
    // their prompts to it), so the rows that fit keep tract judge's options exactly.
    const options = judgeOptions(s, { seed: flags.seed });
    const cutRoom = cutTo === undefined || cutTo === s.budget ? undefined : cutRuleFor(s.rule, s.budget, cutTo).maxCotTokens;
    const cutOptions = cutRoom === undefined ? undefined : judgeOptions(s, { seed: flags.seed, promptCotTokens: cutRoom });
    const range = { from: 0, to: rows.examples.length };
    let lines;
    if (toJudge === 0) lines = await judgeRange(null, s.budget, rows, plans, range, options);
    else {
      const { judge, destroy } = await openJudge(s, batch);
      const bar = new ProgressBar();
      bar.begin('eval');
      const onProgress = (d: number) => bar.update(d, toJudge);
      try {
        lines = await judgeRange(judge, s.budget, rows, plans, range, { ...options, onProgress }, cutOptions && { ...cutOptions, onProgress });
      } finally {
        destroy();
      }
      bar.end(`judged ${toJudge} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const seconds = (performance.now() - started) / 1000;
    if (outPath) await writeFileAtomic(outPath, lines.map((l) => JSON.stringify(l) + '\n'));
    const summary = evalSummary({
      file: values.data,
      checkpoint: flags.checkpoint,
      rows,
      lines,
      plans,
      cutTo,
      budget: s.budget,
      promptFit: promptFitRecord(s),
      settings: { nCot: flags.nCot, greedy: flags.greedy, repetitionPenalty: flags.repetitionPenalty, template: flags.template, renormalize: flags.renormalize, seed: flags.seed, batch, bootstrap: resamples },
      seconds,
      out: values.out ?? null,
      errors: rows.issues.map(issueRecord),
    });
    if (values.json) console.log(JSON.stringify(summary));
    else printSummary(summary);
    return rows.rejected || rows.fatal || summary.failed.length ? EXIT.rejected : EXIT.ok;
  },
};
