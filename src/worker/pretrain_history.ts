// A base's charted history (train CE per step, dev CE at some steps, what the ETA needs) folded
// from pretrainBase's events. Pure and type-only in its imports, like history.ts: the worker keeps
// and saves it, and the UI's reducer folds the same events it receives in batches.
import type { BaseHistory, PretrainEvent } from './protocol.ts';

export function emptyBaseHistory(steps: number): BaseHistory {
  return { ce: [], dev: [], steps };
}

/**
 * Folds one event into a history, in place. 'resumed' means "training (re)starts at this step":
 * the steps after it are dropped (they will be trained again from the checkpoint) and the ETA's
 * clock restarts; the worker folds a 'resumed' at step 0 when a run starts without a checkpoint.
 */
export function recordPretrainEvent(h: BaseHistory, e: PretrainEvent, t: number): void {
  switch (e.type) {
    case 'resumed':
      h.ce = h.ce.slice(0, e.step);
      h.dev = e.step === 0 ? [] : h.dev.filter((d) => d.step <= e.step);
      h.startedAt = t;
      h.startStep = e.step;
      h.updatedAt = t;
      break;
    case 'step':
      h.ce[e.step - 1] = e.ce;
      h.ce.length = e.step;
      h.steps = e.steps;
      h.lr = e.lr;
      h.tokensPerSec = e.tokensPerSec;
      h.updatedAt = t;
      break;
    case 'dev':
      h.dev = [...h.dev.filter((d) => d.step !== e.step), { step: e.step, ce: e.ce }];
      break;
    case 'checkpoint':
      break;
  }
}

/** A new history with a batch of events folded in, `h` untouched (for the reducer). */
export function foldPretrainEvents(h: BaseHistory, events: readonly { t: number; e: PretrainEvent }[]): BaseHistory {
  const next: BaseHistory = { ...h, ce: h.ce.slice(), dev: h.dev.slice() };
  for (const { t, e } of events) recordPretrainEvent(next, e, t);
  return next;
}

/** Steps done, and the seconds left at this session's pace (null before two steps have been timed). */
export function pretrainProgress(h: BaseHistory): { done: number; total: number; eta: number | null } {
  const done = h.ce.length;
  const total = h.steps;
  const ran = done - (h.startStep ?? 0);
  if (!h.startedAt || !h.updatedAt || ran <= 0 || done >= total) return { done, total, eta: null };
  return { done, total, eta: ((h.updatedAt - h.startedAt) / 1000 / ran) * (total - done) };
}
