// `tract judge`: score one example with a trained judge: CoT-RAIL (n sampled CoTs, their ŷ
// averaged) and standard decoding, with the CoT text, the five score probabilities and the mass.
// The prompt is fit by the prompt-fit rule with the CoT room the judge was trained with (its
// checkpoint's tract.training, or its run's report.json: src/cli/trained_fit.ts), so it is the
// prompt the judge saw in training; one line on stderr says which room is used and why.
import { fitJudgePrompt, formatIssue, judgeCotSettings, loadJudgeData, promptBudget, type JudgeCotSettings, type JudgeExample, type TrainedFit } from '../data/index.ts';
import { requestGpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge, type JudgeOptions } from '../infer/judge.ts';
import { DeviceModel } from '../model/device_model.ts';
import { MAX_CONFIG } from '../model/config.ts';
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { loadModelFile, tokenizerForModel } from './files.ts';
import { findTrainedFit } from './trained_fit.ts';
import { inputFile } from './paths.ts';
import { readJsonFile } from './jsonInput.ts';
import type { Command } from './main.ts';
import { checkJudgement } from '../infer/judgement_check.ts';

export { checkJudgement };

const USAGE = `usage: tract judge --checkpoint <file> --input <example.json> [--n-cot N] [--greedy] [--template compact|prometheus]
                  [--renormalize] [--seed S] [--max-cot-tokens N] [--prompt-cot-tokens N] [--report <report.json>]
                  [--tokenizer <file>] [--json]

  Scores one example with a trained judge (e.g. runs/default/seed-1/tract.safetensors).
    --input     a JSON object (or one JSONL row) in tract's format: instruction, response,
                reference_answer, rubric {criteria, score1..score5}; score/scores optional (shown as gold)
    --n-cot     CoTs to sample; CoT-RAIL averages their ŷ (default 1)
    --greedy    greedy CoTs instead of sampling (T = 1, top-p 0.9)
    --template  prompt template (default: compact, what tract run trains with)
    --max-cot-tokens     longest CoT sampled (default: the judge's run's eval.maxCotTokens, at most
                         its trained CoT room; 64 when neither is recorded)
    --prompt-cot-tokens  the prompt-fit rule's CoT room (default: the room the judge was trained with,
                         read from its tract.training or its run's report.json — beside the file, or
                         one folder up from seed-N/; else --max-cot-tokens). Prompts get
                         seqLen + 1 − (room + " So the overall score is " + score + EOS) ids, as in training
    --report    the report.json of the run the judge comes from (instead of looking beside it)
    --json      print one JSON object (with promptFit: the room used and where it came from)`;

