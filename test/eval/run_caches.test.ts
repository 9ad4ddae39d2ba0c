// Issue 16 item 2 (the run's caches): eval-<model>.json and self-cot.jsonl carry a hash of the
// weights they came from; a truncated cache is ignored with a message naming it (no bare JSON
// parse error), and a cache made from other weights (a retrained or replaced checkpoint) is
// recomputed instead of reused. On stories260K as the seed, a tiny config (about a minute here).
import { describe, expect, it } from 'vitest';
import { QUICK_CONFIG } from '../../src/eval/config.ts';
import { parseCacheJson, parseCacheJsonl, weightsHash } from '../../src/eval/cache.ts';
import { runExperiment, type ArtifactStore } from '../../src/eval/experiment.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { setPrecisionOverride } from '../../src/train/precision.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories, storiesTokenizer } from '../helpers/stories.ts';

function memoryStore(files = new Map<string, Uint8Array>()): ArtifactStore & { files: Map<string, Uint8Array> } {
  return {
    files,
    async read(name) {
      return files.get(name) ?? null;
    },
    async write(name, data) {
      files.set(name, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    },
  };
}

describe('cache helpers', () => {
  it('weightsHash tells weights apart and is stable', () => {
    const a = Float32Array.from([1, 2, 3]);
    expect(weightsHash(a)).toBe(weightsHash(Float32Array.from([1, 2, 3])));
    expect(weightsHash(a)).not.toBe(weightsHash(Float32Array.from([1, 2, 3.0000002])));
    expect(weightsHash(a)).not.toBe(weightsHash(Float32Array.from([1, 2, 3, 0])));
    expect(weightsHash(a)).toMatch(/^[0-9a-f]{16}$/);
  });
  it('parse problems are named, with the line', () => {
    expect(parseCacheJson('{"key": "a", "judg')).toEqual({ problem: expect.stringMatching(/^not valid JSON \(.*; truncated\?\)$/) });
    expect(parseCacheJsonl('{"id": 1}\n{"id": 2}\n{"id"')).toEqual({ problem: expect.stringMatching(/^line 3 is not valid JSON/) });
    expect(parseCacheJsonl('{"id": 1}\n\n')).toEqual({ value: [{ id: 1 }] });
  });
});

describe('a run ignores broken or stale caches', () => {
  it('recomputes a truncated eval cache and self-CoTs, and an evaluation of other weights, saying which file and why', async () => {
    const gpu = await testGpu();
    const stories = loadStories();
    const seedModel = { name: 'stories260K.bin', config: stories.config, params: stories.params, tokenizer: storiesTokenizer() };
    const config = {
      ...QUICK_CONFIG,
      data: { ...QUICK_CONFIG.data, train: 16, test: 12 },
      stage0: { ...QUICK_CONFIG.stage0, adapt: false },
      finetune: { ...QUICK_CONFIG.finetune, maxSteps: 4 },
      selfCot: { ...QUICK_CONFIG.selfCot, maxTokens: 12 },
      eval: { ...QUICK_CONFIG.eval, maxCotTokens: 12, bootstrap: 20 },
      methods: ['label-raft-rail', 'selfcot-ce-cotrail'] as typeof QUICK_CONFIG.methods,
    };
    const store = memoryStore();
    const run = async (cfg = config) => {
      const logs: string[] = [];
      const started: string[] = [];
      const report = await runExperiment(gpu, cfg, store, (e) => {
        if (e.type === 'log') logs.push(e.message);
        if (e.type === 'stage' && e.status === 'start') started.push(e.stage);
      }, { seedModel });
      return { report, logs, started };
    };
    const first = await run();
    const pred = (r: typeof first.report) => r.methods['label-raft-rail']!.perSeed[0].metrics.rmse.value;
    expect(store.files.has('seed-1/eval-label-raft.json')).toBe(true);
    expect(store.files.has('seed-1/self-cot.jsonl')).toBe(true);

    // Truncated caches (a crash or a full disk mid-write before writes were atomic).
    const cut = (name: string) => store.files.set(name, store.files.get(name)!.subarray(0, Math.floor(store.files.get(name)!.length / 2)));
    cut('seed-1/eval-label-raft.json');
    cut('seed-1/self-cot.jsonl');
    const second = await run();
    expect(second.logs.join('\n')).toMatch(/seed-1\/eval-label-raft\.json ignored \(not valid JSON .*truncated\?\)\): evaluating label-raft again/);
    expect(second.logs.join('\n')).toMatch(/seed-1\/self-cot\.jsonl ignored \((line \d+ is not valid JSON|\d+ rows for 16 training examples).*\): sampling the self-CoTs again/);
    expect(second.started).toContain('eval:label-raft');
    expect(second.started).toContain('self-cot');
    expect(second.started).not.toContain('label-raft');
    expect(pred(second.report)).toBe(pred(first.report));

    // The checkpoint replaced by other weights under the same settings: its old evaluation is stale.
    const ck = loadCheckpoint(store.files.get('seed-1/label-raft.safetensors')!);
    const moved = ck.params.map((x) => x * 0.5);
    store.files.set('seed-1/label-raft.safetensors', saveCheckpoint({ config: ck.config, params: moved, tokenizer: ck.tokenizer, training: ck.training }));
    const third = await run();
    expect(third.started).not.toContain('label-raft'); // the checkpoint itself is reused (same settings)
    expect(third.logs.join('\n')).toMatch(/seed-1\/eval-label-raft\.json ignored \(made with other settings or from other weights\): evaluating label-raft again/);
    expect(third.started).toContain('eval:label-raft');
    expect(third.started).not.toContain('self-cot');
    expect(third.started).not.toContain('eval:selfcot-ce');

    // A setting retrains only the models made with it: labelLambda weights label-only RAFT alone ...
    const relabel = { ...config, finetune: { ...config.finetune, labelLambda: 0.5 } };
    const labelOnly = await run(relabel);
    expect(labelOnly.logs.join('\n')).toMatch(/seed-1\/label-raft\.safetensors was made with other settings: training it again/);
    expect(labelOnly.started).toContain('label-raft');
    expect(labelOnly.started).not.toContain('stage1');
    expect(labelOnly.started).not.toContain('self-cot');
    expect(labelOnly.started).not.toContain('selfcot-ce');
    // ... and the self-CoT sampling reaches the self-CoTs and the models trained on them, not stage 1.
    const resample = { ...relabel, selfCot: { ...relabel.selfCot, temperature: 0.7 } }; // the default is 0
    const selfCotOnly = await run(resample);
    expect(selfCotOnly.logs.join('\n')).toMatch(/seed-1\/self-cot\.jsonl ignored \(.*\): sampling the self-CoTs again/);
    expect(selfCotOnly.started).toEqual(expect.arrayContaining(['self-cot', 'selfcot-ce', 'eval:selfcot-ce']));
    expect(selfCotOnly.started).not.toContain('stage1');
    expect(selfCotOnly.started).not.toContain('label-raft');
    expect(selfCotOnly.started).not.toContain('eval:label-raft');

    // Mixed precision (forced) trains other weights than f32: the f32 checkpoints are not reused.
    setPrecisionOverride(gpu, 'mixed');
    try {
      const fourth = await run();
      expect(fourth.logs.join('\n')).toMatch(/seed-1\/label-raft\.safetensors was made with other settings: training it again/);
      expect(fourth.started).toContain('label-raft');
      expect(fourth.report.deviations.join('\n')).toMatch(/ran in mixed precision/);
    } finally {
      setPrecisionOverride(gpu, null);
    }
  }, 400_000);
});
