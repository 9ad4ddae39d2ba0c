// The Train view's seed choice and "Pretrain a base" panel, rendered from reducer state without a
// browser: a run starts from the shipped base by default and says so, falls back to stage 0 (and
// says why) in a build without one, starts from a finished base on "start from this base"; the
// pretraining history folds its events (a resume drops the steps it redoes) into a progress bar
// with ETA and a chart; a base's label is rendered as text; the shipped-shape preset is what
// `tract pretrain` pretrains by default.
import { renderToStaticMarkup } from 'react-dom/server';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_MODEL } from '../../src/cli/pretrain.ts';
import { DEFAULT_PRETRAIN } from '../../src/train/pretrain.ts';
import { basePreset } from '../../src/ui/presets.ts';
import { planSeed, runSeedText } from '../../src/ui/seed.ts';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { TrainView } from '../../src/ui/views/TrainView.tsx';
import { foldPretrainEvents, emptyBaseHistory, pretrainProgress } from '../../src/worker/pretrain_history.ts';
import type { BaseMeta, FromWorker, ShippedBase } from '../../src/worker/protocol.ts';
import { makeConfig } from '../../src/model/config.ts';

const engine = (s: State, ...msgs: FromWorker[]) => reducer(s, { type: 'engine', msgs });
const html = (s: State) => renderToStaticMarkup(createElement(TrainView, { state: s, dispatch: () => {}, send: () => {} }));
const text = (s: State) => html(s).replace(/<[^>]+>/g, '');
/** The opening tag of the element with a test id (its attributes in any order). */
const tag = (s: State, testid: string) => html(s).match(new RegExp(`<[a-z]+[^>]*data-testid="${testid}"[^>]*>`))?.[0] ?? '';

const shipped: ShippedBase = {
  name: 'base.safetensors',
  bytes: 533000,
  config: makeConfig({ dim: 64, nLayers: 4, nHeads: 4, nKvHeads: 2, seqLen: 288, vocabSize: 1024 }),
  parameters: 250432,
  tokenizer: 'procedural-bpe-1024',
  steps: 1500,
  corpusSeed: 1,
  devCe: 0.9,
};

function base(id: string, status: BaseMeta['status'], label = id): BaseMeta {
  const p = basePreset('smoke');
  return {
    id,
    label,
    created: 1,
    updated: 1,
    request: { label, shape: p.shape, steps: 40, batchSize: 4, corpusSeed: 1 },
    options: { ...DEFAULT_PRETRAIN, steps: 40, batchSize: 4, seqLen: 288, checkpointEvery: 2, devEvery: 2 },
    config: makeConfig({ ...p.shape }),
    parameters: 111_000,
    tokenizer: 'procedural-bpe-1024',
    status,
    checkpointStep: status === 'done' ? 40 : 0,
    result: status === 'done' ? { bytes: 250_000, trainCe: 1.5, devCe: 1.6, seconds: 12 } : undefined,
  };
}

describe('the seed of a new run', () => {
  it('is the shipped base by default, and the view says so', () => {
    const s = engine(initialState, { type: 'shipped-base', base: shipped });
    expect(s.runSeed).toEqual({ kind: 'shipped-base' });
    const t = text(s);
    expect(t).toContain('Seed: the shipped base (public/base/base.safetensors, 250.4K parameters, pretrained on the procedural corpus for 1500 steps), no stage 0 ·');
    expect(t).toContain('the base’s tokenizer (procedural-bpe-1024)');
    expect(t).toContain('Model: dim 64, 4 layers, 4/2 heads, ctx 288');
    expect(t).toContain('New runs start from the shipped base by default: public/base/base.safetensors');
    expect(tag(s, 'seed-shipped-base')).toContain('checked=""');
  });

  it('falls back to stage 0 from scratch, saying why, in a build without a shipped base', () => {
    const s = engine(initialState, { type: 'shipped-base', base: null, reason: 'public/base/base.safetensors is not in this build' });
    const plan = planSeed(s.runSeed, s.shippedBase, s.bases, null, s.config);
    expect(plan.seed).toEqual({ kind: 'scratch' });
    expect(plan.problem).toBeNull();
    expect(text(s)).toContain('Seed: stage 0: a seed pretrained from scratch on the run’s training texts (no shipped base: public/base/base.safetensors is not in this build)');
    expect(tag(s, 'seed-shipped-base')).toContain('disabled=""');
    expect(tag(s, 'seed-scratch')).toContain('checked=""');
  });

  it('is a finished base on “start from this base”, and an unfinished one blocks Start', () => {
    let s = engine(initialState, { type: 'shipped-base', base: shipped }, { type: 'bases', bases: [base('b1', 'done', 'mine'), base('b2', 'paused')], active: null });
    s = reducer(s, { type: 'run-seed', seed: { kind: 'base', baseId: 'b1' } });
    expect(text(s)).toContain('Seed: the base “mine” pretrained in this browser (111.0K parameters, 40 steps), no stage 0 ·');
    expect(planSeed({ kind: 'base', baseId: 'b2' }, s.shippedBase, s.bases, null, s.config).problem).toBe('“b2” has not finished pretraining');
    s = reducer(s, { type: 'run-seed', seed: { kind: 'base', baseId: 'b2' } });
    expect(tag(s, 'train-start')).toContain('disabled=""');
  });

  it('of a stored run is stated in its view', () => {
    const meta = { id: 'r1', label: 'r', created: 1, updated: 1, config: initialState.config, status: 'done' as const, stages: ['seed' as const] };
    expect(runSeedText(meta)).toBe('stage 0, pretrained from scratch on the run’s training texts');
    expect(runSeedText({ ...meta, seedModel: { name: 'base.safetensors', files: [], origin: 'shipped-base' } })).toBe('the shipped base (base.safetensors)');
    const s = engine(initialState, { type: 'run-status', meta: { ...meta, seedModel: { name: 'mine', files: [], origin: 'base' } }, active: false });
    expect(text(reducer(s, { type: 'select-run', runId: 'r1' }))).toContain('Seed: the base “mine” pretrained in this browser');
  });
});

