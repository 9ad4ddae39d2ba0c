// Issue 16 item 3: model sizes are checked against sane bounds in every reader, naming the file
// and field, before any table is sized by them (seqLen 1e9 was "Invalid typed array length").
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { makeConfig, MAX_CONFIG, validateConfig } from '../../src/model/config.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.ts';
import { configFromHf } from '../../src/interop/hf_config.ts';

const config = makeConfig({ dim: 8, hiddenDim: 12, nLayers: 1, nHeads: 2, vocabSize: 11, seqLen: 16 });

describe('model size bounds', () => {
  it('validateConfig names the field beyond its bound', () => {
    expect(() => validateConfig({ ...config, seqLen: 1e9 })).toThrow(/model config: seqLen 1000000000 is beyond the largest supported value, 131072/);
    expect(() => validateConfig({ ...config, seqLen: 1e7 })).toThrow(/seqLen 10000000 is beyond/);
    expect(() => validateConfig({ ...config, vocabSize: 2 ** 22 })).toThrow(/vocabSize 4194304 is beyond/);
    expect(validateConfig({ ...config, seqLen: MAX_CONFIG.seqLen }).seqLen).toBe(131072);
  });
  it('a checkpoint whose tract.config says seqLen 1e9 is refused by field, fast', () => {
    const file = readSafetensors(saveCheckpoint({ config, params: new Float32Array(buildLayout(config).size) }));
    const md = { ...file.metadata, 'tract.config': JSON.stringify({ ...config, seqLen: 1e9 }) };
    const bytes = writeSafetensors([...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), md);
    expect(() => loadCheckpoint(bytes)).toThrow(/checkpoint: tract\.config is invalid: model config: seqLen 1000000000 is beyond/);
  });
  it("a Hugging Face config.json names its own field", () => {
    const hf = { architectures: ['LlamaForCausalLM'], hidden_size: 8, intermediate_size: 12, num_hidden_layers: 1, num_attention_heads: 2, vocab_size: 11, max_position_embeddings: 1e9 };
    expect(() => configFromHf(hf, { rope: 'half' }, 'x/config.json')).toThrow(/x\/config\.json: model config: seqLen 1000000000 is beyond the largest supported value, 131072 \(field max_position_embeddings\)/);
    expect(configFromHf(hf, { rope: 'half', maxSeqLen: 1024 }).config.seqLen).toBe(1024);
    expect(() => configFromHf({ ...hf, max_position_embeddings: 16, hidden_size: 2 ** 20 }, { rope: 'half' })).toThrow(/model config: dim 1048576 is beyond .* \(field hidden_size\)/);
  });
});

describe('JSON files of a model folder', () => {
  it('are refused when too large, not UTF-8 or nested deeper than 64, naming the file', async () => {
    const { readJson, bytesSource, MAX_JSON_BYTES } = await import('../../src/interop/sources.ts');
    const huge = { name: 'tokenizer.json', size: MAX_JSON_BYTES + 1, read: async () => { throw new Error('must not be read'); } };
    await expect(readJson(huge)).rejects.toThrow(/tokenizer\.json: 268435457 bytes is too large for a JSON file of a model/);
    await expect(readJson(bytesSource('config.json', new Uint8Array([0x7b, 0xff, 0x7d])))).rejects.toThrow(/config\.json: not valid UTF-8 text/);
    await expect(readJson(bytesSource('config.json', '{"a": 1}'))).resolves.toEqual({ a: 1 });
    await expect(readJson(bytesSource('config.json', `{"architectures": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`))).rejects.toThrow(/config\.json: JSON nested 100001 levels deep \(limit 64\)/);
  });
});
