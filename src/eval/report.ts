// report.md: the methods table laid out like the paper's (method, Pearson with its 95% CI, Spearman,
// Kendall τ-b, RMSE, the paper's Pearson beside it; mean ± sd over seeds), every metric per seed,
// Pearson per task family (mean ± sd and per seed), the ordering claims with paired CIs (per seed and
// in the mean over seeds), the CoT-shift diagnostic, the prompt cut rate per split, stage times and
// training losses, and every deviation from the reference code. Generated text, never HTML.
import type { MethodName } from './config.ts';
import type { PromptCut, Report, SeedSpread } from './experiment.ts';
import type { Estimate } from './metrics.ts';

const LABELS: Record<MethodName, string> = {
  'label-ce-decode': 'Label-only CE + decoding',
  'label-raft-rail': 'Label-only RAFT (no CoT) + RAIL',
  'cot-ce-decode': 'CoT-CE (SFT on reference CoTs) + decoding',
  'cot-ce-cotrail': 'CoT-CE + CoT-RAIL',
  'stage1-cotrail': 'Stage 1 only (CoT-RAFT on reference CoTs) + CoT-RAIL',
  'selfcot-ce-cotrail': 'Self-CoT with CE only + CoT-RAIL',
  'stage2-from-stage1-cotrail': 'Stage 2 initialised from stage 1 + CoT-RAIL',
  'tract-decode': 'TRACT + decoding',
  'tract-cotrail': 'TRACT (stage 2 from the seed) + CoT-RAIL',
};

const f3 = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ci = (e: Estimate) => `${f3(e.value)} [${f3(e.lo)}, ${f3(e.hi)}]`;
const spread = (s: SeedSpread) => `${f3(s.mean)} ± ${f3(s.sd)}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
// A split with no examples has no rate of cut prompts: "–", not 0% (issue 14: no statistic over zero rows).
const cutText = (c: PromptCut) => `${c.cut}/${c.n} (${c.n > 0 ? pct(c.rate) : '–'})${c.dropped > 0 ? `, ${c.dropped} too long even emptied` : ''}`;
type MethodEntry = [MethodName, NonNullable<Report['methods'][MethodName]>];
const METRIC_KEYS = ['pearson', 'spearman', 'kendall', 'rmse'] as const;

/** The prompt-fit line (absent from reports made before the rule). */
function promptLines(r: Report): string[] {
  const fit = r.data.promptFit;
  const cut = r.data.promptCut;
  if (!fit || !cut) return [];
  return [
    `Prompts: one prompt-fit rule for every method, ≤ ${fit.budget} ids (T ${fit.seqLen} + 1 − the ${fit.maxCotTokens}-token CoT room, " So the overall score is ", score and EOS). ` +
      `Cut prompts: train ${cutText(cut.train)}, dev ${cutText(cut.dev)}, test ${cutText(cut.test)}.` +
      (r.data.referenceCotsCut ? ` Reference CoTs cut to ${fit.maxCotTokens} tokens: ${r.data.referenceCotsCut}.` : ''),
  ];
}

function methodsTable(r: Report, methods: MethodEntry[], multi: boolean): string[] {
  const lines = ['| Method | Pearson r | Spearman ρ | Kendall τ-b | RMSE | paper (Pearson, Mistral-7B) |', '|---|---|---|---|---|---|'];
  for (const [m, res] of methods) {
    const first = res.perSeed[0].metrics;
    const cell = (k: (typeof METRIC_KEYS)[number]) => (multi ? `${spread(res.mean[k])} (${ci(first[k])})` : ci(first[k]));
    const paper = r.paperPearson[m];
    lines.push(`| ${LABELS[m]} \`${m}\` | ${cell('pearson')} | ${cell('spearman')} | ${cell('kendall')} | ${cell('rmse')} | ${paper !== undefined ? paper.toFixed(3) : ''} |`);
  }
  return lines;
}

