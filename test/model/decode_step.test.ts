// The fused decode step (src/model/decode.ts, 2 + 5·nLayers dispatches) vs training's forward at
// T = 1 with the same KV cache (src/model/forward.ts): the same logits and the same cache rows, on
// the real stories260K and on tiny configs with GQA, the 'half' RoPE convention, an untied head and
// widths that are not multiples of 4 (the f32 kernel variants). Several steps, two sequences. Both
// forms: 'split' (five dispatches per layer) and 'layers' (one decode_layer dispatch per layer, for
// the models whose rows are multiples of 4 floats).
import { describe, expect, it } from 'vitest';
import { createBuffer, readBuffer, readF32, Recorder, writeBuffer, type BufferBinding } from '../../src/gpu/index.ts';
import { kvDim, makeConfig, type ModelConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { createActivations } from '../../src/model/activations.ts';
import { createDecodeActivations, decodeDispatches, decodeModeFor, recordDecode, type DecodeMode } from '../../src/model/decode.ts';
import { decodeLayerFits } from '../../src/kernels/decode.ts';
import { headSize } from '../../src/model/config.ts';
import { recordForward, type KvCache } from '../../src/model/forward.ts';
import { initParams } from '../../src/model/init.ts';
import { expectClose } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories } from '../helpers/stories.ts';

const stories = loadStories();
const configs: [string, ModelConfig, Float32Array | null][] = [
  ['stories260K', stories.config, stories.params],
  ['GQA, half RoPE, untied, dim 12, hidden 10', makeConfig({ dim: 12, hiddenDim: 10, nLayers: 2, nHeads: 3, nKvHeads: 1, vocabSize: 37, seqLen: 16, rope: 'half', tied: false }), null],
  ['dim 32, 4 heads, hs 8', makeConfig({ dim: 32, nLayers: 1, nHeads: 4, vocabSize: 50, seqLen: 16 }), null],
  ['GQA 4/2, half RoPE, untied, dim 16, hidden 20, hs 4', makeConfig({ dim: 16, hiddenDim: 20, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 37, seqLen: 16, rope: 'half', tied: false }), null],
  // decode_layer's widest head: all eight of its named q and y vec4s in use.
  ['dim 64, 2 heads, hs 32', makeConfig({ dim: 64, hiddenDim: 24, nLayers: 1, nHeads: 2, vocabSize: 41, seqLen: 16 }), null],
];

const fits = (c: ModelConfig, gpu: Awaited<ReturnType<typeof testGpu>>) => decodeLayerFits(gpu, { C: c.dim, F: c.hiddenDim, H: c.nHeads, KH: c.nKvHeads, hs: headSize(c) });

describe('decode forms', () => {
  it("'layers' on CPU drivers for small models whose rows are multiples of 4 floats; 'split' otherwise", async () => {
    const gpu = await testGpu();
    expect(decodeModeFor(gpu, stories.config)).toBe('layers'); // lavapipe, 45K multiply-adds a layer
    expect(fits(configs[1][1], gpu)).toBe(false); // dim 12, hidden 10
    expect(decodeModeFor(gpu, configs[1][1])).toBe('split');
    expect(fits(configs[4][1], gpu)).toBe(true); // hs 32
    const hs48 = makeConfig({ dim: 48, hiddenDim: 24, nLayers: 1, nHeads: 1, vocabSize: 41, seqLen: 16 });
    expect(fits(hs48, gpu)).toBe(false); // more than eight vec4s a head
    expect(decodeModeFor(gpu, hs48)).toBe('split');
    expect(decodeModeFor(gpu, makeConfig({ dim: 512, hiddenDim: 1376, nLayers: 1, nHeads: 8, vocabSize: 64, seqLen: 16 }))).toBe('split'); // 3.2M a layer
    // The ~5M benchmark shape (790K a layer): 'split' spreads each product over the driver's threads.
    expect(decodeModeFor(gpu, makeConfig({ dim: 256, nLayers: 1, nHeads: 8, vocabSize: 64, seqLen: 16 }))).toBe('split');
    expect(decodeModeFor(gpu, makeConfig({ dim: 128, nLayers: 1, nHeads: 8, vocabSize: 64, seqLen: 16 }))).toBe('layers'); // 184K
    expect(decodeDispatches(stories.config, 'layers')).toBe(6);
    expect(decodeDispatches(stories.config, 'layers', true)).toBe(1);
    expect(decodeDispatches(stories.config, 'split')).toBe(27);
  });
});

