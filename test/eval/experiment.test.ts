// The TRACT experiment end to end on the quick config: `tract run --quick` completes every stage and
// writes a well-formed report in which both loss parts fell and every method has finite metrics;
// a run interrupted after any stage and resumed gives the same report as an uninterrupted one.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHODS, QUICK_CONFIG } from '../../src/eval/config.ts';
import { runExperiment, type ArtifactStore, type Report } from '../../src/eval/experiment.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { tract } from '../helpers/cli.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories, STORIES_DIR, storiesTokenizer } from '../helpers/stories.ts';
import { fileURLToPath } from 'node:url';

function memoryStore(files = new Map<string, Uint8Array | string>()): ArtifactStore & { files: Map<string, Uint8Array | string> } {
  return {
    files,
    async read(name) {
      const v = files.get(name);
      return v === undefined ? null : typeof v === 'string' ? new TextEncoder().encode(v) : v;
    },
    async write(name, data) {
      files.set(name, data);
    },
  };
}

/** The report without wall times (which a resumed run cannot share). */
function comparable(r: Report) {
  const { wallSeconds: _w, stageSeconds: _s, losses, ...rest } = r;
  const l = Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([m, x]) => [m, { ...x, seconds: 0 }]))]));
  return { ...rest, losses: l };
}

