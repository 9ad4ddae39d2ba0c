// report.md: the methods table laid out like the paper's (method, Pearson with its 95% CI, Spearman,
// Kendall τ-b, RMSE, the paper's Pearson beside it), the ordering claims with paired CIs, the
// CoT-shift diagnostic, stage times and training losses. Generated text, never HTML.
import type { MethodName } from './config.ts';
import type { Report } from './experiment.ts';
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

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ci = (e: Estimate) => `${f3(e.value)} [${f3(e.lo)}, ${f3(e.hi)}]`;

export function renderMarkdown(r: Report, command?: string): string {
  const multi = r.seeds.length > 1;
  const lines: string[] = [];
  lines.push('# TRACT in miniature: Rubric Lab results', '');
  if (command) lines.push('Made by:', '', '```', command, '```', '');
  lines.push(
    `Data: Rubric Lab (seed ${r.config.data.seed}), ${r.data.train} train / ${r.data.dev} dev / ${r.data.test} test examples, labels = mean of 3 noisy annotators; ` +
      `template ${r.config.data.template}; ${r.seedModel ? `tokenizer ${r.data.tokenizer.name}` : 'BPE tokenizer'} ${r.data.tokenizer.vocabSize} tokens.`,
    `Model: ${r.seedModel ? `seed ${r.seedModel.name} (loaded; no stage 0), ` : ''}Llama, dim ${r.modelConfig.dim}, ${r.modelConfig.nLayers} layers, ${r.modelConfig.nHeads} heads (${r.modelConfig.nKvHeads} KV), hidden ${r.modelConfig.hiddenDim}, ${r.parameters.toLocaleString('en-US')} parameters, seq ${r.modelConfig.seqLen}.`,
    `Seeds: ${r.seeds.join(', ')}. Wall time: ${(r.wallSeconds / 60).toFixed(1)} min.`,
    '',
  );
  lines.push(`## Test-set agreement with the gold labels${multi ? ' (mean ± sd over seeds; CIs of the first seed)' : ' (95% bootstrap CIs)'}`, '');
  lines.push('| Method | Pearson r | Spearman ρ | Kendall τ-b | RMSE | paper (Pearson, Mistral-7B) |', '|---|---|---|---|---|---|');
  for (const [m, res] of Object.entries(r.methods) as [MethodName, NonNullable<Report['methods'][MethodName]>][]) {
    const first = res.perSeed[0].metrics;
    const cell = (k: 'pearson' | 'spearman' | 'kendall' | 'rmse') =>
      multi ? `${f3(res.mean[k].mean)} ± ${f3(res.mean[k].sd)} (${ci(first[k])})` : ci(first[k]);
    const paper = r.paperPearson[m];
    lines.push(`| ${LABELS[m]} \`${m}\` | ${cell('pearson')} | ${cell('spearman')} | ${cell('kendall')} | ${cell('rmse')} | ${paper !== undefined ? paper.toFixed(3) : ''} |`);
  }
  lines.push('', 'Prometheus-2-7B in the paper: 0.591.', '');
  const fams = Object.keys(Object.values(r.methods)[0]?.perSeed[0].byFamily ?? {});
  if (fams.length > 0) {
    lines.push('### Pearson r by task family (first seed)', '', `| Method | ${fams.join(' | ')} |`, `|---|${fams.map(() => '---').join('|')}|`);
    for (const [m, res] of Object.entries(r.methods)) lines.push(`| \`${m}\` | ${fams.map((f) => f3(res!.perSeed[0].byFamily[f])).join(' | ')} |`);
    lines.push('');
  }
  if (r.ordering.length > 0) {
    lines.push('## The paper\'s orderings', '', '| Claim | Pearson difference [paired 95% CI] | holds | beyond noise |', '|---|---|---|---|');
    for (const o of r.ordering) {
      const d = o.perSeed.map((p) => ci(p.difference)).join('; ');
      lines.push(`| ${o.claim} | ${d} | ${o.holds ? 'yes' : 'no'} | ${o.significant ? 'yes' : 'no'} |`);
    }
    lines.push('');
  }
  const shift = Object.entries(r.cotShift);
  if (shift.length > 0) {
    lines.push('## CoT shift', '', 'RMSE between a model\'s ŷ given the reference CoTs and given its own sampled CoTs (test split):', '');
    for (const [m, s] of shift) lines.push(`- ${m}: ${f3(s.mean)}${multi ? ` ± ${f3(s.sd)}` : ''}`);
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
  lines.push('', '## Deviations from DESIGN.md §1', '', ...r.deviations.map((d) => `- ${d}`), '');
  const off = Object.entries(r.methods).filter(([m]) => m.endsWith('-decode'));
  if (off.length > 0) {
    lines.push('Off-scale rate (whole-vocabulary argmax at the score position is not a score token): ' + off.map(([m, res]) => `${m} ${(res!.perSeed[0].offScaleRate * 100).toFixed(1)}%`).join(', ') + '.', '');
  }
  return lines.join('\n');
}