// 'layers+flat': the cache keeps every layer in one buffer, so the whole step is one dispatch.
describe.each(['split', 'layers', 'layers+flat'] as const)('fused decode step (%s) vs the training forward at T = 1', (form) => {
  const mode: DecodeMode = form === 'split' ? 'split' : 'layers';
  const flat = form === 'layers+flat';
  // The hs 32 config tests decode_layer's widest head: the 'layers' forms only.
  for (const [name, config, weights] of configs.filter(([n]) => form !== 'split' || !n.endsWith('hs 32'))) {
    it(name, async () => {
      if (mode === 'layers' && !fits(config, await testGpu())) return expect(() => recordLayersOnly(config)).rejects.toThrow(/decode_layer.wgsl: C \(12\), F \(10\)/);
      const gpu = await testGpu();
      const model = new DeviceModel(gpu, config);
      model.upload(weights ?? initParams(model.layout, 3));
      const B = 2;
      const Tmax = 12;
      const V = config.vocabSize;
      const kv = kvDim(config) * B * Tmax * 4;
      const caches = [0, 1].map((i): KvCache => {
        if (i === 1 && flat) {
          // Layer l at l · layerFloats (a gap after each layer: the offsets must be honoured).
          const layerFloats = Math.ceil(kv / 4 / 64) * 64 + 64;
          const f = { k: createBuffer(gpu, 'kflat', config.nLayers * layerFloats * 4), v: createBuffer(gpu, 'vflat', config.nLayers * layerFloats * 4), layerFloats };
          const slices = (buffer: GPUBuffer) => Array.from({ length: config.nLayers }, (_, l) => ({ buffer, offset: l * layerFloats * 4, size: kv }));
          return { k: slices(f.k), v: slices(f.v), Tmax, posOffset: 0, flat: f };
        }
        return {
          k: Array.from({ length: config.nLayers }, () => createBuffer(gpu, `k${i}`, kv)),
          v: Array.from({ length: config.nLayers }, () => createBuffer(gpu, `v${i}`, kv)),
          Tmax,
          posOffset: 0,
        };
      });
      const read = async (b: BufferBinding) => ('buffer' in b ? new Float32Array(await readBuffer(gpu, b.buffer, kv, b.offset ?? 0)) : readF32(gpu, b));
      const P = 5;
      const prompt = createBuffer(gpu, 'prompt', B * P * 4);
      writeBuffer(gpu, prompt, Uint32Array.from({ length: B * P }, (_, i) => (i * 7 + 1) % V));
      const tok = createBuffer(gpu, 'tok', B * 4);
      const pre = createActivations(gpu, config, B, P, Tmax);
      const one = createActivations(gpu, config, B, 1, Tmax);
      const dec = createDecodeActivations(gpu, config, B);
      let rec = new Recorder(gpu, 'prefill');
      for (const cache of caches) recordForward(rec, model, pre, prompt, cache);
      rec.submit();
      for (let pos = P; pos < P + 4; pos++) {
        writeBuffer(gpu, tok, Uint32Array.from([(pos * 3) % V, (pos * 5 + 2) % V]));
        rec = new Recorder(gpu, 'step');
        recordForward(rec, model, one, tok, { ...caches[0], posOffset: pos });
        const before = rec.dispatches;
        recordDecode(rec, model, dec, tok, { ...caches[1], posOffset: pos }, mode);
        expect(rec.dispatches - before).toBe(decodeDispatches(config, mode, flat));
        rec.submit();
        expectClose(await readF32(gpu, dec.logits, B * V), await readF32(gpu, one.logits, B * V), { atol: 1e-4, rtol: 1e-3 }, `${name} logits at position ${pos}`);
      }
      for (let l = 0; l < config.nLayers; l++) {
        expectClose(await read(caches[1].k[l]), await read(caches[0].k[l]), { atol: 1e-4, rtol: 1e-3 }, `k cache of layer ${l}`);
        expectClose(await read(caches[1].v[l]), await read(caches[0].v[l]), { atol: 1e-4, rtol: 1e-3 }, `v cache of layer ${l}`);
      }
      model.destroy();
    });
  }
});

/** The 'layers' form forced on a model it does not take: refused by name. */
async function recordLayersOnly(config: ModelConfig): Promise<void> {
  const gpu = await testGpu();
  const model = new DeviceModel(gpu, config);
  const B = 1, Tmax = 4;
  const cache: KvCache = { k: [createBuffer(gpu, 'k', kvDim(config) * Tmax * 4), createBuffer(gpu, 'k', kvDim(config) * Tmax * 4)], v: [createBuffer(gpu, 'v', kvDim(config) * Tmax * 4), createBuffer(gpu, 'v', kvDim(config) * Tmax * 4)], Tmax, posOffset: 0 };
  const rec = new Recorder(gpu, 'refused');
  try {
    recordDecode(rec, model, createDecodeActivations(gpu, config, B), createBuffer(gpu, 'tok', 4), cache, 'layers');
  } finally {
    model.destroy();
  }
}