describe('tract run --quick', () => {
  it('runs every stage and writes report.json, report.md, checkpoints and the self-CoT JSONL', () => {
    const out = mkdtempSync(join(tmpdir(), 'tract-run-'));
    const r = tract(['run', '--quick', '--out', out], { timeoutMs: 600_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/ETA/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(Object.keys(report.methods).sort()).toEqual([...METHODS].sort());
    for (const [m, res] of Object.entries(report.methods)) {
      const x = res!.perSeed[0].metrics;
      // RMSE is always defined; correlations are, unless a method predicted one constant score
      // (then they are null in the JSON, and the report says how many distinct scores it gave).
      expect(Number.isFinite(x.rmse.value), `${m} rmse`).toBe(true);
      expect(Number.isFinite(x.rmse.lo) && Number.isFinite(x.rmse.hi), `${m} rmse CI`).toBe(true);
      const distinct = res!.perSeed[0].distinct;
      expect(distinct, `${m} distinct`).toBeGreaterThanOrEqual(1);
      for (const k of ['pearson', 'spearman', 'kendall'] as const) {
        if (distinct > 1) expect(Number.isFinite(x[k].value), `${m} ${k}`).toBe(true);
        else expect(x[k].value, `${m} ${k}`).toBeNull();
      }
    }
    // It starts from the shipped base (public/base/), with its config and tokenizer, fine-tuned as
    // loaded (stage0.adapt is off by default, chosen on the dev split): no stage 0 runs, no seed
    // checkpoint is written, and the report says the seed is the base.
    expect(report.config.stage0.adapt).toBe(false);
    expect(report.seedModel?.name).toBe('base.safetensors');
    const base = loadCheckpoint(new Uint8Array(readFileSync(fileURLToPath(new URL('../../public/base/base.safetensors', import.meta.url)))));
    expect(report.modelConfig).toEqual(base.config);
    expect(existsSync(join(out, 'seed-1', 'seed.safetensors'))).toBe(false);
    expect(r.stderr).toMatch(/seed.*loaded from base\.safetensors/);
    for (const s of ['label-ce', 'label-raft', 'cot-ce', 'stage1', 'selfcot-ce', 'stage2-from-stage1', 'tract']) {
      expect(existsSync(join(out, 'seed-1', `${s}.safetensors`)), s).toBe(true);
    }
    // Every fine-tuned judge carries the prompt-fit rule it was trained with (tract judge reads it).
    const tractCkpt = loadCheckpoint(new Uint8Array(readFileSync(join(out, 'seed-1', 'tract.safetensors'))));
    expect((tractCkpt.training as { promptFit?: unknown }).promptFit).toEqual({ ...report.data.promptFit, budget: undefined, evalCotTokens: report.config.eval.maxCotTokens });
    const selfCot = readFileSync(join(out, 'seed-1', 'self-cot.jsonl'), 'utf8').trim().split('\n');
    expect(selfCot.length).toBe(report.data.train);
    expect(typeof JSON.parse(selfCot[0]).cot).toBe('string');
    // Both loss parts fell during training.
    const losses = report.losses['seed-1'];
    for (const m of ['stage1', 'tract', 'label-raft']) {
      expect(losses[m].ceLast, `${m} CE`).toBeLessThan(losses[m].ceFirst);
      expect(losses[m].raftLast!, `${m} RAFT`).toBeLessThan(losses[m].raftFirst!);
    }
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/\| TRACT \(stage 2 from the seed\) \+ CoT-RAIL `tract-cotrail` \| [-0-9.n/a]+ \[/);
    expect(md).toMatch(/0\.650/);
    // One prompt-fit rule: its cut rate per split, in report.json and report.md.
    expect(report.split).toBe('test');
    expect(report.data.promptFit.seqLen).toBe(report.modelConfig.seqLen);
    for (const s of ['train', 'dev', 'test'] as const) {
      const c = report.data.promptCut[s];
      expect(c.n, s).toBe(report.data[s]);
      expect(c.rate, s).toBeCloseTo(c.cut / c.n, 12);
    }
    expect(md).toMatch(new RegExp(`Cut prompts: train ${report.data.promptCut.train.cut}/96 \\(`));
    // Every deviation from the reference code is said, and the orderings are judged in the mean over seeds.
    const deviations = report.deviations.join('\n');
    for (const re of [/finetune\.raftReduction 'mean'/, /eval\.nCot = 1 /, /repetition penalty 1\.03/, /samples the score token/, /prompt-fit rule/, /The self-CoTs .* are greedy, repetition penalty 1\.03 \(the reference code: T 1, top-p 0\.9/]) expect(deviations).toMatch(re);
    for (const o of report.ordering) {
      expect(o.meanOverSeeds.value, o.claim).toBeCloseTo(o.perSeed[0].difference.value, 12);
      expect(o.holds, o.claim).toBe(o.meanOverSeeds.value > 0);
      expect(o.significant, o.claim).toBe(o.meanOverSeeds.lo > 0);
    }
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['report.json', 'report.md', 'seed-1']));

    // tract judge on the TRACT checkpoint the run wrote: n CoTs, five probabilities, ŷ, decoding.
    const example = join(out, 'example.json');
    writeFileSync(
      example,
      JSON.stringify({
        instruction: 'What is 5 + 3?',
        response: '5 + 3 = 9',
        reference_answer: '5 + 3 = 8',
        rubric: { criteria: 'Is the answer correct?', score1: 'off by 7 or more', score2: 'off by 4 to 6', score3: 'off by 2 or 3', score4: 'off by 1', score5: 'exactly right' },
      }),
    );
    const j = tract(['judge', '--checkpoint', join(out, 'seed-1', 'tract.safetensors'), '--input', example, '--n-cot', '2', '--json']);
    expect(j.status, j.stderr).toBe(0);
    const judged = JSON.parse(j.stdout);
    expect(judged.cots.length).toBe(2);
    expect(judged.samples.length).toBe(2);
    expect(judged.probs.length).toBe(5);
    expect(judged.mass).toBeGreaterThan(0);
    expect(judged.mass).toBeLessThanOrEqual(1 + 1e-6);
    expect(judged.yhat).toBeCloseTo((judged.samples[0].yhat + judged.samples[1].yhat) / 2, 10);
    expect([1, 2, 3, 4, 5]).toContain(judged.decoded);
    expect(judged.gold).toBeNull();
    // From the shipped base the quick run fine-tunes 288-token rows: ~2 min alone on the 2-core box.
  }, 540_000);

  it('a run resumed after any stage gives the same report as an uninterrupted one', async () => {
    const gpu = await testGpu();
    const config = { ...QUICK_CONFIG, methods: ['label-raft-rail', 'stage1-cotrail', 'tract-cotrail', 'tract-decode'] as typeof QUICK_CONFIG.methods };
    const straight = memoryStore();
    const seedWindows: number[] = [];
    const a = await runExperiment(gpu, config, straight, (e) => {
      if (e.type === 'step' && e.stage === 'seed') seedWindows.push(e.report.tokens / config.stage0.batchSize);
    });
    // Stage 0 trains on windows as long as the fine-tuning sequences.
    expect(new Set(seedWindows)).toEqual(new Set([config.model.seqLen]));
    // Without a seed model the run pretrains stage 0 from scratch (tract run --from-scratch).
    expect(a.losses['seed-1'].seed.ceLast).toBeLessThan(a.losses['seed-1'].seed.ceFirst);
    // Interrupted after stage 1 (everything later missing), then after self-CoT generation.
    for (const keep of [['seed', 'label-raft', 'stage1'], ['seed', 'label-raft', 'stage1', 'self-cot']]) {
      const partial = memoryStore(new Map([...straight.files].filter(([k]) => keep.some((s) => k === `seed-1/${s}.safetensors` || k === `seed-1/${s}.jsonl`))));
      const stages: string[] = [];
      const b = await runExperiment(gpu, config, partial, (e) => {
        if (e.type === 'stage' && e.status === 'start') stages.push(e.stage);
      });
      expect(stages).not.toContain('stage1');
      expect(stages).toContain('tract');
      expect(comparable(b)).toEqual(comparable(a));
    }
    // Scored on the dev split instead: the same models (nothing trained again), only the read-outs.
    const started: string[] = [];
    const dev = await runExperiment(gpu, { ...config, eval: { ...config.eval, split: 'dev' } }, straight, (e) => {
      if (e.type === 'stage' && e.status === 'start') started.push(e.stage);
    });
    expect(started.every((s) => s.startsWith('eval:') || s === 'cot-shift'), started.join()).toBe(true);
    expect(dev.split).toBe('dev');
    for (const res of Object.values(dev.methods)) expect(res!.perSeed[0].n).toBe(dev.data.dev);
    expect(dev.data.promptCut).toEqual(a.data.promptCut);
  });
});

describe('a loaded seed model instead of stage 0', () => {
  it('fine-tunes stories260K (tok512) as the seed: no stage 0, its config and tokenizer throughout', async () => {
    const gpu = await testGpu();
    const stories = loadStories();
    const seedModel = { name: 'stories260K.bin', config: stories.config, params: stories.params, tokenizer: storiesTokenizer() };
    const config = {
      ...QUICK_CONFIG,
      data: { ...QUICK_CONFIG.data, train: 48, test: 24 },
      // The seed as loaded (stage0.adapt off; the quick CLI run above checks adapt on).
      stage0: { ...QUICK_CONFIG.stage0, adapt: false },
      finetune: { ...QUICK_CONFIG.finetune, maxSteps: 8 },
      methods: ['label-raft-rail'] as typeof QUICK_CONFIG.methods,
    };
    const store = memoryStore();
    const stages: { stage: string; status: string; note?: string }[] = [];
    const r = await runExperiment(gpu, config, store, (e) => {
      if (e.type === 'stage') stages.push({ stage: e.stage, status: e.status, note: e.note });
    }, { seedModel });
    expect(stages[0]).toEqual({ stage: 'seed', status: 'reused', note: 'loaded from stories260K.bin' });
    expect(stages.some((s) => s.stage === 'seed' && s.status === 'start')).toBe(false);
    expect(r.seedModel).toEqual({ name: 'stories260K.bin', parameters: stories.params.length, tokenizer: seedModel.tokenizer.name });
    expect(r.modelConfig).toEqual(stories.config);
    expect(r.data.tokenizer.vocabSize).toBe(512);
    expect(r.deviations[0]).toMatch(/seed model is stories260K\.bin/);
    const l = r.losses['seed-1']['label-raft'];
    expect(l.raftLast!).toBeLessThan(l.raftFirst!);
    expect(Number.isFinite(r.methods['label-raft-rail']!.perSeed[0].metrics.rmse.value)).toBe(true);
    // The fine-tuned judge is a stories260K-shaped checkpoint that carries tok512.
    const ckpt = loadCheckpoint(store.files.get('seed-1/label-raft.safetensors') as Uint8Array);
    expect(ckpt.config).toEqual(stories.config);
    expect((ckpt.tokenizer as { fingerprint: string }).fingerprint).toBe(seedModel.tokenizer.describe().fingerprint);
    expect(store.files.has('seed-1/seed.safetensors')).toBe(false);
  });

  it('tract run --seed-checkpoint names what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tract-seed-'));
    const lone = join(dir, 'lone.bin');
    writeFileSync(lone, readFileSync(new URL('stories260K.bin', STORIES_DIR)));
    const r = tract(['run', '--quick', '--seed-checkpoint', lone, '--out', join(dir, 'out')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/lone\.bin has no tokenizer of its own.*--tokenizer/);
    const t = tract(['run', '--quick', '--tokenizer', fileURLToPath(new URL('tok512.bin', STORIES_DIR))]);
    expect(t.status).not.toBe(0);
    expect(t.stderr).toMatch(/--tokenizer goes with --seed-checkpoint/);
  });
});
