// `tract judge`: score one example with a trained judge: CoT-RAIL (n sampled CoTs, their ŷ
// averaged) and standard decoding, with the CoT text, the five score probabilities and the mass.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatIssue, loadJudgeData, type JudgeExample } from '../data/index.ts';
import { requestGpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge } from '../infer/judge.ts';
import { DeviceModel } from '../model/device_model.ts';
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { loadModelFile, tokenizerForModel } from './files.ts';
import type { Command } from './main.ts';

const USAGE = `usage: tract judge --checkpoint <file> --input <example.json> [--n-cot N] [--greedy] [--template compact|prometheus]
                  [--renormalize] [--seed S] [--max-cot-tokens N] [--tokenizer <file>] [--json]

  Scores one example with a trained judge (e.g. runs/default/seed-1/tract.safetensors).
    --input     a JSON object (or one JSONL row) in tract's format: instruction, response,
                reference_answer, rubric {criteria, score1..score5}; score/scores optional (shown as gold)
    --n-cot     CoTs to sample; CoT-RAIL averages their ŷ (default 1)
    --greedy    greedy CoTs instead of sampling (T = 1, top-p 0.9)
    --template  prompt template (default: compact, what tract run trains with)
    --json      print one JSON object`;

async function readExample(path: string): Promise<{ example: JudgeExample; gold: number | null }> {
  if (!existsSync(path)) throw new UsageError(`--input: no such file '${path}'`);
  const text = (await readFile(path, 'utf8')).trim();
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
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
      tokenizer: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.checkpoint) throw new UsageError('--checkpoint is required');
    if (!values.input) throw new UsageError('--input is required');
    const template = values.template ?? 'compact';
    if (template !== 'compact' && template !== 'prometheus') throw new UsageError(`--template must be compact or prometheus, got '${template}'`);
    const nCot = numberFlag('n-cot', values['n-cot'], 1, { integer: true, min: 1, max: 64 });
    const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
    const maxCotTokens = numberFlag('max-cot-tokens', values['max-cot-tokens'], 64, { integer: true, min: 1 });
    const { example, gold } = await readExample(resolve(values.input));
    const loaded = await loadModelFile(values.checkpoint);
    const tokenizer = await tokenizerForModel(loaded, values.checkpoint, values.tokenizer);

    const gpu = await requestGpu();
    const model = new DeviceModel(gpu, loaded.config);
    model.upload(loaded.params);
    const gen = new Generator(model, Math.min(nCot, 16), loaded.config.seqLen);
    const judge = new Judge(gen, tokenizer);
    const [j] = await judge.cotRail([example], {
      template,
      nCot,
      maxCotTokens,
      seed,
      renormalize: !!values.renormalize,
      sampling: values.greedy ? { temperature: 0 } : { temperature: 1, topP: 0.9 },
    });
    const result = {
      id: example.id,
      cots: j.cots,
      samples: j.samples.map((s) => ({ yhat: s.yhat, probs: s.probs, mass: s.mass, decoded: s.decoded })),
      probs: j.probs,
      mass: j.mass,
      yhat: j.yhat,
      decoded: j.decoded,
      gold,
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      j.cots.forEach((c, i) => {
        console.log(`CoT ${i + 1}: ${c}`);
        console.log(`  ŷ ${j.samples[i].yhat.toFixed(3)}  p(1..5) ${j.samples[i].probs.map((p) => p.toFixed(3)).join(' ')}  mass ${j.samples[i].mass.toFixed(3)}`);
      });
      console.log(`CoT-RAIL ŷ = ${j.yhat.toFixed(3)} (mean of ${nCot})   decoded score = ${j.decoded}   captured mass = ${j.mass.toFixed(3)}${gold !== null ? `   gold = ${gold.toFixed(2)}` : ''}`);
    }
    gen.destroy();
    model.destroy();
    gpu.destroy();
    return 0;
  },
};
