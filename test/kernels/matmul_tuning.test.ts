// The matmul autotuner: shape classes, the choice matmul() makes (forced, measured, default), timing
// every candidate and keeping the fastest, the store (a second start measures nothing; another
// adapter or a damaged entry is measured again), the file store, and the training shapes list
// against the products a real training step records.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Recorder, type Gpu } from '../../src/gpu/index.ts';
import { matmulCandidates, matmulKernelFor, matmulShapeClass, MATMUL_CANDIDATES, setMatmulChoices, type MatmulShape } from '../../src/kernels/matmul.ts';
import { describeMatmulTuning, loadMatmulTuning, matmulTuningKey, tuneMatmul } from '../../src/kernels/matmul_tuning.ts';
import { fileTuningStore } from '../../src/cli/tuning_store.ts';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { initParams } from '../../src/model/init.ts';
import { trainingMatmulShapes } from '../../src/model/matmul_shapes.ts';
import { TrainStep } from '../../src/train/step.ts';
import { trainBatch } from '../../src/data/batching.ts';
import { testGpu } from '../helpers/gpu.ts';
import { memoryStore } from '../helpers/memory_store.ts';

/** The same device seen as another adapter (a changed driver or GPU). */
function asOtherAdapter(gpu: Gpu): Gpu {
  return Object.create(gpu, { adapter: { value: { ...gpu.adapter, description: `${gpu.adapter.description} (other)` } } }) as Gpu;
}

/** The same device seen as a GPU's adapter (what matmulCandidates reads: split-K is for GPUs). */
function asGpuAdapter(gpu: Gpu): Gpu {
  return Object.create(gpu, { adapter: { value: { ...gpu.adapter, vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA H200 (a test double)' } } }) as Gpu;
}

const shapes: MatmulShape[] = [
  { M: 40, N: 24, K: 17, transB: true },
  { M: 24, N: 17, K: 40, transA: true },
  { M: 33, N: 64, K: 24 },
];

describe('matmul shape classes and the kernel matmul() runs', () => {
  it('rounds every dimension up to a power of two and keeps the transposes and batching apart', () => {
    expect(matmulShapeClass({ M: 832, N: 64, K: 176, transB: true })).toBe('NT 1024x64x256');
    expect(matmulShapeClass({ M: 1024, N: 33, K: 129, transB: true })).toBe('NT 1024x64x256');
    expect(matmulShapeClass({ M: 64, N: 176, K: 832, transA: true })).toBe('TN 64x256x1024');
    expect(matmulShapeClass({ M: 5, N: 5, K: 5, batch: 3 })).toBe('NN 8x8x8 b4');
  });

  it('uses a forced kernel, else the measured choice of the class, else the adapter default', async () => {
    const gpu = asOtherAdapter(await testGpu());
    const s = { M: 300, N: 40, K: 70 };
    const before = matmulKernelFor(gpu, s);
    expect(MATMUL_CANDIDATES.some((k) => k.variant === before.variant && (k.variant === 'tiled' || k.wgx !== undefined))).toBe(true);
    setMatmulChoices(gpu, [[matmulShapeClass(s), { variant: 'registers', wgx: 32 }]]);
    expect(matmulKernelFor(gpu, s)).toEqual({ variant: 'registers', wgx: 32 });
    expect(matmulKernelFor(gpu, { ...s, M: 500 })).toEqual({ variant: 'registers', wgx: 32 }); // same class
    expect(matmulKernelFor(gpu, { ...s, M: 600 })).toEqual(before); // another class
    expect(matmulKernelFor(gpu, { ...s, variant: 'tiled' })).toEqual({ variant: 'tiled' });
    expect(matmulKernelFor(gpu, { ...s, variant: 'registers', wgx: 4 })).toEqual({ variant: 'registers', wgx: 4 });
  });
});

describe('tuneMatmul', () => {
  it('times every candidate per class, keeps the fastest, and a second start on the same adapter measures nothing', async () => {
    const gpu = asOtherAdapter(await testGpu());
    const store = memoryStore();
    const first = await tuneMatmul(gpu, shapes, { store, rounds: 1, reps: 1 });
    expect(first.measured).toBe(3);
    expect(store.writes).toBe(1);
    for (const e of first.tuning.entries) {
      expect(e.candidates).toHaveLength(matmulCandidates(gpu).length);
      expect(e.ms).toBe(Math.min(...e.candidates.map((c) => c.ms)));
      expect(e.gflops).toBeGreaterThan(0);
      expect(matmulKernelFor(gpu, e.shape)).toEqual(e.choice);
    }
    expect(describeMatmulTuning(first.tuning)).toHaveLength(3);

    const again = await tuneMatmul(gpu, shapes, { store, rounds: 1, reps: 1 });
    expect(again.measured).toBe(0);
    expect(store.writes).toBe(1);
    expect(again.tuning.entries.map((e) => e.choice)).toEqual(first.tuning.entries.map((e) => e.choice));

    // A new class is measured alone and added.
    const more = await tuneMatmul(gpu, [...shapes, { M: 7, N: 9, K: 300 }], { store, rounds: 1, reps: 1 });
    expect(more.measured).toBe(1);
    expect((await loadMatmulTuning(gpu, store))!.entries).toHaveLength(4);
  });

  it('times split-K on a GPU, never on a CPU driver, and keeps a split choice', async () => {
    const cpu = asOtherAdapter(await testGpu());
    const gpu = asGpuAdapter(cpu);
    expect(matmulCandidates(cpu).some((k) => k.splits)).toBe(false);
    expect(matmulCandidates(gpu).filter((k) => k.splits).map((k) => `${k.variant}/${k.splits}`)).toEqual(['tiled/4', 'tiled/16', 'tiled128/4', 'tiled128/16']);
    const store = memoryStore();
    const { tuning } = await tuneMatmul(gpu, [{ M: 24, N: 17, K: 300, transA: true }], { store, rounds: 1, reps: 1 });
    expect(tuning.entries[0].candidates.filter((c) => c.choice.splits).length).toBe(4);
    // Partials that would not fit the split-K scratch (16 × 1024 × 1040 floats > 64 MiB): that split
    // would run unsplit, so it is not timed as if it were another kernel.
    const big = await tuneMatmul(gpu, [{ M: 1024, N: 1040, K: 8 }], { rounds: 1, reps: 1 });
    expect(big.tuning.entries[0].candidates.filter((c) => c.choice.splits).map((c) => c.choice.splits)).toEqual([4, 4]);
    // A kept split choice is a candidate (read back and installed), not a damaged entry.
    const stored = JSON.parse(store.data.get(matmulTuningKey(gpu))!);
    stored.entries[0].choice = { variant: 'tiled128', splits: 16 };
    store.data.set(matmulTuningKey(gpu), JSON.stringify(stored));
    expect((await loadMatmulTuning(gpu, store))!.entries[0].choice).toEqual({ variant: 'tiled128', splits: 16 });
    stored.entries[0].choice = { variant: 'tiled128', splits: 5 }; // not a candidate
    store.data.set(matmulTuningKey(gpu), JSON.stringify(stored));
    expect(await loadMatmulTuning(gpu, store)).toBeNull();
  });

  it('measures again for another adapter, and when the kept entry is damaged', async () => {
    const gpu = asOtherAdapter(await testGpu());
    const store = memoryStore();
    await tuneMatmul(gpu, shapes.slice(0, 1), { store, rounds: 1, reps: 1 });
    const other = asOtherAdapter(gpu);
    expect(matmulTuningKey(other)).not.toBe(matmulTuningKey(gpu));
    expect((await tuneMatmul(other, shapes.slice(0, 1), { store, rounds: 1, reps: 1 })).measured).toBe(1);

    store.data.set(matmulTuningKey(gpu), '{"format": 1, "entries": [');
    expect(await loadMatmulTuning(gpu, store)).toBeNull();
    expect((await tuneMatmul(gpu, shapes.slice(0, 1), { store, rounds: 1, reps: 1 })).measured).toBe(1);
    expect(await loadMatmulTuning(gpu, store)).not.toBeNull();

    const stored = JSON.parse(store.data.get(matmulTuningKey(gpu))!);
    stored.entries[0].choice = { variant: 'registers', wgx: 3 }; // not a candidate
    store.data.set(matmulTuningKey(gpu), JSON.stringify(stored));
    expect(await loadMatmulTuning(gpu, store)).toBeNull();
  });
});

describe('the file store', () => {
  it('writes atomically under its folder, reads back, and a folder it cannot write is reported once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tract-tuning-'));
    const store = fileTuningStore(join(dir, 'nested', 'tuning'));
    expect(await store.read('matmul/abc/x')).toBeNull();
    await store.write('matmul/abc/x', '{"a":1}');
    await store.write('matmul/abc/y', '{"b":2}');
    expect(await store.read('matmul/abc/x')).toBe('{"a":1}');
    expect(await store.read('matmul/abc/y')).toBe('{"b":2}');
    const files = readdirSync(join(dir, 'nested', 'tuning'));
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^matmul-[0-9a-f]{8}\.json$/.test(f))).toBe(true);

    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'not a folder');
    const warnings: string[] = [];
    const bad = fileTuningStore(join(blocker, 'tuning'), (m) => warnings.push(m));
    await bad.write('k', 'v');
    await bad.write('k', 'v');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/kernel timings not saved in .*file\/tuning/);
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
  });
});

