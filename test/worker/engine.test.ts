// The app's engine (src/worker/engine.ts) driven in Node through its message protocol, with an
// in-memory store instead of IndexedDB: the ready judge loads and judges with streamed CoTs;
// a smoke run trains through both stages with pause and resume; a cancelled run resumes after its
// finished stages; a run left 'running' by a closed page is marked interrupted and resumes; a lost
// GPU device is reported and the run continues on a new device; data files report line-level
// errors; a llama2.c model opens with its tokenizer. The browser end-to-end test covers the UI.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunMeta } from '../../src/worker/protocol.ts';
import { memoryKeyValue } from '../../src/worker/storage.ts';
import { runPreset } from '../../src/ui/presets.ts';
import { STORIES_DIR } from '../helpers/stories.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { exportHf } from '../../src/interop/hf_export.ts';
import type { TokenizerDescription } from '../../src/data/index.ts';
import { harness, PUBLIC } from './harness.ts';
import { fivePoint } from '../../src/data/levels.ts';

const smoke = () => runPreset('smoke');

describe('engine: models and the Playground', () => {
  it('probes the GPU, lists the shipped run, loads the ready judge and judges with streamed CoTs', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    expect(h.msgs.some((m) => m.type === 'ready')).toBe(true);
    const runs = await h.next('runs');
    expect(runs.runs.map((r) => r.id)).toContain('shipped');
    const model = await h.next('model');
    expect(model.model.origin).toBe('ready');
    expect(model.model.judge.ok).toBe(true);
    // The shipped run's TRACT reaches r 0.89 on test: the description says how far that goes.
    expect(model.model.description).toMatch(/CoT-RAIL reaches Pearson r 0\.\d\d .* good agreement, on Rubric Lab only: a judge of nothing else/);

    const fields = {
      instruction: 'What is 62 - 31?',
      response: '62 - 31 = 25',
      referenceAnswer: '31',
      rubric: { criteria: 'Is the answer correct?', levels: fivePoint(['off by 7 or more', 'off by 4 to 6', 'off by 2 or 3', 'off by 1', 'exactly right']) },
    };
    await h.send({ type: 'judge', request: { requestId: 7, fields, nCot: 3, greedy: false, seed: 1, maxCotTokens: 48, renormalize: false } });
    const r = await h.next('judge-result', (m) => m.requestId === 7);
    const streamed = ['', '', ''];
    for (const m of h.msgs) if (m.type === 'judge-text' && m.requestId === 7) for (const p of m.pieces) streamed[p.sample] += p.text;
    expect(r.judgement.samples).toHaveLength(3);
    expect(r.judgement.probs).toHaveLength(5);
    expect(Math.abs(r.judgement.probs.reduce((a, b) => a + b, 0) - r.judgement.mass)).toBeLessThan(1e-6);
    expect(r.judgement.yhat).toBeCloseTo(r.judgement.samples.reduce((a, s) => a + s.yhat, 0) / 3, 9);
    // Each sample's streamed text starts with the CoT the read-out used.
    streamed.forEach((s, i) => expect(s.startsWith(r.judgement.cots[i].slice(0, 10))).toBe(true));
    expect(r.tokens).toBeGreaterThan(3);
  });

  it('refuses to show a non-finite judgement (issue 16): the Playground gets judge-failed, not a score', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    await h.next('model');
    // The read-out a model with overflowing logits gives: every number NaN.
    const nan = { cots: ['x'], yhat: NaN, probs: [NaN, NaN, NaN, NaN, NaN], mass: NaN, decoded: 1, samples: [{ probs: [NaN, NaN, NaN, NaN, NaN], mass: NaN, yhat: NaN, decoded: 1, argmaxIsScore: false }] };
    (h.engine as unknown as { session: { judge: () => Promise<unknown> } }).session.judge = async () => ({ judgement: nan, tokens: 1 });
    const fields = { instruction: 'i', response: 'r', referenceAnswer: 'a', rubric: { criteria: 'c', levels: fivePoint(['1', '2', '3', '4', '5']) } };
    await h.send({ type: 'judge', request: { requestId: 9, fields, nCot: 1, greedy: true, seed: 1, maxCotTokens: 16, renormalize: false } });
    const failed = await h.next('judge-failed', (m) => m.requestId === 9);
    expect(failed.message).toMatch(/non-finite score/);
    expect(h.msgs.some((m) => m.type === 'judge-result' && m.requestId === 9)).toBe(false);
  });

  it('opens a llama2.c model with its tokenizer, and names the file of a bad one', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    await h.next('model');
    const bin = new File([readFileSync(new URL('stories260K.bin', STORIES_DIR))], 'stories260K.bin');
    const tok = new File([readFileSync(new URL('tok512.bin', STORIES_DIR))], 'tok512.bin');
    const before = h.msgs.length;
    await h.send({ type: 'model-open', files: [bin, tok] });
    const m = await h.next('model', () => true, before);
    expect(m.model).toMatchObject({ name: 'stories260K.bin', format: 'llama2c', origin: 'file', tokenizer: 'tok512.bin' });
    expect(m.model.parameters).toBeGreaterThan(200_000);
    await h.send({ type: 'model-open', files: [new File([new Uint8Array(100)], 'broken.safetensors')] });
    const err = await h.next('error', (e) => e.context === 'model-open');
    expect(err.message).toMatch(/^broken\.safetensors: /);
  });
});

