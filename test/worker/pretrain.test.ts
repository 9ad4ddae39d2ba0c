// Pretraining a base in the app's engine, through the message protocol with in-memory storage: a
// tiny base pretrained straight through; the same base paused (nothing moves, and no run may start
// meanwhile), cancelled, its page "closed" while it trained, and resumed by a new engine on the same
// storage, ends with bit-identical weights and the same per-step losses, as it does after a lost
// GPU device; its file is the shipped base's format; a run starts from the shipped base (the app's default), from a base pretrained
// here, and says what is wrong when the build has no shipped base.
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { runPreset } from '../../src/ui/presets.ts';
import type { BaseMeta, PretrainRequest } from '../../src/worker/protocol.ts';
import { memoryKeyValue } from '../../src/worker/storage.ts';
import { harness } from './harness.ts';

const request = (label: string): PretrainRequest => ({
  label,
  shape: { dim: 64, nLayers: 1, nHeads: 2, nKvHeads: 1, seqLen: 288, vocabSize: 512 },
  steps: 24,
  batchSize: 2,
  corpusSeed: 3,
  seed: 2,
  checkpointEvery: 4,
  devEvery: 8,
});

type H = ReturnType<typeof harness>;
const baseStatus = (h: H, id: string, s: BaseMeta['status'], after = 0) => h.next('base-status', (m) => m.meta.id === id && m.meta.status === s, after);
const stepCount = (h: H, id: string) =>
  h.msgs.filter((m) => m.type === 'pretrain-events' && m.baseId === id).flatMap((m) => (m.type === 'pretrain-events' ? m.events : [])).filter(({ e }) => e.type === 'step').length;
/** Errors the engine answered a request with (send resolves after the request is handled). */
const errors = (h: H, after = 0) => h.msgs.slice(after).filter((m) => m.type === 'error');
const ended = (h: H, runId: string) => h.next('run-status', (m) => m.meta.id === runId && ['done', 'failed', 'cancelled'].includes(m.meta.status));
const finalCheckpoint = async (h: H, id: string) => loadCheckpoint((await h.kv.get<Uint8Array>(`base/${id}/checkpoint`))!);

/** The uninterrupted base, shared by the tests below (pretrained once). */
let straight: { h: H; id: string; file: Uint8Array } | null = null;

async function pretrainStraight() {
  if (straight) return straight;
  const h = harness();
  await h.send({ type: 'probe' });
  await h.send({ type: 'pretrain-start', request: request('straight') });
  const id = (await h.next('base-status', (m) => m.meta.status === 'running')).meta.id;
  await baseStatus(h, id, 'done');
  await h.send({ type: 'base-download', baseId: id });
  const file = (await h.next('download')).bytes;
  return (straight = { h, id, file });
}