describe('trainingMatmulShapes', () => {
  it('covers the class of every product a trimmed training step records', async () => {
    const gpu = await testGpu();
    const config = makeConfig({ dim: 16, hiddenDim: 40, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 30, seqLen: 64 });
    const model = new DeviceModel(gpu, config, { training: true });
    model.upload(initParams(model.layout, 3));
    const B = 3, T = 64;
    const listed = new Set(trainingMatmulShapes(config, B, T).map(matmulShapeClass));
    const seen = new Set<string>();
    const orig = Recorder.prototype.run;
    Recorder.prototype.run = function (this: Recorder, kernel, args) {
      if (kernel.shader.name.startsWith('matmul')) {
        const [M, N, K] = args.params as number[];
        const o = args.overrides as Record<string, number>;
        const wg = args.workgroups;
        const batch = typeof wg === 'number' ? 1 : (wg[2] ?? 1);
        seen.add(matmulShapeClass({ M, N, K, batch, transA: o.TRANS_A === 1, transB: o.TRANS_B === 1 }));
      }
      return orig.call(this, kernel, args);
    } as typeof orig;
    try {
      const step = new TrainStep(model, B, T, { scoreTokens: { ids: [1, 2, 3, 4, 5], values: [1, 2, 3, 4, 5] } });
      for (const used of [64, 40, 20]) {
        const ids = Array.from({ length: B * T }, (_, i) => 6 + (i % 24));
        const mask = ids.map((_, i) => (i % T < used - 1 ? 1 : 0));
        await step.evaluate([trainBatch({ batchSize: B, seqLen: T, inputIds: ids, targets: ids, ceMask: mask, scorePositions: [used - 1, used - 1, -1], labels: [2, 4, 0] })]);
      }
      step.destroy();
    } finally {
      Recorder.prototype.run = orig;
      model.destroy();
    }
    expect(seen.size).toBeGreaterThan(10);
    const missing = [...seen].filter((c) => !listed.has(c));
    expect(missing).toEqual([]);
  });
});
