// `tract judge`: score one example with a trained judge: CoT-RAIL (n sampled CoTs, their ŷ
// averaged) and standard decoding, with the CoT text, the five score probabilities and the mass.
// With --out, grade a whole file instead (src/cli/judge_batch.ts): one JSON line per row, resumable.
// The prompt is fit by the prompt-fit rule with the CoT room the judge was trained with (its
// checkpoint's tract.training, or its run's report.json: src/cli/trained_fit.ts), so it is the
// prompt the judge saw in training; one line on stderr says which room is used and why.
import { fitJudgePrompt, formatIssue, loadJudgeData, type JudgeExample } from '../data/index.ts';
import { parseFlags, UsageError } from './args.ts';
import { InputError } from './errors.ts';
import { judgeFlags, judgeOptions, JUDGE_FLAGS, promptFitRecord, setupJudge } from './judge_setup.ts';
import { judgeBatch } from './judge_batch.ts';
import { openJudge } from './judge_file.ts';
import { inputFile } from './paths.ts';
import { readJsonFile } from './jsonInput.ts';
import type { Command } from './main.ts';
import { checkJudgement } from '../infer/judgement_check.ts';

export { checkJudgement };
export { judgeCliCotSettings } from './judge_setup.ts';

const USAGE = `usage: tract judge --checkpoint <file> --input <example.json> [--n-cot N] [--greedy] [--template compact|prometheus]
                  [--renormalize] [--seed S] [--repetition-penalty R] [--max-cot-tokens N] [--prompt-cot-tokens N] [--report <report.json>]
                  [--tokenizer <file>] [--json]
       tract judge --checkpoint <file> --input <rows.jsonl|rows.json> --out <graded.jsonl> [--batch N] [--limit N] [same flags]

  Scores one example with a trained judge (e.g. runs/default/seed-1/tract.safetensors).
    --input     a JSON object (or one JSONL row) in tract's format: instruction, response,
                reference_answer, rubric {criteria, score1..score5} (or K levels: score1..scoreK,
                score0..9, or levels [{label, value, description}]); score/scores optional (shown as gold)
    --n-cot     CoTs to sample; CoT-RAIL averages their ŷ (default 1)
    --greedy    greedy CoTs instead of sampling (T = 1, top-p 0.9)
    --repetition-penalty  of CoT sampling (default 1: off; the reference code and tract run's
                evaluation use 1.03)
    --template  prompt template (default: compact, what tract run trains with)
    --max-cot-tokens     longest CoT sampled (default: the judge's run's eval.maxCotTokens, at most
                         its trained CoT room; 64 when neither is recorded)
    --prompt-cot-tokens  the prompt-fit rule's CoT room (default: the room the judge was trained with,
                         read from its tract.training or its run's report.json — beside the file, or
                         one folder up from seed-N/; else --max-cot-tokens). Prompts get
                         seqLen + 1 − (room + " So the overall score is " + score + EOS) ids, as in training
    --report    the report.json of the run the judge comes from (instead of looking beside it)
    --json      print one JSON object (with promptFit: the room used and where it came from)

  Batch judging (--out): grades every row of --input (tract JSONL, a Feedback Collection JSONL or a
  Prometheus benchmark JSON; labels optional, shown as gold when present) and writes one JSON line
  per row, in input order: {id, gold, yhat, decoded, probs, mass, cots, samples, prompt {ids, cut}}.
  A prompt longer than the context leaves is cut as in single-row judging (prompt.cut, counted on
  stderr); a row that cannot fit even emptied gets {id, skipped: "unfit", error} and no score.
  Resumable: rows are appended a batch at a time and flushed; rerunning the same command continues
  after the last complete line (a torn last line is dropped and redone), so the output holds each
  input row exactly once, in order. An --out that holds another input's rows, or that was
  started with another model or other judging flags (recorded in <out>.judge.json), is refused.
    --batch     sequences judged at once on the GPU (default 64, as tract run's evaluation)
    --limit     judge at most N more rows in this run, then stop (a rerun continues)
    --json      a summary object on stdout at the end (and errors as JSON)
  Exit status 1 when any row of --input is rejected (nothing is judged then: fix or drop the row,
  so that the output lines up with the input) or a row's score is not a finite number.`;

