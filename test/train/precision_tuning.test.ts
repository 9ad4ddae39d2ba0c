// The training precision chosen by measurement (train/precision_tuning.ts): a step is timed in f32
// and mixed precision, mixed kept only with the margin; the choice is kept per adapter (a second
// start measures nothing, a damaged record is measured again); TrainStep follows the device's
// choice when its options name none, and an override (--precision) wins over measurement. The
// CLI flag parses and refuses bad values by name.
import { afterEach, describe, expect, it } from 'vitest';
import { applyPrecision, parsePrecision } from '../../src/cli/precision_flag.ts';
import { UsageError } from '../../src/cli/args.ts';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { precisionFor, precisionShapeClass, setPrecisionChoices, setPrecisionOverride } from '../../src/train/precision.ts';
import { loadPrecisionTuning, MIXED_MARGIN, precisionTuningKey, tunePrecision } from '../../src/train/precision_tuning.ts';
import { TrainStep } from '../../src/train/step.ts';
import { testGpu } from '../helpers/gpu.ts';
import { memoryStore } from '../helpers/memory_store.ts';

const config = makeConfig({ dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 64, seqLen: 32 });

afterEach(async () => setPrecisionOverride(await testGpu(), null));

describe('training precision by measurement', () => {
  it('times both precisions, applies the margin, keeps the result; a second start measures nothing', async () => {
    const gpu = await testGpu();
    const store = memoryStore();
    const first = await tunePrecision(gpu, config, [{ B: 2, T: 32 }, { B: 2, T: 16 }, { B: 3, T: 32 }], { store, steps: 1 });
    expect(first.measured).toBe(2); // the class is the model and B: T 16 and 32 at B 2 are one
    expect(store.writes).toBe(1);
    for (const e of first.tuning.entries) {
      expect(e.f32Ms).toBeGreaterThan(0);
      expect(e.mixedMs).toBeGreaterThan(0);
      expect(e.choice).toBe(e.mixedMs * MIXED_MARGIN <= e.f32Ms ? 'mixed' : 'f32');
      expect(precisionFor(gpu, config, e.shapeClass.endsWith('b2') ? 2 : 3)).toBe(e.choice);
    }
    const again = await tunePrecision(gpu, config, [{ B: 2, T: 32 }], { store, steps: 1 });
    expect(again.measured).toBe(0);
    expect(store.writes).toBe(1);
    expect((await loadPrecisionTuning(gpu, store))!.entries).toHaveLength(2);
    // A damaged record is not trusted: measured again.
    store.data.set(precisionTuningKey(gpu), '{"format": 1, "key": "x", "entries": [');
    expect(await loadPrecisionTuning(gpu, store)).toBeNull();
    expect((await tunePrecision(gpu, config, [{ B: 2, T: 32 }], { store, steps: 1 })).measured).toBe(1);
  });

  it('TrainStep runs the device’s choice when its options name none; an override wins; options win over both', async () => {
    const gpu = await testGpu();
    const model = new DeviceModel(gpu, config, { training: true });
    const precisionOf = (o = {}) => {
      const s = new TrainStep(model, 5, 16, o);
      const p = s.precision;
      const mixed = s.mixed !== null;
      s.destroy();
      expect(mixed).toBe(p === 'mixed');
      return p;
    };
    expect(precisionOf()).toBe('f32'); // nothing measured for B 5: f32
    setPrecisionChoices(gpu, [[precisionShapeClass(config, 5), 'mixed']]);
    expect(precisionOf()).toBe('mixed');
    setPrecisionOverride(gpu, 'f32');
    expect(precisionOf()).toBe('f32');
    expect(precisionOf({ precision: 'mixed' })).toBe('mixed');
    setPrecisionOverride(gpu, null);
    setPrecisionChoices(gpu, [[precisionShapeClass(config, 5), 'f32']]);
    expect(precisionOf()).toBe('f32');
    model.destroy();
  });

  it('--precision: auto, f32 and mixed; anything else is a usage error naming the choices', async () => {
    const gpu = await testGpu();
    expect(parsePrecision(undefined)).toBe('auto');
    expect(parsePrecision('auto')).toBe('auto');
    expect(parsePrecision('mixed')).toBe('mixed');
    expect(() => parsePrecision('fp16')).toThrow(UsageError);
    expect(() => parsePrecision('fp16')).toThrow("--precision: 'fp16' is not one of auto, f32, mixed");
    applyPrecision(gpu, 'mixed');
    expect(precisionFor(gpu, config, 7)).toBe('mixed');
    applyPrecision(gpu, 'auto'); // leaves the override as it is
    expect(precisionFor(gpu, config, 7)).toBe('mixed');
  });
});