describe('engine: Hugging Face files', () => {
  it('opens a Hugging Face export of the ready judge and judges exactly as the original (greedy)', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    await h.next('model');
    const fields = {
      instruction: 'What is 62 - 31?',
      response: '62 - 31 = 25',
      referenceAnswer: '31',
      rubric: { criteria: 'Is the answer correct?', levels: fivePoint(['off by 7 or more', 'off by 4 to 6', 'off by 2 or 3', 'off by 1', 'exactly right']) },
    };
    const request = (requestId: number) => ({ requestId, fields, nCot: 1, greedy: true, seed: 0, maxCotTokens: 32, renormalize: false });
    await h.send({ type: 'judge', request: request(1) });
    const original = await h.next('judge-result', (m) => m.requestId === 1);

    const ckpt = loadCheckpoint(readFileSync(new URL('judge/tract-judge.safetensors', PUBLIC)));
    const hf = exportHf({ config: ckpt.config, params: ckpt.params, tokenizer: ckpt.tokenizer as TokenizerDescription });
    const before = h.msgs.length;
    await h.send({ type: 'model-open', files: hf.files.map((f) => new File([f.data as Uint8Array<ArrayBuffer>], f.name)) });
    const m = await h.next('model', () => true, before);
    expect(m.model).toMatchObject({ format: 'huggingface', origin: 'file', judge: { ok: true } });
    await h.send({ type: 'judge', request: request(2) });
    const viaHf = await h.next('judge-result', (x) => x.requestId === 2);
    expect(viaHf.judgement.cots).toEqual(original.judgement.cots);
    expect(viaHf.judgement.yhat).toBeCloseTo(original.judgement.yhat, 4);
  });
});

