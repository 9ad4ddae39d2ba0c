// The Train view's "Train on": Rubric Lab (the Data view's generator settings), or the file loaded in
// the Data view — Prometheus JSON, Feedback Collection JSONL or tract JSONL — split by its own split
// field or at random with the fractions set here. A file without feedback has no reference CoTs:
// the methods that need them are disabled, with the reason beside them.
import type { Dispatch } from 'react';
import { plural } from '../format.ts';
import type { Action, State, TrainData } from '../state.ts';
import type { DatasetSummary } from '../../worker/protocol.ts';

export function TrainDataChoice({ choice, summary, lab, dispatch, onFileWithoutCots }: { choice: TrainData; summary: DatasetSummary | null; lab: State['config']['data']; dispatch: Dispatch<Action>; onFileWithoutCots: () => void }) {
  const file = summary && summary.kind === 'file' && summary.accepted > 0 ? summary : null;
  const pick = (data: TrainData) => dispatch({ type: 'train-data', data });
  const split = choice.source === 'file' ? choice.split : null;
  const random = split?.kind === 'random' ? split : { kind: 'random' as const, dev: 0.1, test: 0.2, seed: 1 };
  const pct = (v: string) => Math.min(0.9, Math.max(0, Math.round(Number(v) || 0) / 100));
  return (
    <fieldset className="seed-choice" data-testid="train-data">
      <legend>Train on</legend>
      <label>
        <input type="radio" name="train-data" checked={choice.source === 'rubric-lab'} onChange={() => pick({ source: 'rubric-lab' })} data-testid="train-data-lab" /> Rubric Lab, built in (seed {lab.seed}: {lab.train} train /{' '}
        {lab.dev} dev / {lab.test} test — set in the Data view)
      </label>
      <label>
        <input
          type="radio"
          name="train-data"
          checked={choice.source === 'file'}
          disabled={!file}
          onChange={() => {
            pick({ source: 'file', split: file!.fileSplitProblem === null ? { kind: 'file' } : random });
            if (file!.withReferenceCot === 0) onFileWithoutCots();
          }}
          data-testid="train-data-file"
        />{' '}
        {file ? (
          <>
            the file loaded in the Data view: <strong>{file.name}</strong>, {plural(file.accepted, 'example')}, {file.withReferenceCot === file.accepted ? 'each with' : `${file.withReferenceCot} with`} feedback
            (reference CoTs)
          </>
        ) : (
          <span className="muted">your own file: open one in the Data view first (Prometheus JSON, Feedback Collection JSONL or tract JSONL)</span>
        )}
      </label>
      {file && split && (
        <div className="controls split-choice" data-testid="train-split">
          <label title={file.fileSplitProblem ?? ''}>
            <input type="radio" name="train-split" checked={split.kind === 'file'} disabled={file.fileSplitProblem !== null} onChange={() => pick({ source: 'file', split: { kind: 'file' } })} data-testid="split-file" /> its own split field
            {file.fileSplitProblem !== null && <span className="muted"> (cannot: {file.fileSplitProblem})</span>}
          </label>
          <label>
            <input type="radio" name="train-split" checked={split.kind === 'random'} onChange={() => pick({ source: 'file', split: random })} data-testid="split-random" /> a random split:
          </label>
          <label>
            dev %{' '}
            <input type="number" min={0} max={90} value={Math.round(random.dev * 100)} disabled={split.kind !== 'random'} onChange={(e) => pick({ source: 'file', split: { ...random, dev: pct(e.target.value) } })} data-testid="split-dev" />
          </label>
          <label>
            test %{' '}
            <input type="number" min={1} max={90} value={Math.round(random.test * 100)} disabled={split.kind !== 'random'} onChange={(e) => pick({ source: 'file', split: { ...random, test: pct(e.target.value) } })} data-testid="split-test" />
          </label>
          <label>
            seed{' '}
            <input type="number" min={0} value={random.seed} disabled={split.kind !== 'random'} onChange={(e) => pick({ source: 'file', split: { ...random, seed: Math.max(0, Math.round(Number(e.target.value) || 0)) } })} />
          </label>
          <span className="muted" data-testid="split-sizes">
            → {splitSizes(file, split)}
          </span>
        </div>
      )}
    </fieldset>
  );
}

/** The split's sizes as the worker will make them (same rounding as splitExamples). */
export function splitSizes(file: DatasetSummary, split: NonNullable<Extract<TrainData, { source: 'file' }>['split']>): string {
  if (split.kind === 'file') return `${file.splits.train ?? 0} train / ${file.splits.dev ?? 0} dev / ${file.splits.test ?? 0} test`;
  const n = file.accepted;
  const test = Math.max(1, Math.round(n * split.test));
  const dev = Math.round(n * split.dev);
  return `${n - test - dev} train / ${dev} dev / ${test} test`;
}
