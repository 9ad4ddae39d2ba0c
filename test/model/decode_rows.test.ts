// decode_layer.wgsl's row list: a decode step of only some sequences of a batch (a generator's
// sequences that have not stopped). The rows listed get exactly what a step of the whole batch gives
// them; the others' cache rows are not touched. Bad lists are refused by name.
import { describe, expect, it } from 'vitest';
import { createBuffer, readBuffer, readF32, Recorder, writeBuffer } from '../../src/gpu/index.ts';
import { kvDim, makeConfig, type ModelConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { createActivations } from '../../src/model/activations.ts';
import { createDecodeActivations, recordDecode } from '../../src/model/decode.ts';
import { recordForward, type KvCache } from '../../src/model/forward.ts';
import { initParams } from '../../src/model/init.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories } from '../helpers/stories.ts';

const stories = loadStories();
const configs: [string, ModelConfig, Float32Array | null][] = [
  ['stories260K', stories.config, stories.params],
  ['GQA 4/2, half RoPE, untied, dim 16, hidden 20', makeConfig({ dim: 16, hiddenDim: 20, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 37, seqLen: 16, rope: 'half', tied: false }), null],
];

describe.each([false, true])('decode_layer with a row list (flat cache: %s)', (flat) => {
  for (const [name, config, weights] of configs) {
    it(name, async () => {
      const gpu = await testGpu();
      const model = new DeviceModel(gpu, config);
      model.upload(weights ?? initParams(model.layout, 5));
      const B = 3;
      const Tmax = 10;
      const V = config.vocabSize;
      const kvFloats = kvDim(config) * B * Tmax;
      const makeCache = (tag: string): KvCache => {
        if (flat) {
          const layerFloats = Math.ceil(kvFloats / 64) * 64;
          const f = { k: createBuffer(gpu, `k${tag}`, config.nLayers * layerFloats * 4), v: createBuffer(gpu, `v${tag}`, config.nLayers * layerFloats * 4), layerFloats };
          const slices = (buffer: GPUBuffer) => Array.from({ length: config.nLayers }, (_, l) => ({ buffer, offset: l * layerFloats * 4, size: kvFloats * 4 }));
          return { k: slices(f.k), v: slices(f.v), Tmax, posOffset: 0, flat: f };
        }
        const make = (n: string) => Array.from({ length: config.nLayers }, (_, l) => createBuffer(gpu, `${n}${tag}.${l}`, kvFloats * 4));
        return { k: make('k'), v: make('v'), Tmax, posOffset: 0 };
      };
      const all = makeCache('all');
      const some = makeCache('some');
      const P = 4;
      const prompt = createBuffer(gpu, 'prompt', B * P * 4);
      writeBuffer(gpu, prompt, Uint32Array.from({ length: B * P }, (_, i) => (i * 5 + 3) % V));
      const pre = createActivations(gpu, config, B, P, Tmax);
      let rec = new Recorder(gpu, 'prefill');
      recordForward(rec, model, pre, prompt, all);
      recordForward(rec, model, pre, prompt, some);
      rec.submit();
      const tok = createBuffer(gpu, 'tok', B * 4);
      const decAll = createDecodeActivations(gpu, config, B);
      const decSome = createDecodeActivations(gpu, config, B);
      const rows = [2, 0]; // sequence 1 has stopped; the list need not be in order
      const layerBytes = kvFloats * 4;
      const readLayer = async (c: KvCache, l: number, which: 'k' | 'v') => {
        const b = c[which][l];
        return 'buffer' in b ? new Float32Array(await readBuffer(gpu, b.buffer, layerBytes, b.offset ?? 0)) : readF32(gpu, b, kvFloats);
      };
      const before = await readLayer(some, 0, 'k');
      for (let pos = P; pos < P + 3; pos++) {
        writeBuffer(gpu, tok, Uint32Array.from([(pos * 3) % V, (pos * 7 + 1) % V, (pos * 5 + 2) % V]));
        rec = new Recorder(gpu, 'step');
        recordDecode(rec, model, decAll, tok, { ...all, posOffset: pos }, 'layers');
        recordDecode(rec, model, decSome, tok, { ...some, posOffset: pos }, 'layers', rows);
        rec.submit();
        const la = await readF32(gpu, decAll.logits, B * V);
        const ls = await readF32(gpu, decSome.logits, B * V);
        // Each workgroup computes its sequence alone: the listed rows are bit for bit the full step's.
        for (const b of rows) expect(Array.from(ls.subarray(b * V, (b + 1) * V)), `${name} logits of row ${b} at ${pos}`).toEqual(Array.from(la.subarray(b * V, (b + 1) * V)));
      }
      const KV = kvDim(config);
      for (let l = 0; l < config.nLayers; l++) {
        for (const which of ['k', 'v'] as const) {
          const a = await readLayer(all, l, which);
          const s = await readLayer(some, l, which);
          for (const b of rows) expect(Array.from(s.subarray(b * Tmax * KV, (b * Tmax + P + 3) * KV)), `${which} cache of row ${b}, layer ${l}`).toEqual(Array.from(a.subarray(b * Tmax * KV, (b * Tmax + P + 3) * KV)));
          // Row 1: its prompt rows are there, the decode positions were never written.
          const row1 = s.subarray((Tmax + P) * KV, (Tmax + P + 3) * KV);
          expect(row1.every((x) => x === 0), `${which} cache of the skipped row, layer ${l}`).toBe(true);
          expect(a.subarray((Tmax + P) * KV, (Tmax + P + 3) * KV).some((x) => x !== 0)).toBe(true);
        }
      }
      expect(Array.from(before.subarray(Tmax * KV, (Tmax + P) * KV)).some((x) => x !== 0)).toBe(true);

      // Refused: a duplicate, a row past the batch, an empty list, and a row list on the 'split' form.
      for (const [bad, why] of [[[0, 0], /distinct integers in 0\.\.B−1 \(2\), got 0/], [[3], /got 3/], [[], /rows must list 1\.\.3 sequences, got 0/]] as const) {
        expect(() => recordDecode(new Recorder(gpu, 'bad'), model, decSome, tok, { ...some, posOffset: P }, 'layers', bad), JSON.stringify(bad)).toThrow(why);
      }
      expect(() => recordDecode(new Recorder(gpu, 'bad'), model, decSome, tok, { ...some, posOffset: P }, 'split', [0])).toThrow(/only the 'layers' form/);
      model.destroy();
    });
  }
});