describe('engine: pretraining a base', () => {
  it('pretrains a tiny base and writes it in the shipped base’s format', async () => {
    const { h, id, file } = await pretrainStraight();
    const done = await baseStatus(h, id, 'done');
    expect(done.active).toBe(false);
    expect(done.meta).toMatchObject({ checkpointStep: 24, tokenizer: 'procedural-bpe-512', config: { dim: 64, nLayers: 1, seqLen: 288, vocabSize: 512 } });
    expect(done.meta.message).toMatch(/^finished 24 steps .* dev CE \d\.\d{3} \(F16 weights\)$/);
    expect((await h.next('download')).name).toBe(`${id}.safetensors`);
    // F16 weights with config, tokenizer and a record whose dev loss is the F16 weights'.
    const c = loadCheckpoint(file);
    const record = c.training as { stage: string; step: number; devCe: number; trainCe: number; command: string; dev: { step: number }[] };
    expect(record).toMatchObject({ stage: 'base', step: 24, devCe: done.meta.result!.devCe });
    expect(record.command).toBe('npm run tract -- pretrain --steps 24 --batch 2 --seq-len 288 --seed 2 --corpus-seed 3 --dim 64 --layers 1 --heads 2 --kv-heads 1 --vocab 512 --checkpoint-every 4 --dev-every 8');
    expect(record.dev.map((d) => d.step)).toEqual([0, 8, 16, 24]);
    expect(record.trainCe).toBeLessThan(Math.log(512));
    expect(c.optimizer).toBeUndefined();
    expect((c.tokenizer as { name: string }).name).toBe('procedural-bpe-512');
    // The charted history: every step's CE once, dev CE at 0, 8, 16, 24.
    await h.send({ type: 'base-open', baseId: id });
    const hist = (await h.next('base-history', (m) => m.baseId === id)).history;
    expect(hist.ce).toHaveLength(24);
    expect(hist.dev.map((d) => d.step)).toEqual([0, 8, 16, 24]);
  });

  it('paused, cancelled and resumed after a reload, ends with the weights and losses of an uninterrupted run', async () => {
    const s = await pretrainStraight();
    const kv = memoryKeyValue();
    const a = harness(kv);
    await a.send({ type: 'probe' });
    await a.send({ type: 'pretrain-start', request: request('interrupted') });
    const id = (await a.next('base-status', (m) => m.meta.status === 'running')).meta.id;
    // Pause once a checkpoint is stored: the pretraining waits at its next step.
    await a.next('pretrain-events', (m) => m.baseId === id && m.events.some(({ e }) => e.type === 'checkpoint'));
    await a.send({ type: 'pretrain-pause' });
    const paused = await baseStatus(a, id, 'paused');
    expect(paused.active).toBe(true);
    expect(paused.meta.checkpointStep).toBeGreaterThanOrEqual(4);
    expect(paused.meta.checkpointStep).toBeLessThan(24);
    const atPause = stepCount(a, id);
    await new Promise((r) => setTimeout(r, 300));
    expect(stepCount(a, id)).toBe(atPause);
    // The GPU trains one thing at a time.
    const before = a.msgs.length;
    await a.send({ type: 'train-start', config: runPreset('smoke'), label: 'meanwhile', seed: { kind: 'scratch' } });
    expect((await a.next('error', (m) => m.context === 'train-start', before)).message).toMatch(/a base is pretraining .*cancel it before you start a run/);
    await a.send({ type: 'pretrain-cancel' });
    const cancelled = await baseStatus(a, id, 'cancelled');
    const at = cancelled.meta.checkpointStep;
    expect(cancelled.meta.message).toBe(`cancelled: Resume continues from the checkpoint at step ${at}`);

    // The page was closed while it trained: a new engine on the same storage marks it interrupted and resumes it.
    const meta = (await kv.get<BaseMeta>(`base/${id}/meta`))!;
    await kv.set(`base/${id}/meta`, { ...meta, status: 'running' });
    const b = harness(kv);
    await b.send({ type: 'probe' });
    expect((await b.next('bases')).bases.find((x) => x.id === id)?.status).toBe('interrupted');
    await b.send({ type: 'pretrain-resume', baseId: id });
    await baseStatus(b, id, 'done');
    const events = b.msgs.flatMap((m) => (m.type === 'pretrain-events' && m.baseId === id ? m.events.map((x) => x.e) : []));
    // It carries the dev loss the checkpoint's log last recorded (none when no dev step came before it).
    const devBefore = a.msgs.flatMap((m) => (m.type === 'pretrain-events' && m.baseId === id ? m.events.map((x) => x.e) : [])).filter((e) => e.type === 'dev' && e.step <= at);
    const lastDev = devBefore.length ? (devBefore[devBefore.length - 1] as { ce: number }).ce : undefined;
    expect(events[0]).toStrictEqual({ type: 'resumed', step: at, lastDevCe: lastDev });
    expect(events.filter((e) => e.type === 'step').map((e) => e.step)[0]).toBe(at + 1);

    const resumed = await finalCheckpoint(b, id);
    const reference = await finalCheckpoint(s.h, s.id);
    expect(Array.from(resumed.params)).toEqual(Array.from(reference.params));
    await b.send({ type: 'base-download', baseId: id });
    expect(Array.from(loadCheckpoint((await b.next('download')).bytes).params)).toEqual(Array.from(loadCheckpoint(s.file).params));
    await b.send({ type: 'base-open', baseId: id });
    await s.h.send({ type: 'base-open', baseId: s.id });
    const hb = (await b.next('base-history', (m) => m.baseId === id)).history;
    const hs = (await s.h.next('base-history', (m) => m.baseId === s.id)).history;
    expect(hb.ce).toEqual(hs.ce);
    expect(hb.dev).toEqual(hs.dev);
  });

  it('continues from its last checkpoint on a new device after a lost GPU, with the same final weights', async () => {
    const s = await pretrainStraight();
    const h = harness();
    await h.send({ type: 'probe' });
    await h.send({ type: 'pretrain-start', request: request('lossy') });
    const id = (await h.next('base-status', (m) => m.meta.status === 'running')).meta.id;
    await h.next('pretrain-events', (m) => m.baseId === id && m.events.some(({ e }) => e.type === 'checkpoint'));
    await h.send({ type: 'debug', action: 'lose-device' });
    expect((await h.next('device-lost')).recovering).toBe(true);
    const recovering = await baseStatus(h, id, 'recovering');
    expect(recovering.meta.message).toMatch(/^GPU device lost \(.*\): continuing from the checkpoint at step \d+ on a new device$/);
    await baseStatus(h, id, 'done');
    expect(Array.from((await finalCheckpoint(h, id)).params)).toEqual(Array.from((await finalCheckpoint(s.h, s.id)).params));
  });
});

