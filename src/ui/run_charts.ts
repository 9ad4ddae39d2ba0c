// A run's charts, one series per stage: each training stage has its own step axis (its step 1 is at
// x = 1), so stages overlay instead of being concatenated into a sawtooth; and the whole run's ETA
// from the stages done so far. Pure functions of the run's history (tested in test/ui).
import type { RunHistory, StageName, StageState, StepPoint } from '../worker/protocol.ts';

export interface StageSeries {
  stage: StageName;
  color: string;
  /** One value per x (null where the stage has no step there). */
  ce: (number | null)[];
  raft: (number | null)[];
  lr: (number | null)[];
  grad: (number | null)[];
  tps: (number | null)[];
}

/** A colour per stage, in the order stages first appear (the main ones keep theirs). */
const STAGE_COLORS: Partial<Record<StageName, string>> = { seed: '#64748b', stage1: '#2563eb', tract: '#dc2626', 'stage2-from-stage1': '#9333ea' };
const OTHER_COLORS = ['#059669', '#d97706', '#0891b2', '#be185d', '#4d7c0f', '#7c2d12'];

export interface StageCharts {
  /** Steps within a stage: 1..the longest stage's last step, integers only. */
  x: number[];
  stages: StageSeries[];
}

/** The stages that train (and so have steps), in run order. */
export function trainingStages(planned: readonly StageName[]): StageName[] {
  return planned.filter((s) => s !== 'self-cot' && s !== 'cot-shift' && !s.startsWith('eval:'));
}

/** The stages whose loss has a RAFT part. */
export const RAFT_STAGES: readonly StageName[] = ['stage1', 'tract', 'stage2-from-stage1', 'label-raft'];

/**
 * `planned`: the run's training stages, so every chart has its series from the start (a chart is
 * rebuilt when its series change, which is a long task on a slow CPU); stages seen in the points but
 * not planned (older runs) are added after them.
 */
export function stageCharts(points: readonly StepPoint[], planned: readonly StageName[] = []): StageCharts {
  const order: StageName[] = [...planned];
  let maxStep = 0;
  for (const p of points) {
    if (!order.includes(p.stage)) order.push(p.stage);
    if (p.step > maxStep) maxStep = p.step;
  }
  const x = Array.from({ length: maxStep }, (_, i) => i + 1);
  let other = 0;
  const stages = order.map((stage): StageSeries => {
    const empty = () => x.map((): number | null => null);
    const s: StageSeries = { stage, color: STAGE_COLORS[stage] ?? OTHER_COLORS[other++ % OTHER_COLORS.length], ce: empty(), raft: empty(), lr: empty(), grad: empty(), tps: empty() };
    return s;
  });
  const byStage = new Map(stages.map((s) => [s.stage, s]));
  for (const p of points) {
    const s = byStage.get(p.stage)!;
    const i = Math.round(p.step) - 1;
    if (i < 0 || i >= x.length) continue;
    s.ce[i] = p.ce;
    s.raft[i] = p.raft;
    s.lr[i] = p.lr;
    s.grad[i] = p.gradNorm;
    s.tps[i] = p.tokensPerSec;
  }
  return { x, stages };
}

type Kind = 'train' | 'generate' | 'eval' | 'shift';
const kindOf = (s: StageName): Kind => (s === 'self-cot' ? 'generate' : s.startsWith('eval:') ? 'eval' : s === 'cot-shift' ? 'shift' : 'train');

/** Seconds a running stage still needs, from its progress (null when it has reported none). */
function remainingOf(st: StageState, now: number): { left: number; whole: number } | null {
  if (!st.startedAt || !st.done || !st.total || st.done <= 0) return null;
  const elapsed = ((st.updatedAt ?? now) - st.startedAt) / 1000;
  const whole = (elapsed / st.done) * st.total;
  return { left: Math.max(0, whole - (now - st.startedAt) / 1000), whole };
}

/**
 * The whole run's remaining time: the running stage's own ETA, plus each pending stage estimated as
 * the mean time of the finished (or projected running) stages of its kind — training, CoT
 * generation, evaluation — else of all stages. Null until one stage has given a duration.
 */
export function runEta(planned: readonly StageName[], stages: RunHistory['stages'], now: number): { seconds: number; pending: number } | null {
  const durations: Record<Kind, number[]> = { train: [], generate: [], eval: [], shift: [] };
  let left = 0;
  let pending = 0;
  const unknown: StageName[] = [];
  for (const s of planned) {
    const st = stages[s];
    if (st?.status === 'done' && st.seconds !== undefined) durations[kindOf(s)].push(st.seconds);
    if (st?.status === 'running') {
      const r = remainingOf(st, now);
      if (r) {
        left += r.left;
        durations[kindOf(s)].push(r.whole);
      } else unknown.push(s);
    } else if (!st || st.status === 'pending') unknown.push(s);
  }
  const all = Object.values(durations).flat();
  if (all.length === 0) return null;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const s of unknown) {
    const like = durations[kindOf(s)];
    const st = stages[s];
    const est = like.length > 0 ? mean(like) : mean(all);
    // A stage running without progress yet has already used some of its time.
    const used = st?.status === 'running' && st.startedAt ? (now - st.startedAt) / 1000 : 0;
    left += Math.max(0, est - used);
    pending++;
  }
  return { seconds: left, pending };
}