/** Every metric of every seed, with its CI. */
function perSeedTable(methods: MethodEntry[]): string[] {
  const lines = ['| Method | Seed | Pearson r | Spearman ρ | Kendall τ-b | RMSE | distinct scores | off-scale |', '|---|---|---|---|---|---|---|---|'];
  for (const [m, res] of methods) {
    for (const p of res.perSeed) {
      const off = m.endsWith('-decode') ? pct(p.offScaleRate) : '';
      lines.push(`| \`${m}\` | ${p.seed} | ${METRIC_KEYS.map((k) => ci(p.metrics[k])).join(' | ')} | ${p.distinct} | ${off} |`);
    }
  }
  return lines;
}

/** Pearson per family: mean ± sd over seeds with the per-seed values (one seed: its value). */
function familyTable(methods: MethodEntry[], multi: boolean): string[] {
  const fams = Object.keys(methods[0]?.[1].perSeed[0].byFamily ?? {});
  if (fams.length === 0) return [];
  const lines = [`| Method | ${fams.join(' | ')} |`, `|---|${fams.map(() => '---').join('|')}|`];
  for (const [m, res] of methods) {
    const cell = (f: string) => {
      const values = res.perSeed.map((p) => f3(p.byFamily[f]));
      if (!multi) return values[0];
      const s = res.familyMean?.[f];
      return `${s ? spread(s) : 'n/a'} (${values.join(', ')})`;
    };
    lines.push(`| \`${m}\` | ${fams.map(cell).join(' | ')} |`);
  }
  return lines;
}

function orderingTable(r: Report, multi: boolean): string[] {
  const lines = multi
    ? ['| Claim | mean over seeds [paired 95% CI] | per seed [paired 95% CI] | holds | beyond noise |', '|---|---|---|---|---|']
    : ['| Claim | Pearson difference [paired 95% CI] | holds | beyond noise |', '|---|---|---|---|'];
  for (const o of r.ordering) {
    // Reports made before meanOverSeeds carry only the per-seed differences.
    const mean = o.meanOverSeeds ? ci(o.meanOverSeeds) : 'n/a';
    const perSeed = o.perSeed.map((p) => `${p.seed}: ${ci(p.difference)}`).join('; ');
    const verdict = `${o.holds ? 'yes' : 'no'} | ${o.significant ? 'yes' : 'no'}`;
    lines.push(multi ? `| ${o.claim} | ${mean} | ${perSeed} | ${verdict} |` : `| ${o.claim} | ${o.meanOverSeeds ? mean : ci(o.perSeed[0].difference)} | ${verdict} |`);
  }
  lines.push(
    '',
    multi
      ? 'Holds: the mean over seeds of the Pearson difference (better − worse) is above 0; beyond noise: its paired 95% bootstrap CI (the scored examples resampled jointly, the same indices for every seed and both methods) is above 0.'
      : 'Holds: the Pearson difference (better − worse) is above 0; beyond noise: its paired 95% bootstrap CI (both methods on the same resampled examples) is above 0.',
  );
  return lines;
}

