// The Train view's charts per stage and the whole run's ETA (issue 15): each stage is its own series
// on its own step axis (no sawtooth of concatenated stages), x is whole steps, the legend shows the
// latest values, and the ETA covers every stage still to run.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { runEta, stageCharts, trainingStages } from '../../src/ui/run_charts.ts';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { TrainView } from '../../src/ui/views/TrainView.tsx';
import type { RunHistory, StageName, StepPoint } from '../../src/worker/protocol.ts';

const pt = (stage: StageName, step: number, ce: number, raft: number | null = null): StepPoint => ({ stage, step, total: 10, ce, raft, lr: 1e-3, gradNorm: 1, tokensPerSec: 100 });

describe('charts per stage', () => {
  it('one series per stage, each from its own step 1; x is whole steps 1..the longest stage', () => {
    const points = [pt('seed', 1, 5), pt('seed', 2, 4), pt('seed', 3, 3.5), pt('stage1', 1, 2.5, 0.9), pt('stage1', 2, 2.2, 0.7), pt('tract', 1, 2.6, 1.1)];
    const c = stageCharts(points);
    expect(c.x).toEqual([1, 2, 3]);
    expect(c.stages.map((s) => s.stage)).toEqual(['seed', 'stage1', 'tract']);
    expect(c.stages[0].ce).toEqual([5, 4, 3.5]);
    expect(c.stages[1].ce).toEqual([2.5, 2.2, null]);
    expect(c.stages[1].raft).toEqual([0.9, 0.7, null]);
    expect(c.stages[2].ce).toEqual([2.6, null, null]);
    expect(new Set(c.stages.map((s) => s.color)).size).toBe(3);
  });

  it('with the planned stages, every stage has its series from the start (the charts keep their series all run)', () => {
    const c = stageCharts([pt('seed', 1, 5)], trainingStages(['seed', 'stage1', 'self-cot', 'tract', 'eval:tract', 'cot-shift']));
    expect(c.stages.map((s) => s.stage)).toEqual(['seed', 'stage1', 'tract']);
    expect(c.stages[1].ce).toEqual([null]);
  });

  it('the Train view labels each stage’s line and says how to read the charts', () => {
    const meta = { id: 'r1', label: 'Run', created: 1, updated: 2, config: DEFAULT_CONFIG, status: 'running' as const, stages: ['seed', 'stage1', 'self-cot', 'tract', 'eval:tract'] as StageName[] };
    let s: State = { ...initialState, view: 'train', runs: [meta], selectedRunId: 'r1' };
    const history: RunHistory = { points: [pt('seed', 1, 5), pt('seed', 2, 4), pt('stage1', 1, 2.5, 0.9)], stages: { seed: { status: 'done', seconds: 20 }, stage1: { status: 'running', startedAt: 1000, updatedAt: 11_000, done: 1, total: 4 } }, selfCots: [], log: [] };
    s = reducer(s, { type: 'engine', msgs: [{ type: 'run-history', runId: 'r1', history, artifacts: [] }] });
    const html = renderToStaticMarkup(createElement(TrainView, { state: s, dispatch: () => {}, send: () => {} }));
    expect(html).toMatch(/data-testid="chart-stages">One line per stage, each on its own step axis \(its step 1 at the left\): stage 0 seed model 2 steps · stage 1 CoT-RAFT 1 step\./);
    expect(html).toMatch(/data-testid="run-eta">Whole run: 1\/5 stages done · about .* left \(the 3 stages not yet measured estimated from those done\)/);
  });
});

describe('the whole run’s ETA', () => {
  const now = 100_000;
  it('adds the running stage’s own ETA and the pending stages estimated from finished ones of their kind', () => {
    const planned: StageName[] = ['seed', 'stage1', 'self-cot', 'tract', 'eval:stage1', 'eval:tract'];
    const stages: RunHistory['stages'] = {
      seed: { status: 'done', seconds: 30 },
      stage1: { status: 'running', startedAt: now - 20_000, updatedAt: now, done: 5, total: 10 }, // 40 s in all, 20 s left
    };
    const eta = runEta(planned, stages, now)!;
    // stage 1: 20 s left; self-cot and the evaluations: no stage of their kind yet, so the mean of all (30, 40) = 35 each; tract: training, mean(30, 40) = 35.
    expect(eta.pending).toBe(4);
    expect(eta.seconds).toBeCloseTo(20 + 35 * 4, 6);
  });

  it('uses the kind’s own durations once one has run, and is null before anything reported', () => {
    const planned: StageName[] = ['stage1', 'eval:stage1', 'eval:tract'];
    expect(runEta(planned, {}, now)).toBeNull();
    const eta = runEta(planned, { stage1: { status: 'done', seconds: 100 }, 'eval:stage1': { status: 'done', seconds: 10 } }, now)!;
    expect(eta.seconds).toBeCloseTo(10, 6);
  });
});