describe('engine: without WebGPU', () => {
  it('says so, loads the ready judge anyway, and judges on onnxruntime-web exactly as on the GPU (greedy)', async () => {
    const fields = {
      instruction: 'Write the word "necessary".',
      response: 'neccessary',
      referenceAnswer: 'necessary',
      rubric: { criteria: 'Is the word spelled correctly?', levels: fivePoint(['three or more letters wrong', 'two letters wrong', 'one letter wrong', 'right but oddly cased', 'exactly right']) },
    };
    const request = { requestId: 3, fields, nCot: 2, greedy: true, seed: 0, maxCotTokens: 40, renormalize: false };

    const h = harness(memoryKeyValue(), { noWebGpu: true });
    await h.send({ type: 'probe' });
    const u = await h.next('unavailable');
    expect(u.reason).toMatch(/navigator\.gpu/);
    expect(u.fallback).toMatchObject({ available: true, backend: expect.stringMatching(/onnxruntime-web/) });
    const model = await h.next('model');
    expect(model.model.origin).toBe('ready');
    await h.send({ type: 'judge', request });
    const viaOrt = await h.next('judge-result', (m) => m.requestId === 3);
    expect(viaOrt.backend).toMatch(/onnxruntime-web/);
    const streamed = h.msgs.filter((m) => m.type === 'judge-text' && m.requestId === 3).flatMap((m) => (m.type === 'judge-text' ? m.pieces : []));
    expect(streamed.length).toBeGreaterThan(3);
    // Streamed as it was written: in several posts, not one at the end (ORT's wasm runs may resolve
    // every token in microtasks, where no timer fires).
    expect(h.msgs.filter((m) => m.type === 'judge-text' && m.requestId === 3).length).toBeGreaterThan(1);
    expect(viaOrt.judgement.probs).toHaveLength(5);

    const g = harness();
    await g.send({ type: 'probe' });
    await g.next('model');
    await g.send({ type: 'judge', request });
    const viaGpu = await g.next('judge-result', (m) => m.requestId === 3);
    expect(viaGpu.backend).toMatch(/^WebGPU on /);
    expect(viaOrt.judgement.cots).toEqual(viaGpu.judgement.cots);
    viaOrt.judgement.probs.forEach((p, k) => expect(Math.abs(p - viaGpu.judgement.probs[k])).toBeLessThan(1e-4));
    expect(Math.abs(viaOrt.judgement.yhat - viaGpu.judgement.yhat)).toBeLessThan(1e-3);
  });
});

