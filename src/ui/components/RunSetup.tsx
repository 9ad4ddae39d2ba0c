// How a run was made, from its report: the split the methods were scored on, where the run
// started from (report.seedModel), the prompt-fit rule every method shared (report.data.promptFit)
// with the prompts it cut per split (report.data.promptCut), and every deviation from the
// reference code (report.deviations). Reports made before a field existed show 'n/a' for it.
import { fmt, formatCount } from '../format.ts';
import { pct, scoredSplit } from '../report.ts';
import type { Report } from '../../worker/protocol.ts';

const SPLITS = ['train', 'dev', 'test'] as const;

function startedFrom(r: Report): string {
  if (r.seedModel === undefined) return 'n/a (not recorded in this report)';
  if (r.seedModel === null) return 'stage 0: a seed model pretrained from scratch in this run';
  const s = r.seedModel;
  return `${s.name} (${formatCount(s.parameters)} parameters, tokenizer ${s.tokenizer}), loaded instead of stage 0`;
}

function PromptCutTable({ report }: { report: Report }) {
  const cut = report.data?.promptCut;
  const split = scoredSplit(report);
  return (
    <table className="prompt-cut-table" data-testid="prompt-cut">
      <thead>
        <tr>
          <th>Split</th>
          <th>examples</th>
          <th>prompts cut</th>
          <th>cut rate</th>
          <th>too long even emptied</th>
        </tr>
      </thead>
      <tbody>
        {SPLITS.map((s) => {
          const c = cut?.[s];
          return (
            <tr key={s} data-testid={`prompt-cut-${s}`} className={s === split ? 'selected' : ''}>
              <td>
                {s}
                {s === split ? ' (scored)' : ''}
              </td>
              <td>{c ? c.n : 'n/a'}</td>
              <td>{c ? c.cut : 'n/a'}</td>
              <td>{c ? pct(c.rate) : 'n/a'}</td>
              <td>{c ? c.dropped : 'n/a'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function RunSetup({ report }: { report: Report }) {
  const split = scoredSplit(report);
  const fit = report.data?.promptFit;
  return (
    <div className="run-setup" data-testid="run-setup">
      <p>
        <strong>Scored split:</strong> <span data-testid="scored-split">{split ?? 'n/a (not recorded in this report)'}</span>
        {split === 'dev' ? ' — a run for choosing settings; the test split is read once, by the final run.' : ''}
      </p>
      <p>
        <strong>Started from:</strong> <span data-testid="seed-model">{startedFrom(report)}</span>
      </p>
      <p data-testid="prompt-fit">
        <strong>Prompt-fit rule:</strong>{' '}
        {fit
          ? `every method sees the same prompt, at most ${fit.budget} ids: the sequence length ${fit.seqLen} + 1 less the ${fit.maxCotTokens}-token room for the CoT, “ So the overall score is ”, the score and EOS. A longer prompt is cut the same way for every method.`
          : 'n/a (not recorded in this report)'}
        {fit && report.data.referenceCotsCut ? ` Reference CoTs cut to ${fmt(fit.maxCotTokens, 0)} tokens: ${report.data.referenceCotsCut}.` : ''}
      </p>
      <PromptCutTable report={report} />
    </div>
  );
}

export function Deviations({ report }: { report: Report }) {
  const devs = report.deviations ?? [];
  return (
    <details data-testid="deviations">
      <summary>Deviations from the reference code and DESIGN.md §1 ({devs.length})</summary>
      {devs.length === 0 ? (
        <p className="muted">n/a (none recorded in this report)</p>
      ) : (
        <ul>
          {devs.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      )}
    </details>
  );
}
