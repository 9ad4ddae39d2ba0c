// The Learn view: RAIL, RAFT and TRACT in a few sentences each, with live numbers — the score
// kernels run on the GPU as you drag the logits — and the CoT-shift diagnostic of the current run
// with what its judges reached, every figure read from the run's report (mean over seeds).
import type { Dispatch } from 'react';
import { CotShiftTable } from '../components/CotShiftTable.tsx';
import { ScoreDemo } from '../components/ScoreDemo.tsx';
import { fmt } from '../format.ts';
import { meanPearson, multiSeed, scoredSplit } from '../report.ts';
import type { Report } from '../../worker/protocol.ts';
import type { Action, State } from '../state.ts';

/** Whether stage 2 closed the gap, from the two mean RMSEs (mean over seeds). */
function ShiftVerdict({ stage1, tract, multi }: { stage1: number | null; tract: number | null; multi: boolean }) {
  if (typeof stage1 !== 'number' || typeof tract !== 'number') return null;
  const over = multi ? ' (means over seeds)' : '';
  return (
    <p data-testid="cot-shift-verdict">
      {tract < stage1
        ? `TRACT’s score moves ${fmt(stage1 / Math.max(tract, 1e-9), 1)}× less than stage 1’s when its own reasoning replaces the reference${over}: it learned to score the CoTs it writes.`
        : `Here TRACT’s score shifts as much as stage 1’s or more${over}: at this size and training length, stage 2 did not close the gap.`}
    </p>
  );
}

/** What the run's judges reached, read from its report (Pearson r, mean over seeds). */
function RunPearson({ report }: { report: Report }) {
  const parts = (
    [
      ['tract-cotrail', 'TRACT + CoT-RAIL'],
      ['stage1-cotrail', 'stage 1 only + CoT-RAIL'],
      ['label-raft-rail', 'label-only RAFT without a CoT'],
    ] as const
  )
    .filter(([m]) => report.methods?.[m])
    .map(([m, label]) => `${label} ${fmt(meanPearson(report, m))}`);
  if (parts.length === 0) return null;
  const seeds = report.seeds ?? [];
  const split = scoredSplit(report);
  return (
    <p data-testid="run-pearson">
      Agreement with the gold labels in this run (Pearson r on the {split ?? 'scored'} split, {seeds.length > 1 ? `mean over ${seeds.length} seeds` : `seed ${seeds.join(', ')}`}):{' '}
      {parts.join(', ')}. The Evaluate view has every method, per seed and per task family.
    </p>
  );
}

export function LearnView({ state, dispatch, runId }: { state: State; dispatch: Dispatch<Action>; runId: string | null }) {
  const res = runId ? state.results[runId] : undefined;
  const shift = res?.report.cotShift;
  const multi = !!res && multiSeed(res.report);
  const split = (res && scoredSplit(res.report)) ?? 'scored';
  const run = state.runs.find((r) => r.id === runId);
  return (
    <div className="view learn">
      <section className="card prose">
        <h2>How a judge gives a score: RAIL</h2>
        <p>
          The judge writes its reasoning, then “So the overall score is ”. At the next position the model has a probability for every token of its vocabulary; K of
          them are the rubric’s score labels — the digits 1–5 on the paper’s scale, ten digits on a 1–10 rubric. Plain <em>decoding</em> takes the most probable one. <strong>RAIL</strong> takes the expectation ŷ = Σ s_k·p(k) over the levels’ values s_k: a 3.7 when the model
          hesitates between 3 and 4, which is what mean-of-annotators labels look like. The probabilities come from the softmax over the <em>whole</em> vocabulary, so
          their sum — the captured mass — says how sure the model is that a score goes here at all.
        </p>
        <h2>How it learns: RAFT</h2>
        <p>
          Cross-entropy on the score digit teaches one digit; <strong>RAFT</strong> trains the expectation itself with the squared error (ŷ − y)². Its gradient on each
          logit is 2(ŷ − y)·p<sub>j</sub>·(s<sub>j</sub> − ŷ): digits above ŷ are pushed up when ŷ is too low, those below pushed down, in proportion to their
          probability. Every other token counts as the value 0, so when ŷ is too low it is pushed down too (and up when ŷ is too high).
          {state.gpu.kind === 'ready' ? ' Drag the logits below and watch it.' : ''}
        </p>
        <h2>Why chains of thought, and why two stages: TRACT</h2>
        <p>
          CoT-RAFT trains CE on the reasoning plus λ·RAFT on the score. <strong>Stage 1</strong> does it on reference reasoning. But at test time the judge reads its score
          after <em>its own</em> reasoning, which differs from the references it was trained on. So TRACT lets the stage-1 model write a CoT for every training example,
          and <strong>stage 2</strong> trains again from the seed on those self-generated CoTs with the gold labels: the score is learned on the kind of text the judge
          will actually see.
        </p>
      </section>

      {state.gpu.kind === 'ready' ? (
        <ScoreDemo state={state} dispatch={dispatch} />
      ) : (
        <section className="card muted" data-testid="demo-missing">
          {state.gpu.kind === 'probing'
            ? 'The live demo of RAIL and RAFT starts once the GPU is ready.'
            : 'The live demo — dragging a score token’s logit to watch ŷ and the RAFT gradient move — runs the score kernels on WebGPU, which this page does not have (see the banner above). The formulas above are what it would show.'}
        </section>
      )}

      <section className="card" data-testid="cot-shift">
        <h2>The CoT shift of the current models</h2>
        <p className="muted">
          RMSE between a model’s ŷ when it reads the <em>reference</em> CoT and when it reads its <em>own</em> sampled CoT, on the {split} split
          {multi ? ', mean ± sd over the seeds' : ''}. Large means the model’s score depends on which reasoning it sees — the gap stage 2 is meant to close.{' '}
          {run ? `From “${run.label}”.` : ''}
        </p>
        {!res && <p className="muted">No finished run loaded yet.</p>}
        {res && <CotShiftTable report={res.report} />}
        {res && shift?.stage1 && shift?.tract && <ShiftVerdict stage1={shift.stage1.mean} tract={shift.tract.mean} multi={multi} />}
        {res && <RunPearson report={res.report} />}
      </section>
    </div>
  );
}