describe('pretraining a base in the Train view', () => {
  it('the shipped-shape preset is tract pretrain’s default', () => {
    const p = basePreset('shipped');
    expect(p.shape).toEqual({ dim: DEFAULT_BASE_MODEL.dim, nLayers: DEFAULT_BASE_MODEL.nLayers, nHeads: DEFAULT_BASE_MODEL.nHeads, nKvHeads: DEFAULT_BASE_MODEL.nKvHeads, seqLen: DEFAULT_BASE_MODEL.seqLen, vocabSize: DEFAULT_BASE_MODEL.vocabSize });
    expect({ steps: p.steps, batchSize: p.batchSize }).toEqual({ steps: DEFAULT_PRETRAIN.steps, batchSize: DEFAULT_PRETRAIN.batchSize });
  });

  it('folds events into a history: a resume drops the steps it redoes; progress and ETA', () => {
    let h = emptyBaseHistory(10);
    h = foldPretrainEvents(h, [
      { t: 1000, e: { type: 'resumed', step: 0 } },
      { t: 1000, e: { type: 'dev', step: 0, ce: 6 } },
      ...[1, 2, 3, 4].map((n) => ({ t: 1000 + 500 * n, e: { type: 'step' as const, step: n, steps: 10, ce: 6 - n / 10, lr: 1e-3, tokensPerSec: 100 } })),
      { t: 3000, e: { type: 'dev', step: 4, ce: 5.5 } },
    ]);
    expect(h.ce).toHaveLength(4);
    expect(pretrainProgress(h)).toEqual({ done: 4, total: 10, eta: 3 }); // 2 s for 4 steps, 6 to go
    // Resumed from the checkpoint at step 2 (say after a reload): steps 3, 4 and the dev at 4 go.
    const r = foldPretrainEvents(h, [{ t: 9000, e: { type: 'resumed', step: 2 } }]);
    expect(r.ce).toEqual(h.ce.slice(0, 2));
    expect(r.dev).toEqual([{ step: 0, ce: 6 }]);
    expect(pretrainProgress(r).eta).toBeNull();
    expect(h.ce).toHaveLength(4); // untouched
  });

  it('shows the selected base’s progress, chart and controls; its label as text', () => {
    const evil = '<img src=x onerror="alert(1)">';
    let s = engine(initialState, { type: 'bases', bases: [base('b1', 'running', evil)], active: 'b1' }, { type: 'ready', adapter: { vendor: '', architecture: '', device: '', description: '', runtime: '', features: [], limits: {} } as never, granted: {}, recovered: false });
    s = engine(s, { type: 'base-history', baseId: 'b1', history: { ...emptyBaseHistory(40), ce: [6, 5.9, 5.8], dev: [{ step: 0, ce: 6.1 }], startedAt: 1000, startStep: 0, updatedAt: 4000 } });
    const t = text(s);
    expect(t).toContain('step 3/40');
    expect(t).toContain('ETA 37 s');
    const out = html(s);
    expect(out).toContain('data-testid="chart-pretrain"');
    expect(out).toContain('data-testid="pretrain-pause"');
    expect(out).toContain('data-testid="pretrain-cancel"');
    expect(tag(s, 'pretrain-start')).toContain('disabled=""'); // one GPU job at a time
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(out).not.toMatch(/<img/);
    // Finished: start a run from it, or download it.
    s = engine(s, { type: 'base-status', meta: base('b1', 'done', 'b1'), active: false });
    expect(html(s)).toContain('data-testid="base-use"');
    expect(html(s)).toContain('data-testid="base-download"');
    expect(s.activeBaseId).toBeNull();
  });
});