describe('engine: what a run starts from', () => {
  const cfg = () => {
    const c = runPreset('smoke');
    // stage0.adapt on (not the default): this also runs stage 0's adaptation of a loaded base in the app.
    return { ...c, stage0: { ...c.stage0, adapt: true }, finetune: { ...c.finetune, maxSteps: 2 }, methods: ['label-raft-rail'] as typeof c.methods };
  };

  it('starts from the shipped base, with its config and tokenizer', async () => {
    const { file } = await pretrainStraight();
    const h = harness(memoryKeyValue(), { assets: { 'base/base.safetensors': file } });
    await h.send({ type: 'probe' });
    const shipped = (await h.next('shipped-base')).base!;
    expect(shipped).toMatchObject({ name: 'base.safetensors', bytes: file.byteLength, tokenizer: 'procedural-bpe-512', steps: 24, corpusSeed: 3, config: { dim: 64, vocabSize: 512 } });
    await h.send({ type: 'train-start', config: cfg(), label: 'from the base', seed: { kind: 'shipped-base' } });
    expect(errors(h)).toEqual([]);
    const started = await h.next('run-status', (m) => m.meta.status === 'running');
    expect(started.meta.seedModel).toEqual({ name: 'base.safetensors', files: ['seed-model/base.safetensors'], origin: 'shipped-base' });
    const end = await ended(h, started.meta.id);
    expect(end.meta.status, end.meta.message).toBe('done');
    const results = await h.next('run-results', (m) => m.runId === started.meta.id);
    expect(results.report.seedModel).toEqual({ name: 'base.safetensors', parameters: results.report.parameters, tokenizer: 'procedural-bpe-512' });
    expect(results.report.modelConfig).toMatchObject({ dim: 64, seqLen: 288, vocabSize: 512 });
    const events = h.msgs.flatMap((m) => (m.type === 'train-events' ? m.events.map((x) => x.e) : []));
    // Stage 0 continues the base's LM training on the run's texts (stage0.adapt, set above).
    expect(results.report.config.stage0.adapt).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: 'stage', seed: 1, stage: 'seed', status: 'done' }));
    expect(events.some((e) => e.type === 'stage' && e.stage === 'seed' && e.status === 'reused')).toBe(false);
  });

  it('starts from a base pretrained here; without a shipped base it says so', async () => {
    const { h, id } = await pretrainStraight();
    const at = h.msgs.length;
    await h.send({ type: 'train-start', config: cfg(), label: 'from mine', seed: { kind: 'base', baseId: id } });
    expect(errors(h, at)).toEqual([]);
    const started = await h.next('run-status', (m) => m.meta.status === 'running', at);
    expect(started.meta.seedModel).toEqual({ name: 'straight', files: [`seed-model/${id}.safetensors`], origin: 'base' });
    await h.next('train-events', (m) => m.events.some(({ e }) => e.type === 'stage' && e.stage === 'seed' && e.status === 'done'), at);
    await h.send({ type: 'train-cancel' });
    await h.status(started.meta.id, 'cancelled');

    const none = harness(memoryKeyValue(), { assets: { 'base/base.safetensors': null } });
    await none.send({ type: 'probe' });
    expect(await none.next('shipped-base')).toMatchObject({ base: null, reason: 'public/base/base.safetensors is not in this build' });
    await none.send({ type: 'train-start', config: cfg(), label: 'x', seed: { kind: 'shipped-base' } });
    expect((await none.next('error', (m) => m.context === 'train-start')).message).toBe(
      'cannot start from the shipped base: public/base/base.safetensors is not in this build; start from scratch (stage 0) instead',
    );
  });
});
