// The dev-split table issue 11 asks for: the finished dev runs a default was chosen from, side by
// side, per method (Pearson r, mean over seeds) and per method and task family. Reads only each
// run's report.json (no GPU); refuses a run that was scored on the test split, so the table can
// never be made from test numbers.
//
//   npx tsx scripts/dev-table.ts docs/dev-table.md runs/devA "lr 2e-3" runs/devB "lr 4e-3" …
//
// Each run is a directory of `tract run` (its report.json) and a short label for the column.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Spread = { mean: number | null; sd: number | null; n: number };
type MethodResult = { mean: Record<string, Spread>; familyMean: Record<string, Spread>; perSeed: { seed: number; metrics: Record<string, { value: number | null }> }[] };
type Report = {
  split?: string;
  seeds: number[];
  config: { data: Record<string, unknown>; finetune: Record<string, unknown>; eval: Record<string, unknown>; selfCot: Record<string, unknown> };
  methods: Record<string, MethodResult>;
  stageSeconds: Record<string, Record<string, number>>;
  wallSeconds: number;
};

const [outPath, ...rest] = process.argv.slice(2);
if (!outPath || rest.length === 0 || rest.length % 2 !== 0) {
  console.error('usage: npx tsx scripts/dev-table.ts <out.md> <runDir> <label> [<runDir> <label> …]');
  process.exit(2);
}
const runs: { dir: string; label: string; report: Report }[] = [];
for (let i = 0; i < rest.length; i += 2) {
  const path = join(rest[i], 'report.json');
  let report: Report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  } catch (e) {
    console.error(`dev-table: ${path}: ${(e as Error).message}`);
    process.exit(1);
  }
  if (report.split !== 'dev') {
    console.error(`dev-table: ${path} was scored on the '${report.split ?? 'test'}' split; the dev table takes dev runs only`);
    process.exit(1);
  }
  runs.push({ dir: rest[i], label: rest[i + 1], report });
}

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const ms = (s: Spread | undefined) => (s ? (s.n > 1 ? `${f(s.mean)} ± ${f(s.sd)}` : f(s.mean)) : 'n/a');
const methods = [...new Set(runs.flatMap((r) => Object.keys(r.report.methods)))];
const families = [...new Set(runs.flatMap((r) => Object.values(r.report.methods).flatMap((m) => Object.keys(m.familyMean ?? {}))))].sort();

const lines: string[] = [];
lines.push('# Dev-split table: the runs the default was chosen from', '');
lines.push('Every number here is on the **dev** split (200 examples per data seed); the test split is read once, by the final run (docs/report.md).');
lines.push('Pearson r between the method\'s score and the gold label, mean ± sd over training seeds where a run has several. Made with:', '');
lines.push('```', `npx tsx scripts/dev-table.ts ${[outPath, ...rest.map((x) => (x.includes(' ') ? JSON.stringify(x) : x))].join(' ')}`, '```', '');
lines.push('## The runs', '');
lines.push('| run | label | data | finetune | self-CoT / eval | seeds | stage minutes, first seed |', '|---|---|---|---|---|---|---|');
for (const r of runs) {
  const c = r.report.config;
  const d = `train ${c.data.train}, data seed ${c.data.seed}`;
  const ft = `epochs ${c.finetune.epochs}, batch ${c.finetune.batchSize}, lr ${c.finetune.lr}, λ ${c.finetune.lambda}${c.finetune.labelLambda !== undefined && c.finetune.labelLambda !== c.finetune.lambda ? ` (label-only ${c.finetune.labelLambda})` : ''}${c.finetune.labelScoreInCe ? ', label-only RAFT score in CE' : ''}, maxSteps ${c.finetune.maxSteps}, ${c.finetune.raftReduction}`;
  // The self-CoTs' sampling (stage 2's training CoTs), then the evaluation's CoTs.
  const sc = c.selfCot ? `self-CoTs T ${c.selfCot.temperature}${Number(c.selfCot.temperature) > 0 ? `, top-p ${c.selfCot.topP}` : ''}; ` : '';
  const ev = `${sc}eval nCot ${c.eval.nCot}, T ${c.eval.temperature}, top-p ${c.eval.topP}, rep ${c.eval.repetitionPenalty}, CoT ≤ ${c.eval.maxCotTokens}`;
  lines.push(`| \`${r.dir}\` | ${r.label} | ${d} | ${ft} | ${ev} | ${r.report.seeds.join(',')} | ${f(Object.values(Object.values(r.report.stageSeconds)[0] ?? {}).reduce((a, b) => a + b, 0) / 60, 1)} |`);
}
lines.push('', '## Pearson r per method', '');
lines.push(`| method | ${runs.map((r) => r.label).join(' | ')} |`, `|---|${runs.map(() => '---|').join('')}`);
for (const m of methods) lines.push(`| \`${m}\` | ${runs.map((r) => ms(r.report.methods[m]?.mean?.pearson)).join(' | ')} |`);
// The mean is over the methods every run scored (a probe run may score only some), so the
// columns compare like with like; an undefined r (a constant prediction) counts as 0.
const common = methods.filter((m) => runs.every((r) => r.report.methods[m]));
const avg = (r: Report) => (common.length ? common.reduce((a, m) => a + (r.methods[m]?.mean?.pearson?.mean ?? 0), 0) / common.length : null);
lines.push(`| *mean over ${common.map((m) => `\`${m}\``).join(', ')}* | ${runs.map((r) => f(avg(r.report))).join(' | ')} |`);
lines.push('', 'n/a: the method predicted one constant score (its correlation is undefined), or the run did not score it.');
for (const fam of families) {
  lines.push('', `## Family \`${fam}\`: Pearson r per method`, '');
  lines.push(`| method | ${runs.map((r) => r.label).join(' | ')} |`, `|---|${runs.map(() => '---|').join('')}`);
  for (const m of methods) lines.push(`| \`${m}\` | ${runs.map((r) => ms(r.report.methods[m]?.familyMean?.[fam])).join(' | ')} |`);
}
lines.push('', '## Seconds per stage (first seed; a stage reused by a resumed run counts its training time, its generation and evaluation 0)', '');
const stages = [...new Set(runs.flatMap((r) => Object.keys(Object.values(r.report.stageSeconds)[0] ?? {})))];
lines.push(`| stage | ${runs.map((r) => r.label).join(' | ')} |`, `|---|${runs.map(() => '---|').join('')}`);
for (const s of stages) lines.push(`| ${s} | ${runs.map((r) => f(Object.values(r.report.stageSeconds)[0]?.[s], 0)).join(' | ')} |`);

const tmp = `${outPath}.tmp-${process.pid}`;
writeFileSync(tmp, `${lines.join('\n')}\n`);
renameSync(tmp, outPath);
console.log(`dev-table: wrote ${outPath} (${runs.length} runs, ${methods.length} methods, ${families.length} families)`);