export function renderMarkdown(r: Report, command?: string): string {
  const multi = r.seeds.length > 1;
  const split = r.split ?? 'test';
  const Split = split === 'dev' ? 'Dev' : 'Test';
  const methods = Object.entries(r.methods) as MethodEntry[];
  const lines: string[] = [];
  lines.push('# TRACT in miniature: Rubric Lab results', '');
  if (command) lines.push('Made by:', '', '```', command, '```', '');
  lines.push(
    `Data: ${r.data.source ?? `Rubric Lab (seed ${r.config.data.seed})`}, ${r.data.train} train / ${r.data.dev} dev / ${r.data.test} test examples${r.data.source ? '' : ', labels = mean of 3 noisy annotators'}; ` +
      `score scale ${r.data.scale ?? '1..5'}; ` +
      `template ${r.config.data.template}; ${r.seedModel ? `tokenizer ${r.data.tokenizer.name}` : 'BPE tokenizer'} ${r.data.tokenizer.vocabSize} tokens. ` +
      `Methods scored on the ${split} split (${methods[0]?.[1].perSeed[0].n ?? r.data[split]} examples)${split === 'dev' ? ': a run for choosing settings; the test split is read once, by the final run' : ''}.`,
    ...promptLines(r),
    `Model: ${r.seedModel ? `seed ${r.seedModel.name} (${r.config.stage0.adapt ? `loaded, then stage 0 continued its LM training on the train texts for ${r.config.stage0.epochs} epochs` : 'loaded; no stage 0'}), ` : ''}Llama, dim ${r.modelConfig.dim}, ${r.modelConfig.nLayers} layers, ${r.modelConfig.nHeads} heads (${r.modelConfig.nKvHeads} KV), hidden ${r.modelConfig.hiddenDim}, ${r.parameters.toLocaleString('en-US')} parameters, seq ${r.modelConfig.seqLen}.`,
    `Seeds: ${r.seeds.join(', ')}. Wall time: ${(r.wallSeconds / 60).toFixed(1)} min.`,
    '',
  );
  lines.push(`## ${Split}-set agreement with the gold labels${multi ? ` (mean ± sd over ${r.seeds.length} seeds; CIs of the first seed)` : ' (95% bootstrap CIs)'}`, '');
  lines.push(...methodsTable(r, methods, multi));
  lines.push('', 'Prometheus-2-7B in the paper: 0.591.', '');
  if (multi) lines.push('### Every metric per seed (95% bootstrap CIs)', '', ...perSeedTable(methods), '');
  const fam = familyTable(methods, multi);
  if (fam.length > 0) lines.push(`### Pearson r by task family (${multi ? 'mean ± sd over seeds, then each seed' : `seed ${r.seeds[0]}`})`, '', ...fam, '');
  if (r.ordering.length > 0) lines.push("## The paper's orderings", '', ...orderingTable(r, multi), '');
  const shift = Object.entries(r.cotShift);
  if (shift.length > 0) {
    lines.push('## CoT shift', '', `RMSE between a model's ŷ given the reference CoTs and given its own sampled CoTs (${split} split):`, '');
    for (const [m, s] of shift) lines.push(`- ${m}: ${f3(s.mean)}${multi ? ` ± ${f3(s.sd)} (${s.perSeed.map((p) => `seed ${p.seed}: ${f3(p.rmse)}`).join(', ')})` : ''}`);
    lines.push('');
  }
  lines.push('## Stages', '', 'Seconds of a stage reused from an earlier run are its training time then (generation and evaluation: 0).', '', '| Seed | Stage | Seconds | Steps | CE first → last | RAFT first → last |', '|---|---|---|---|---|---|');
  for (const [seed, stages] of Object.entries(r.stageSeconds)) {
    for (const [stage, secs] of Object.entries(stages)) {
      const l = r.losses[seed]?.[stage];
      const raft = l && l.raftFirst !== null && l.raftLast !== null ? `${f3(l.raftFirst)} → ${f3(l.raftLast)}` : '';
      lines.push(`| ${seed} | ${stage} | ${secs} | ${l ? l.steps : ''} | ${l ? `${f3(l.ceFirst)} → ${f3(l.ceLast)}` : ''} | ${raft} |`);
    }
  }
  lines.push('', '## Deviations from the reference code and DESIGN.md §1', '', ...r.deviations.map((d) => `- ${d}`), '');
  const off = methods.filter(([m]) => m.endsWith('-decode'));
  if (off.length > 0) {
    const rate = (res: MethodEntry[1]) => res.perSeed.reduce((a, p) => a + p.offScaleRate, 0) / res.perSeed.length;
    lines.push(`Off-scale rate (whole-vocabulary argmax at the score position is not a score token${multi ? '; mean over seeds' : ''}): ` + off.map(([m, res]) => `${m} ${pct(rate(res))}`).join(', ') + '.', '');
  }
  return lines.join('\n');
}
