// The app's ready judge (public/judge/): the TRACT checkpoint of a finished `tract run`, re-saved
// with F16 parameters (half the file; the tokenizer and the training record are kept), beside the
// run's report.json and a compact copy of its per-example evaluations (eval.json), so the app's
// Playground, Evaluate and Learn views work on a first visit. The training record gains promptFit,
// the prompt-fit rule the run trained with ({ seqLen, maxCotTokens, evalCotTokens }, from the
// report), so whatever judges with the file alone (tract judge, the Playground) fits its prompts as
// in training. Run it after the run it copies:
//
//   npm run tract -- run                                   # writes runs/default (16 min on a 2-core CPU)
//   npx tsx scripts/ready-judge.ts runs/default public/judge
//
// Reads only files; no GPU.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainedFitFromReport } from '../src/data/trained_fit.ts';
import { loadCheckpoint, saveCheckpoint } from '../src/model/checkpoint.ts';
import { writeFileAtomic } from '../src/cli/paths.ts';

const [runDir = 'runs/default', outDir = 'public/judge', seed = '1'] = process.argv.slice(2);
const seedDir = join(runDir, `seed-${seed}`);
const ckptPath = join(seedDir, 'tract.safetensors');
if (!existsSync(ckptPath)) {
  console.error(`ready-judge: ${ckptPath} not found: run 'npm run tract -- run' first`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });

const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8'));
const fit = trainedFitFromReport(report);
if (!fit) {
  console.error(`ready-judge: ${join(runDir, 'report.json')} records no prompt fit (data.promptFit) and no config to derive it from`);
  process.exit(1);
}
const c = loadCheckpoint(readFileSync(ckptPath));
const promptFit = { seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens, ...(fit.evalCotTokens !== undefined ? { evalCotTokens: fit.evalCotTokens } : {}) };
const training = { ...(c.training as Record<string, unknown> | undefined), promptFit };
const bytes = saveCheckpoint({ config: c.config, params: c.params, tokenizer: c.tokenizer, training }, { dtype: 'F16' });
// Atomic writes: the app ships these files; a failed write must not leave half of one.
await writeFileAtomic(join(outDir, 'tract-judge.safetensors'), bytes);
await writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(report));

// eval.json: each model's judgements with numbers rounded to 4 decimals and the per-sample copy
// dropped when there is one sample (it equals the mean); the app rebuilds the full form.
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
type J = { cots: string[]; samples: { probs: number[]; mass: number; yhat: number; decoded: number; argmaxIsScore: boolean }[]; yhat: number; probs: number[]; mass: number; decoded: number };
const judgements: Record<string, unknown[]> = {};
for (const m of ['label-ce', 'label-raft', 'cot-ce', 'stage1', 'selfcot-ce', 'stage2-from-stage1', 'tract']) {
  const p = join(seedDir, `eval-${m}.json`);
  if (!existsSync(p)) continue;
  const js = (JSON.parse(readFileSync(p, 'utf8')) as { judgements: J[] }).judgements;
  judgements[m] = js.map((j) => ({
    cots: j.cots,
    yhat: r4(j.yhat),
    probs: j.probs.map(r4),
    mass: r4(j.mass),
    decoded: j.decoded,
    argmaxIsScore: j.samples[0].argmaxIsScore,
    ...(j.samples.length > 1 ? { samples: j.samples.map((s) => ({ ...s, probs: s.probs.map(r4), mass: r4(s.mass), yhat: r4(s.yhat) })) } : {}),
  }));
}
await writeFileAtomic(join(outDir, 'eval.json'), JSON.stringify({ seed: Number(seed), judgements }));
console.log(`ready-judge: wrote ${outDir}/tract-judge.safetensors (${bytes.length} bytes; prompt fit seqLen ${promptFit.seqLen}, CoT room ${promptFit.maxCotTokens}), report.json, eval.json (${Object.keys(judgements).join(', ')})`);
