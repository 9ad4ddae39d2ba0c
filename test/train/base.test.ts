// The shipped base (public/base/base.safetensors, made by `tract pretrain` and `--ship`): it loads,
// its config is the one its record states, its tokenizer is the procedural corpus's (rebuilt here
// from the corpus seed, not read from the file), and its dev loss on the corpus reproduces the
// recorded one within 1%. A pretraining run interrupted and resumed ends with the same weights
// as an uninterrupted one.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tokenizerFromDescription, trainProceduralTokenizer, type TokenizerDescription } from '../../src/data/index.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { makeConfig } from '../../src/model/config.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { corpusDevLoss, pretrainBase, type CheckpointStore, type PretrainOptions } from '../../src/train/pretrain.ts';
import { testGpu } from '../helpers/gpu.ts';

const BASE = fileURLToPath(new URL('../../public/base/base.safetensors', import.meta.url));
const RECORD = fileURLToPath(new URL('../../public/base/base.json', import.meta.url));

function shipped() {
  const c = loadCheckpoint(new Uint8Array(readFileSync(BASE)));
  return { c, record: c.training as { stage: string; options: PretrainOptions; devCe: number; step: number; parameters: number } };
}

describe('the shipped base', () => {
  it('loads, and its config, tokenizer and record agree', () => {
    const { c, record } = shipped();
    expect(record.stage).toBe('base');
    expect(JSON.parse(readFileSync(RECORD, 'utf8'))).toEqual(record);
    expect(c.config.seqLen).toBe(record.options.seqLen);
    expect(c.params.length).toBeGreaterThan(0);
    const tok = trainProceduralTokenizer({ seed: record.options.corpusSeed, vocabSize: c.config.vocabSize });
    expect((c.tokenizer as TokenizerDescription).fingerprint).toBe(tok.describe().fingerprint);
    expect(tokenizerFromDescription(c.tokenizer as TokenizerDescription).scoreTokenIds()).toEqual(tok.scoreTokenIds());
    // A few MB at most.
    expect(readFileSync(BASE).length).toBeLessThan(4 * 1024 * 1024);
  });

  it('reproduces its recorded dev loss within 1%', async () => {
    const { c, record } = shipped();
    const gpu = await testGpu();
    const tok = tokenizerFromDescription(c.tokenizer as TokenizerDescription);
    const model = new DeviceModel(gpu, c.config, { training: true });
    try {
      model.upload(c.params);
      const ce = await corpusDevLoss(model, tok, record.options);
      expect(Math.abs(ce - record.devCe) / record.devCe).toBeLessThan(0.01);
    } finally {
      model.destroy();
    }
  }, 120_000);
});

describe('pretraining', () => {
  it('resumed from a checkpoint, ends with the weights of an uninterrupted run', async () => {
    const gpu = await testGpu();
    const tok = trainProceduralTokenizer({ documents: 800, vocabSize: 320 });
    const config = makeConfig({ dim: 16, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: tok.vocabSize, seqLen: 24 });
    const o: PretrainOptions = { steps: 6, batchSize: 2, seqLen: 24, lr: 3e-3, warmupFraction: 0.2, minLrFraction: 0.1, weightDecay: 0.1, gradClip: 1, seed: 3, corpusSeed: 5, checkpointEvery: 3, devEvery: 3, devBatches: 1 };
    const memory = (): CheckpointStore & { saved: Uint8Array[] } => {
      const saved: Uint8Array[] = [];
      return { saved, read: async () => saved[saved.length - 1] ?? null, write: async (b) => void saved.push(b) };
    };
    const run = async (store: CheckpointStore, stopAfter?: number) => {
      const model = new DeviceModel(gpu, config, { training: true });
      try {
        await pretrainBase(model, tok, o, store, (e) => {
          if (e.type === 'checkpoint' && e.step === stopAfter) throw new Error('interrupted');
        });
        return await model.downloadParams();
      } finally {
        model.destroy();
      }
    };
    const straight = await run(memory());
    const store = memory();
    await expect(run(store, 3)).rejects.toThrow('interrupted');
    expect(store.saved).toHaveLength(1);
    const events: string[] = [];
    const model = new DeviceModel(gpu, config, { training: true });
    try {
      const log = await pretrainBase(model, tok, o, store, (e) => void events.push(e.type === 'resumed' ? `resumed ${e.step}` : e.type));
      expect(events[0]).toBe('resumed 3');
      expect(log.ce).toHaveLength(6);
      expect(log.ce[5]).toBeLessThan(log.ce[0]);
      expect(Array.from(await model.downloadParams())).toEqual(Array.from(straight));
    } finally {
      model.destroy();
    }
    // Other settings refuse to resume.
    const other = new DeviceModel(gpu, config, { training: true });
    try {
      await expect(pretrainBase(other, tok, { ...o, lr: 1e-3 }, store)).rejects.toThrow(/lr is 0.003 in the checkpoint, 0.001 now/);
    } finally {
      other.destroy();
    }
  }, 120_000);
});
