// The attention tuner: which training attention a device runs (defaults per adapter class, the
// measured choice of a shape class, split where the fused kernels cannot hold the head), timing
// both variants and keeping the faster, and the store (a second start measures nothing; another
// adapter or a damaged entry is measured again).
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/index.ts';
import {
  ATTENTION_MARGIN,
  attentionChoice,
  attentionShapeClass,
  attentionTuningKey,
  attentionVariantFor,
  describeAttentionTuning,
  loadAttentionTuning,
  setAttentionChoices,
  trainingAttentionFor,
  trainingAttentionShapes,
  tuneAttention,
  useKeptAttentionTuning,
} from '../../src/kernels/attention_tuning.ts';
import { testGpu } from '../helpers/gpu.ts';
import { memoryStore } from '../helpers/memory_store.ts';

/** The same device seen as another adapter (its own choices: they are kept per Gpu object). */
function asAdapter(gpu: Gpu, description: string, vendor = gpu.adapter.vendor): Gpu {
  return Object.create(gpu, { adapter: { value: { ...gpu.adapter, vendor, architecture: '', device: '', description } } }) as Gpu;
}

const shape = { B: 2, T: 24, H: 4, KH: 2, hs: 8 };

describe('attention tuning', () => {
  it('defaults by adapter class, rounds B and T up to powers of two, and keeps heads the fused kernels cannot hold on split', async () => {
    const gpu = await testGpu();
    expect(attentionVariantFor(asAdapter(gpu, 'llvmpipe (LLVM 15.0.7, 256 bits)'))).toBe('split');
    expect(attentionVariantFor(asAdapter(gpu, 'SwiftShader Device (Subzero)', 'google'))).toBe('fused');
    expect(attentionVariantFor(asAdapter(gpu, 'NVIDIA H100 80GB HBM3', 'nvidia'))).toBe('fused');
    expect(attentionShapeClass({ B: 3, T: 130, H: 8, KH: 2, hs: 16 })).toBe(attentionShapeClass({ B: 4, T: 256, H: 8, KH: 2, hs: 16 }));
    expect(attentionShapeClass({ B: 3, T: 130, H: 8, KH: 2, hs: 16 })).not.toBe(attentionShapeClass({ B: 3, T: 130, H: 8, KH: 4, hs: 16 }));
    const g = asAdapter(gpu, 'NVIDIA test', 'nvidia');
    expect(trainingAttentionFor(g, { ...shape, hs: 6 })).toBe('split'); // hs not a multiple of 4
    expect(trainingAttentionFor(g, { ...shape, hs: 68 })).toBe('split'); // more than 64
    expect(trainingAttentionFor(g, { ...shape, hs: 64 })).toBe('fused'); // GPU-sized heads fit
    expect(trainingAttentionFor(g, shape)).toBe('fused');
    setAttentionChoices(g, [[attentionShapeClass(shape), 'split']]);
    expect(trainingAttentionFor(g, shape)).toBe('split');
    expect(trainingAttentionFor(g, { ...shape, T: 17 })).toBe('split'); // same class (t32)
    expect(trainingAttentionFor(g, { ...shape, T: 40 })).toBe('fused'); // another class: the default
  });

  it('keeps the adapter default unless the other variant is ATTENTION_MARGIN (1.1×) faster', async () => {
    const gpu = await testGpu();
    const lavapipe = asAdapter(gpu, 'llvmpipe (LLVM 15.0.7, 256 bits)'); // default split
    const nvidia = asAdapter(gpu, 'NVIDIA H100', 'nvidia'); // default fused
    expect(ATTENTION_MARGIN).toBe(1.1);
    expect(attentionChoice(lavapipe, 10, 9.5)).toBe('split'); // 5% faster: noise
    expect(attentionChoice(lavapipe, 11, 10)).toBe('fused'); // 10% faster
    expect(attentionChoice(lavapipe, 9, 10)).toBe('split');
    expect(attentionChoice(nvidia, 9.5, 10)).toBe('fused');
    expect(attentionChoice(nvidia, 5, 10)).toBe('split');
  });

  it('times both variants per class, installs the chosen one, and a second start on the same adapter measures nothing', async () => {
    const gpu = asAdapter(await testGpu(), 'tuner test adapter A');
    const store = memoryStore();
    const shapes = [shape, { ...shape, T: 20 }, { ...shape, B: 1, T: 7 }, { ...shape, hs: 6, H: 2, KH: 1 }];
    const first = await tuneAttention(gpu, shapes, { store, rounds: 1 });
    expect(first.measured).toBe(2); // T 24 and 20 share a class; hs 6 is never fused
    expect(store.writes).toBe(1);
    for (const e of first.tuning.entries) {
      expect(e.splitMs).toBeGreaterThan(0);
      expect(e.fusedMs).toBeGreaterThan(0);
      expect(e.choice).toBe(attentionChoice(gpu, e.splitMs, e.fusedMs));
      expect(e.ms).toBe(e.choice === 'split' ? e.splitMs : e.fusedMs);
      expect(trainingAttentionFor(gpu, e.shape)).toBe(e.choice);
    }
    expect(describeAttentionTuning(first.tuning).join('\n')).toMatch(/hs8 4\/2 b2 t32 +(split|fused) +fwd\+bwd/);

    // A new session on the same adapter: the kept choices, nothing timed, nothing written.
    const again = asAdapter(gpu, gpu.adapter.description);
    const second = await tuneAttention(again, shapes, { store, rounds: 1 });
    expect(second.measured).toBe(0);
    expect(store.writes).toBe(1);
    for (const e of first.tuning.entries) expect(trainingAttentionFor(again, e.shape)).toBe(e.choice);
    const kept = asAdapter(gpu, gpu.adapter.description);
    expect((await useKeptAttentionTuning(kept, store))?.entries.length).toBe(2);
  });

  it('measures again for another adapter, and when the kept entry is damaged', async () => {
    const gpu = asAdapter(await testGpu(), 'tuner test adapter B');
    const store = memoryStore();
    await tuneAttention(gpu, [shape], { store, rounds: 1 });
    const other = asAdapter(gpu, 'tuner test adapter C');
    expect(attentionTuningKey(other)).not.toBe(attentionTuningKey(gpu));
    expect((await tuneAttention(other, [shape], { store, rounds: 1 })).measured).toBe(1);

    store.data.set(attentionTuningKey(gpu), '{"format": 1, "entries": [');
    expect(await loadAttentionTuning(gpu, store)).toBeNull();
    expect((await tuneAttention(gpu, [shape], { store, rounds: 1 })).measured).toBe(1);
    const stored = JSON.parse(store.data.get(attentionTuningKey(gpu))!);
    stored.entries[0].choice = 'flash'; // not a variant
    store.data.set(attentionTuningKey(gpu), JSON.stringify(stored));
    expect(await loadAttentionTuning(gpu, store)).toBeNull();
  });

  it('lists a training shape per batch size at the model heads', () => {
    const shapes = trainingAttentionShapes({ nHeads: 4, nKvHeads: 2, dim: 64 }, [8, 3, 8], 288);
    expect(shapes.map((s) => `${s.B}x${s.T}`)).toEqual(['8x16', '8x32', '8x64', '8x128', '8x256', '8x288', '3x16', '3x32', '3x64', '3x128', '3x256', '3x288']);
    expect(shapes.every((s) => s.H === 4 && s.KH === 2 && s.hs === 16)).toBe(true);
    // Every length a trimmed step can take (multiples of its 16-token quantum) falls in a listed class.
    const classes = new Set(shapes.map(attentionShapeClass));
    for (let T = 16; T <= 288; T += 16) expect(classes.has(attentionShapeClass({ B: 3, T, H: 4, KH: 2, hs: 16 }))).toBe(true);
  });
});