/** The CoT settings of `tract judge` for a model of context `seqLen`, from its trained fit (if known) and the flags. */
export function judgeCliCotSettings(o: { trained?: TrainedFit; missing?: string; seqLen: number; maxCotTokens?: number; promptCotTokens?: number }): JudgeCotSettings {
  try {
    return judgeCotSettings({ ...o, names: { maxCot: '--max-cot-tokens', promptCot: '--prompt-cot-tokens' } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function readExample(spec: string): Promise<{ example: JudgeExample; gold: number | null }> {
  const path = inputFile(spec, '--input');
  let row = await readJsonFile(spec, '--input');
  if (Array.isArray(row)) {
    if (row.length !== 1) throw new Error(`${path}: expected one example, found an array of ${row.length}`);
    row = row[0];
  }
  if (typeof row !== 'object' || row === null) throw new Error(`${path}: expected a JSON object`);
  const o = row as Record<string, unknown>;
  const labelled = o.score !== undefined || o.scores !== undefined || o.gpt4_score !== undefined || o.orig_score !== undefined;
  // The judge needs no label, but the loader validates one: an unlabelled input gets a placeholder
  // that is neither used nor shown.
  const withLabel = labelled ? o : { ...o, score: 3 };
  const r = await loadJudgeData(JSON.stringify(withLabel), { file: path });
  if (r.examples.length !== 1) throw new Error(r.errors.map(formatIssue).join('\n') || `${path}: no example`);
  const example = r.examples[0];
  return { example, gold: labelled ? example.label : null };
}

export const command: Command = {
  summary: 'score one example with a trained judge (CoT-RAIL and decoding)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      checkpoint: { type: 'string' },
      input: { type: 'string' },
      'n-cot': { type: 'string' },
      greedy: { type: 'boolean' },
      template: { type: 'string' },
      renormalize: { type: 'boolean' },
      seed: { type: 'string' },
      'max-cot-tokens': { type: 'string' },
      'prompt-cot-tokens': { type: 'string' },
      report: { type: 'string' },
      tokenizer: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.checkpoint) throw new UsageError('--checkpoint is required');
    if (!values.input) throw new UsageError('--input is required');
    const template = values.template ?? 'compact';
    if (template !== 'compact' && template !== 'prometheus') throw new UsageError(`--template must be compact or prometheus, got '${template}'`);
    const nCot = numberFlag('n-cot', values['n-cot'], 1, { integer: true, min: 1, max: 64 });
    const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
    const optional = (flag: 'max-cot-tokens' | 'prompt-cot-tokens') => (values[flag] === undefined ? undefined : numberFlag(flag, values[flag], 0, { integer: true, min: 1, max: MAX_CONFIG.seqLen }));
    const askedCot = optional('max-cot-tokens');
    const askedRoom = optional('prompt-cot-tokens');
    if (values.report !== undefined) inputFile(values.report, '--report');
    const { example, gold } = await readExample(values.input);
    const loaded = await loadModelFile(values.checkpoint);
    const tokenizer = await tokenizerForModel(loaded, values.checkpoint, values.tokenizer);
    // A CoT (or its room) as long as the context leaves no room for any prompt: a flag error, not the example's.
    for (const [flag, n] of [['--max-cot-tokens', askedCot], ['--prompt-cot-tokens', askedRoom]] as const) {
      if (n !== undefined && n >= loaded.config.seqLen) throw new UsageError(`${flag} ${n} must be less than the model's context of ${loaded.config.seqLen} tokens`);
    }
    const found = await findTrainedFit(values.checkpoint, loaded, values.report);
    const cot = judgeCliCotSettings({ trained: found.fit, missing: found.missing, seqLen: loaded.config.seqLen, maxCotTokens: askedCot, promptCotTokens: askedRoom });
    console.error(cot.note);
    for (const w of cot.warnings) console.error(`warning: ${w}`);
    const { maxCotTokens, promptCotTokens } = cot;
    // The prompt the judge gets (Judge.promptIds applies the same rule): checked before the GPU starts.
    const rule = { seqLen: loaded.config.seqLen, maxCotTokens: promptCotTokens };
    const budget = promptBudget(tokenizer, rule);
    const fitted = fitJudgePrompt(example, tokenizer, template, rule);
    if (!fitted) throw new Error(`${example.id}: even an emptied prompt exceeds the prompt budget of ${budget} ids (context ${rule.seqLen}, CoT room ${promptCotTokens} tokens)`);

    const gpu = await requestGpu();
    const model = new DeviceModel(gpu, loaded.config);
    model.upload(loaded.params);
    const gen = new Generator(model, Math.min(nCot, 16), loaded.config.seqLen);
    const judge = new Judge(gen, tokenizer);
    const options: JudgeOptions = {
      template,
      nCot,
      maxCotTokens,
      promptCotTokens,
      seed,
      renormalize: !!values.renormalize,
      sampling: values.greedy ? { temperature: 0 } : { temperature: 1, topP: 0.9 },
    };
    const promptIds = judge.promptIds(example, options).length;
    const [j] = await judge.cotRail([example], options);
    gen.destroy();
    model.destroy();
    gpu.destroy();
    const checked = checkJudgement(j, options.renormalize ?? false);
    if (checked.error) throw new Error(`${example.id}: ${checked.error}`);
    const warnings = [...cot.warnings, ...checked.warnings];
    if (fitted.truncated) warnings.push(`the prompt was cut to fit the context (${promptIds} ids of a budget of ${budget}): the response and reference answer were shortened, marked "..."`);
    for (const w of warnings.slice(cot.warnings.length)) console.error(`warning: ${w}`);
    const result = {
      id: example.id,
      cots: j.cots,
      samples: j.samples.map((s) => ({ yhat: s.yhat, probs: s.probs, mass: s.mass, decoded: s.decoded })),
      probs: j.probs,
      mass: j.mass,
      yhat: j.yhat,
      decoded: j.decoded,
      gold,
      promptFit: { seqLen: loaded.config.seqLen, promptCotTokens, maxCotTokens, asTrained: cot.asTrained, trained: found.fit ?? null },
      prompt: { ids: promptIds, budget, cut: fitted.truncated },
      warnings,
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(`prompt: ${promptIds} ids of a budget of ${budget}${fitted.truncated ? ' (cut to fit: the response and reference answer shortened, marked "...")' : ''}`);
      j.cots.forEach((c, i) => {
        console.log(`CoT ${i + 1}: ${c}`);
        console.log(`  ŷ ${j.samples[i].yhat.toFixed(3)}  p(1..5) ${j.samples[i].probs.map((p) => p.toFixed(3)).join(' ')}  mass ${j.samples[i].mass.toFixed(3)}`);
      });
      console.log(`CoT-RAIL ŷ = ${j.yhat.toFixed(3)} (mean of ${nCot})   decoded score = ${j.decoded}   captured mass = ${j.mass.toFixed(3)}${gold !== null ? `   gold = ${gold.toFixed(2)}` : ''}`);
    }
    return 0;
  },
};
