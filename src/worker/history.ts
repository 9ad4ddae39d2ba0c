// A run's charted history (steps, stage states, self-CoTs, log) folded from the experiment's
// events. Pure and type-only in its imports: the worker keeps and saves it, and the UI's reducer
// folds the same events it receives in batches.
import type { ExperimentEvent, RunHistory, StageName } from './protocol.ts';

export function emptyHistory(): RunHistory {
  return { points: [], stages: {}, selfCots: [], log: [] };
}

/** Folds one event into a run's history, in place. */
export function recordEvent(h: RunHistory, e: ExperimentEvent, t: number): void {
  switch (e.type) {
    case 'stage': {
      const prev = h.stages[e.stage];
      if (e.status === 'start') h.stages[e.stage] = { status: 'running', startedAt: t };
      else if (e.status === 'done') h.stages[e.stage] = { ...prev, status: 'done', seconds: e.seconds };
      else h.stages[e.stage] = e.note ? { status: 'reused', note: e.note } : { status: 'reused' };
      break;
    }
    case 'step': {
      const r = e.report;
      h.points.push({ stage: e.stage, step: r.step, total: r.totalSteps, ce: r.stats.ce, raft: r.stats.raft, lr: r.lr, gradNorm: r.stats.gradNorm, tokensPerSec: r.tokensPerSec });
      const s = h.stages[e.stage];
      if (s) h.stages[e.stage] = { ...s, done: r.step, total: r.totalSteps, updatedAt: t };
      break;
    }
    case 'progress': {
      const s = h.stages[e.stage];
      if (s) h.stages[e.stage] = { ...s, done: e.done, total: e.total, updatedAt: t };
      break;
    }
    case 'self-cot':
      h.selfCots.push({ id: e.id, cot: e.cot });
      break;
    case 'log':
      h.log.push(e.message);
      break;
  }
}

/** Drops what a resumed run will redo: stages that did not finish, their steps, unfinished self-CoTs. */
export function trimUnfinished(h: RunHistory): void {
  const finished = (s: StageName) => {
    const st = h.stages[s]?.status;
    return st === 'done' || st === 'reused';
  };
  for (const s of Object.keys(h.stages) as StageName[]) if (!finished(s)) delete h.stages[s];
  h.points = h.points.filter((p) => finished(p.stage));
  if (!finished('self-cot')) h.selfCots = [];
}

/**
 * A new history with a batch of events folded in, `h` untouched (for the reducer). Only the parts
 * the events change are copied, so views that draw the others (self-CoTs, the log) see the same
 * arrays and need not redraw.
 */
export function foldEvents(h: RunHistory, events: readonly { t: number; e: ExperimentEvent }[]): RunHistory {
  const has = (type: ExperimentEvent['type']) => events.some(({ e }) => e.type === type);
  const next: RunHistory = {
    points: has('step') ? h.points.slice() : h.points,
    stages: has('stage') || has('step') || has('progress') ? { ...h.stages } : h.stages,
    selfCots: has('self-cot') ? h.selfCots.slice() : h.selfCots,
    log: has('log') ? h.log.slice() : h.log,
  };
  for (const { t, e } of events) recordEvent(next, e, t);
  return next;
}