describe('engine: data', () => {
  it('generates Rubric Lab, searches it, renders an example, and lists every bad line of a file', async () => {
    const h = harness();
    await h.send({ type: 'data-rubric-lab', request: { seed: 3, train: 20, dev: 4, test: 8 } });
    expect((await h.next('data-loaded')).summary).toMatchObject({ accepted: 32, rejected: 0, splits: { train: 20, dev: 4, test: 8 } });
    await h.send({ type: 'data-query', query: 'what is', split: 'all', offset: 0, limit: 5 });
    const rows = await h.next('data-rows');
    expect(rows.total).toBeGreaterThan(0);
    expect(rows.rows.every((r) => /what is/i.test(r.instruction))).toBe(true);
    await h.send({ type: 'data-example', index: rows.rows[0].index, template: 'compact' });
    const d = await h.next('data-example');
    expect(d.detail.prompt).toMatch(/^Rubric: .*\nTask: What is/s);
    expect(d.detail.target).toMatch(/So the overall score is [1-5]$/);

    const good = { instruction: 'i', response: 'r', reference_answer: 'a', rubric: { criteria: 'c', score1: '1', score2: '2', score3: '3', score4: '4', score5: '5' }, score: 4 };
    const text = [JSON.stringify(good), JSON.stringify({ ...good, score: 9 }), '{"instruction": broken', JSON.stringify({ ...good, response: '' })].join('\n');
    const before = h.msgs.length;
    await h.send({ type: 'data-file', file: new File([text], 'mine.jsonl') });
    const s = (await h.next('data-loaded', () => true, before)).summary;
    expect(s).toMatchObject({ name: 'mine.jsonl', accepted: 1, rejected: 3 });
    expect(s.errors.map((e) => [e.file, e.line])).toEqual([
      ['mine.jsonl', 2],
      ['mine.jsonl', 3],
      ['mine.jsonl', 4],
    ]);
    expect(s.errors[0].field).toMatch(/score/);

    // A real Prometheus benchmark file, streamed from a File as the browser does; its prompt rendered verbatim.
    const bench = new File([readFileSync(new URL('../../../shared/data/prometheus/mt_bench_eval.json', import.meta.url))], 'mt_bench_eval.json');
    const at = h.msgs.length;
    await h.send({ type: 'data-file', file: bench });
    expect((await h.next('data-loaded', () => true, at)).summary).toMatchObject({ name: 'mt_bench_eval.json', accepted: 320, rejected: 0 });
    await h.send({ type: 'data-example', index: 0, template: 'prometheus' });
    const p = await h.next('data-example', (m) => m.detail.template === 'prometheus');
    expect(p.detail.prompt).toMatch(/###The instruction to evaluate:/);
  });
});

describe('engine: training', () => {
  it('measures the matmul kernels on request, keeps them in the store, and a new page starts with them', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    expect((await h.next('kernels')).table).toBeNull();
    await h.send({ type: 'kernels-measure' });
    const measured = await h.next('kernels', (m) => m.table !== null);
    const progress = h.msgs.filter((m) => m.type === 'kernels-progress');
    // The matmul classes, then the training attention's (one per power-of-two length up to seqLen).
    const attention = measured.table!.attention!;
    expect(attention.length).toBeGreaterThanOrEqual(5);
    expect(attention.every((r) => r.splitMs > 0 && r.fusedMs > 0 && r.kernel === (r.fusedMs * 1.1 <= r.splitMs ? 'fused' : 'split'))).toBe(true);
    // Then the precision of a whole step at the default batch size (lavapipe has shader-f16).
    const precision = measured.table!.precision!;
    expect(precision).toHaveLength(1);
    expect(precision[0].shapeClass).toMatch(/^precision d\d+ .* b4$/);
    expect(precision[0].choice).toBe(precision[0].mixedMs * 1.1 <= precision[0].f32Ms ? 'mixed' : 'f32');
    expect(progress.length).toBe(measured.table!.rows.length + attention.length + 1);
    expect(progress[measured.table!.rows.length - 1]).toMatchObject({ done: measured.table!.rows.length, total: measured.table!.rows.length });
    expect(progress.at(-2)).toMatchObject({ done: attention.length, total: attention.length });
    expect(progress.at(-1)).toMatchObject({ done: 1, total: 1 });
    expect(measured.table!.rows.length).toBeGreaterThan(50);
    expect(measured.table!.rows.every((r) => r.gflops > 0 && r.kernel.length > 0)).toBe(true);
    expect(measured.note).toMatch(/^matmul kernels: \d+ shape classes timed in [\d.]+ s \(kept in this browser.*; attention: \d+ shape classes timed in [\d.]+ s, fused in \d+ of \d+ shape classes.*; precision: 1 step shapes timed in [\d.]+ s, mixed in [01] of 1 step shapes/);
    expect((await h.kv.keys()).filter((k) => k.startsWith('tuning/matmul/'))).toHaveLength(1);
    expect((await h.kv.keys()).filter((k) => k.startsWith('tuning/precision/'))).toHaveLength(1);
    expect((await h.kv.keys()).filter((k) => k.startsWith('tuning/attention/'))).toHaveLength(1);
    // A reload: the same store, a new engine; the probe reports the kept table without measuring.
    const again = harness(h.kv);
    await again.send({ type: 'probe' });
    expect((await again.next('kernels')).table).toEqual(measured.table);
    expect(again.msgs.some((m) => m.type === 'kernels-progress')).toBe(false);
    // It compiles and times every candidate kernel: 35 s alone, over 180 s beside the rest of the
    // suite on a slow moment of the 2-core box (2026-12-07).
  }, 480_000);

  it('trains a smoke run through both stages, pausing and resuming, and reports its results', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    const cfg = smoke();
    await h.send({ type: 'train-start', config: cfg, label: 'smoke', seed: { kind: 'scratch' } });
    const started = await h.next('run-status', (m) => m.meta.status === 'running');
    const id = started.meta.id;
    expect(started.meta.stages).toEqual(['seed', 'stage1', 'self-cot', 'tract', 'eval:stage1', 'eval:tract', 'cot-shift']);
    // Pause at the first step: the run waits there until resumed.
    await h.next('train-events', (m) => m.events.some(({ e }) => e.type === 'step'));
    await h.send({ type: 'train-pause' });
    await h.status(id, 'paused');
    const stepsAtPause = h.msgs.filter((m) => m.type === 'train-events').flatMap((m) => m.events).filter(({ e }) => e.type === 'step').length;
    await new Promise((r) => setTimeout(r, 300));
    const stepsLater = h.msgs.filter((m) => m.type === 'train-events').flatMap((m) => m.events).filter(({ e }) => e.type === 'step').length;
    expect(stepsLater).toBe(stepsAtPause);
    await h.send({ type: 'train-resume', runId: id });
    const results = await h.next('run-results', (m) => m.runId === id);
    await h.status(id, 'done');

    const events = h.msgs.filter((m) => m.type === 'train-events').flatMap((m) => m.events.map((x) => x.e));
    const steps = events.filter((e) => e.type === 'step');
    expect(new Set(steps.map((e) => e.stage))).toEqual(new Set(['seed', 'stage1', 'tract']));
    expect(events.filter((e) => e.type === 'self-cot')).toHaveLength(cfg.data.train);
    expect(Object.keys(results.report.methods).sort()).toEqual(['stage1-cotrail', 'tract-cotrail', 'tract-decode']);
    expect(results.evaluation.examples).toHaveLength(cfg.data.test);
    expect(results.evaluation.judgements.tract).toHaveLength(cfg.data.test);
    expect(results.evaluation.judgements.tract![0].probs).toHaveLength(5);
    // The run's checkpoints are in the store and load as the Playground's model.
    const hist = await h.next('run-history', (m) => m.runId === id && m.artifacts.length > 0);
    expect(hist.artifacts.map((a) => a.name)).toEqual(expect.arrayContaining(['seed-1/seed.safetensors', 'seed-1/stage1.safetensors', 'seed-1/tract.safetensors', 'report.json']));
    const before = h.msgs.length;
    await h.send({ type: 'model-from-run', runId: id, name: 'seed-1/tract.safetensors' });
    expect((await h.next('model', () => true, before)).model).toMatchObject({ origin: 'run', name: 'tract.safetensors' });
    await h.send({ type: 'artifact-download', runId: id, name: 'seed-1/tract.safetensors' });
    const dl = await h.next('download');
    expect(dl.name).toBe(`${id}-seed-1-tract.safetensors`);
    expect(dl.bytes.byteLength).toBe(hist.artifacts.find((a) => a.name === 'seed-1/tract.safetensors')!.bytes);
  });

  it('trains from the current model (stories260K + tok512) instead of stage 0, also after a reload', async () => {
    const kv = memoryKeyValue();
    const a = harness(kv);
    await a.send({ type: 'probe' });
    await a.next('model');
    const bin = new File([readFileSync(new URL('stories260K.bin', STORIES_DIR))], 'stories260K.bin');
    const tok = new File([readFileSync(new URL('tok512.bin', STORIES_DIR))], 'tok512.bin');
    const before = a.msgs.length;
    await a.send({ type: 'model-open', files: [bin, tok] });
    await a.next('model', () => true, before);
    const base = smoke();
    // The model as loaded (stage0.adapt off): no stage 0 at all.
    const cfg = { ...base, data: { ...base.data, train: 24, test: 12 }, stage0: { ...base.stage0, adapt: false }, finetune: { ...base.finetune, maxSteps: 4 }, methods: ['label-raft-rail', 'stage1-cotrail'] as typeof base.methods };
    await a.send({ type: 'train-start', config: cfg, label: 'from stories', seed: { kind: 'current-model' } });
    const started = await a.next('run-status', (m) => m.meta.status === 'running');
    const id = started.meta.id;
    expect(started.meta.seedModel).toEqual({ name: 'stories260K.bin', files: ['seed-model/stories260K.bin', 'seed-model/tok512.bin'], origin: 'model' });
    // Cancelled after the first fine-tune; a new engine (a reload) resumes from the stored seed files.
    await a.next('train-events', (m) => m.events.some(({ e }) => e.type === 'stage' && e.stage === 'label-raft' && e.status === 'done'));
    await a.send({ type: 'train-cancel' });
    await a.status(id, 'cancelled');
    const first = a.msgs.filter((m) => m.type === 'train-events').flatMap((m) => m.events.map((x) => x.e));
    expect(first).toContainEqual({ type: 'stage', seed: 1, stage: 'seed', status: 'reused', note: 'loaded from stories260K.bin' });

    const b = harness(kv);
    await b.send({ type: 'probe' });
    await b.send({ type: 'train-resume', runId: id });
    const results = await b.next('run-results', (m) => m.runId === id);
    expect(results.report.seedModel).toEqual({ name: 'stories260K.bin', parameters: results.report.parameters, tokenizer: 'tok512.bin' });
    expect(results.report.parameters).toBeGreaterThan(200_000);
    expect(results.report.modelConfig).toMatchObject({ dim: 64, nLayers: 5, vocabSize: 512 });
    await b.status(id, 'done');
    // Its judge loads with the seed's tokenizer file (checkpoints do not hold a llama2.c vocabulary).
    const at = b.msgs.length;
    await b.send({ type: 'model-from-run', runId: id, name: 'seed-1/stage1.safetensors' });
    const m = await b.next('model', () => true, at);
    expect(m.model).toMatchObject({ origin: 'run', tokenizer: 'tok512.bin', judge: { ok: true } });
  });

  it('cancels a run; after a closed page it is marked interrupted and resumes after its finished stages', async () => {
    const kv = memoryKeyValue();
    const a = harness(kv);
    await a.send({ type: 'probe' });
    await a.send({ type: 'train-start', config: smoke(), label: 'to cancel', seed: { kind: 'scratch' } });
    const id = (await a.next('run-status', (m) => m.meta.status === 'running')).meta.id;
    await a.next('train-events', (m) => m.events.some(({ e }) => e.type === 'stage' && e.stage === 'seed' && e.status === 'done'));
    await a.send({ type: 'train-cancel' });
    const cancelled = await a.status(id, 'cancelled');
    expect(cancelled.meta.message).toMatch(/Resume/);
    // The page closes while the run trains: its stored status says 'running'.
    const meta = (await kv.get<RunMeta>(`run/${id}/meta`))!;
    await kv.set(`run/${id}/meta`, { ...meta, status: 'running' });

    const b = harness(kv);
    await b.send({ type: 'probe' });
    const runs = await b.next('runs');
    expect(runs.runs.find((r) => r.id === id)?.status).toBe('interrupted');
    await b.send({ type: 'train-resume', runId: id });
    await b.next('run-results', (m) => m.runId === id);
    const events = b.msgs.filter((m) => m.type === 'train-events').flatMap((m) => m.events.map((x) => x.e));
    expect(events).toContainEqual({ type: 'stage', seed: 1, stage: 'seed', status: 'reused' });
    expect(events.some((e) => e.type === 'step' && e.stage === 'seed')).toBe(false);
    await b.status(id, 'done');
  });

  it('reports a lost GPU device and continues the run from its last finished stage on a new device', async () => {
    const h = harness();
    await h.send({ type: 'probe' });
    await h.send({ type: 'train-start', config: smoke(), label: 'lossy', seed: { kind: 'scratch' } });
    const id = (await h.next('run-status', (m) => m.meta.status === 'running')).meta.id;
    // Lost at stage 1's next step: mid-stage, however fast the stage runs.
    await h.send({ type: 'debug', action: 'lose-device', atStage: 'stage1' });
    const lost = await h.next('device-lost');
    expect(lost.recovering).toBe(true);
    await h.status(id, 'recovering');
    await h.next('ready', (m) => m.recovered);
    await h.next('run-results', (m) => m.runId === id);
    await h.status(id, 'done');
    const events = h.msgs.filter((m) => m.type === 'train-events').flatMap((m) => m.events.map((x) => x.e));
    expect(events).toContainEqual({ type: 'stage', seed: 1, stage: 'seed', status: 'reused' });
    // Stage 1 was cut by the loss, so it ran again (twice started, never reused) and finished.
    const stage1 = events.filter((e) => e.type === 'stage' && e.stage === 'stage1').map((e) => (e as { status: string }).status);
    expect(stage1.filter((s) => s === 'start')).toHaveLength(2);
    expect(stage1).not.toContain('reused');
    expect(stage1.at(-1)).toBe('done');
    // The Playground works on the new device too.
    await h.send({ type: 'model-ready' });
    const fields = { instruction: 'What is 2 + 2?', response: '5', referenceAnswer: '4', rubric: { criteria: 'Correct?', levels: fivePoint(['a', 'b', 'c', 'd', 'e']) } };
    await h.send({ type: 'judge', request: { requestId: 1, fields, nCot: 1, greedy: true, seed: 0, maxCotTokens: 16, renormalize: false } });
    expect((await h.next('judge-result')).judgement.probs).toHaveLength(5);
  });
});