async function readExample(spec: string): Promise<{ example: JudgeExample; gold: number | null }> {
  const path = inputFile(spec, '--input');
  let row = await readJsonFile(spec, '--input');
  if (Array.isArray(row)) {
    if (row.length !== 1) throw new InputError(`${path}: expected one example, found an array of ${row.length} (grade a file of rows with --out <graded.jsonl>)`, { where: { file: spec } });
    row = row[0];
  }
  if (typeof row !== 'object' || row === null) throw new InputError(`${path}: expected a JSON object`, { where: { file: spec } });
  const r = await loadJudgeData(JSON.stringify(row), { file: path, labels: 'optional' });
  if (r.examples.length !== 1) throw new InputError(r.errors.map(formatIssue).join('\n') || `${path}: no example`, { where: { file: spec }, issues: r.errors });
  const example = r.examples[0];
  return { example, gold: r.unlabelled?.includes(example.id) ? null : example.label };
}

export const command: Command = {
  summary: 'score one example, or grade a file of rows (--out, resumable), with a trained judge',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { ...JUDGE_FLAGS, input: { type: 'string' }, out: { type: 'string' }, batch: { type: 'string' }, limit: { type: 'string' } });
    if (!values.input) throw new UsageError('--input is required');
    const flags = judgeFlags(values);
    if (values.out !== undefined) return judgeBatch(flags, { input: values.input, out: values.out, batch: values.batch, limit: values.limit, json: !!values.json });
    for (const f of ['batch', 'limit'] as const) if (values[f] !== undefined) throw new UsageError(`--${f} goes with --out`);
    const { example, gold } = await readExample(values.input);
    const s = await setupJudge(flags);
    // The prompt the judge gets (Judge.promptIds applies the same rule): checked before the GPU starts.
    const fitted = fitJudgePrompt(example, s.tokenizer, flags.template, s.rule);
    if (!fitted) throw new InputError(`${example.id}: even an emptied prompt exceeds the prompt budget of ${s.budget} ids (context ${s.rule.seqLen}, CoT room ${s.rule.maxCotTokens} tokens)`, { where: { file: values.input } });

    const { judge, destroy } = await openJudge(s, Math.min(flags.nCot, 16));
    const options = judgeOptions(s);
    const promptIds = judge.promptIds(example, options).length;
    const [j] = await judge.cotRail([example], options);
    destroy();
    const checked = checkJudgement(j, options.renormalize ?? false);
    if (checked.error) throw new Error(`${example.id}: ${checked.error}`);
    const warnings = [...s.cot.warnings, ...checked.warnings];
    if (fitted.truncated) warnings.push(`the prompt was cut to fit the context (${promptIds} ids of a budget of ${s.budget}): the response and reference answer were shortened, marked "..."`);
    for (const w of warnings.slice(s.cot.warnings.length)) console.error(`warning: ${w}`);
    const result = {
      id: example.id,
      cots: j.cots,
      samples: j.samples.map((x) => ({ yhat: x.yhat, probs: x.probs, mass: x.mass, decoded: x.decoded })),
      probs: j.probs,
      mass: j.mass,
      yhat: j.yhat,
      decoded: j.decoded,
      gold,
      promptFit: promptFitRecord(s),
      prompt: { ids: promptIds, budget: s.budget, cut: fitted.truncated },
      warnings,
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(`prompt: ${promptIds} ids of a budget of ${s.budget}${fitted.truncated ? ' (cut to fit: the response and reference answer shortened, marked "...")' : ''}`);
      j.cots.forEach((c, i) => {
        console.log(`CoT ${i + 1}: ${c}`);
        console.log(`  ŷ ${j.samples[i].yhat.toFixed(3)}  p(1..5) ${j.samples[i].probs.map((p) => p.toFixed(3)).join(' ')}  mass ${j.samples[i].mass.toFixed(3)}`);
      });
      console.log(`CoT-RAIL ŷ = ${j.yhat.toFixed(3)} (mean of ${flags.nCot})   decoded score = ${j.decoded}   captured mass = ${j.mass.toFixed(3)}${gold !== null ? `   gold = ${gold.toFixed(2)}` : ''}`);
    }
    return 0;
  },
};
