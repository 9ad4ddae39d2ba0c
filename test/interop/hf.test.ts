// Hugging Face interop: export → import gives the same parameters bit for bit and the same logits
// on the GPU; a folder written by hand the way transformers saves a Llama (rotate-half RoPE; BF16,
// F16, F32; one file or shards) gives the logits of transformers' own forward (written
// independently in fixtures.ts) through our CPU reference, kept in 'half' or converted to
// 'interleaved'; bad folders are refused with messages that name the problem, before any tensor
// data is read where the headers already tell.
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../src/model/layout.ts';
import { modelForwardRef } from '../../src/reference/model.ts';
import { writeSafetensors } from '../../src/model/safetensors.ts';
import { bytesSource, blobSource, type FileSource } from '../../src/interop/sources.ts';
import { exportHf } from '../../src/interop/hf_export.ts';
import { hfFilesFromList, importHfModel, planHfImport } from '../../src/interop/hf_import.ts';
import { checkFitsAdapter, estimateInferenceMemory } from '../../src/interop/memory.ts';
import { llama2cTokenizerJson, verifyTokenizerJson } from '../../src/interop/llama2c_tokenizer_json.ts';
import { generateRubricLab } from '../../src/data/index.ts';
import { expectClose, maxAbs } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories, storiesTokenizer } from '../helpers/stories.ts';
import { gpuLogits, handMadeHf, hfFiles, hfForward, randomParams, tinyBpe, TINY } from './fixtures.ts';

const filesOf = (out: { files: { name: string; data: Uint8Array }[] }): FileSource[] => out.files.map((f) => bytesSource(f.name, f.data));

describe('Hugging Face export → import', () => {
  for (const [label, config] of Object.entries(TINY)) {
    it(`${label}: bit-identical parameters, identical GPU logits, the tokenizer back`, async () => {
      const params = randomParams(config, 3);
      const tok = tinyBpe();
      const out = exportHf({ config, params, tokenizer: tok });
      expect(out.notes).toEqual([]);
      const names = out.files.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'tract_judge.json']));
      const cfg = JSON.parse(new TextDecoder().decode(out.files.find((f) => f.name === 'config.json')!.data));
      expect(cfg).toMatchObject({ architectures: ['LlamaForCausalLM'], hidden_size: config.dim, num_key_value_heads: config.nKvHeads, tie_word_embeddings: config.tied, rope_scaling: null });
      const back = await importHfModel(hfFilesFromList(filesOf(out)));
      expect(back.config).toEqual(config);
      expect(back.params).toEqual(params);
      expect(back.tokenizer?.kind).toBe('bpe');
      expect(back.tokenizer?.describe().fingerprint).toBe(tok.describe().fingerprint);
      const gpu = await testGpu();
      const ids = [1, 17, 250, 3, 99, 42, 7, 7, 180];
      const a = await gpuLogits(gpu, config, params, ids);
      const b = await gpuLogits(gpu, back.config, back.params, ids);
      expect(b).toEqual(a);
      // Kept in Hugging Face's rotate-half convention instead, the engine computes the same model.
      const half = await importHfModel(hfFilesFromList(filesOf(out)), { rope: 'half' });
      expect(half.config.rope).toBe('half');
      expectClose(await gpuLogits(gpu, half.config, half.params, ids), a, { atol: 1e-4, rtol: 1e-3 }, 'logits in the half convention');
    });
  }

  it('q_proj rows are permuted to rotate-half and a tied model has no lm_head.weight', async () => {
    const config = TINY.gqaTied;
    const params = randomParams(config, 5);
    const out = exportHf({ config, params });
    const plan = await planHfImport(hfFilesFromList(filesOf(out)));
    const names = plan.tensors.map((t) => t.hfName);
    expect(names).toContain('model.layers.1.self_attn.q_proj.weight');
    expect(names).not.toContain('lm_head.weight');
    const layout = buildLayout(config);
    const wq = layout.byName.get('layers.0.attention.wq')!;
    const back = await importHfModel(hfFilesFromList(filesOf(out)), { rope: 'half' });
    const hs = config.dim / config.nHeads;
    // Row 2i+1 of head 0 (interleaved) is row hs/2 + i (rotate-half).
    const row = (p: Float32Array, r: number) => Array.from(p.subarray(wq.offset + r * config.dim, wq.offset + (r + 1) * config.dim));
    expect(row(back.params, hs / 2 + 1)).toEqual(row(params, 3));
    expect(out.notes).toEqual([]);
  });

  it('F16 and BF16 exports come back within their rounding', async () => {
    const config = TINY.untiedMha;
    const params = randomParams(config, 8);
    for (const [dtype, rel] of [['F16', 2 ** -11], ['BF16', 2 ** -8]] as const) {
      const out = exportHf({ config, params }, { dtype });
      expect(JSON.parse(new TextDecoder().decode(out.files[0].data)).torch_dtype).toBe(dtype === 'F16' ? 'float16' : 'bfloat16');
      const back = await importHfModel(hfFilesFromList(filesOf(out)));
      expectClose(back.params, params, { atol: 1e-7, rtol: rel }, `${dtype} parameters`);
    }
  });

  it('stories260K with its llama2.c tokenizer: tokenizer.json encodes as run.c does, and imports back', async () => {
    const stories = loadStories();
    const tok = storiesTokenizer();
    const out = exportHf({ config: stories.config, params: stories.params, tokenizer: tok });
    expect(out.notes).toEqual([]);
    const back = await importHfModel(hfFilesFromList(filesOf(out)));
    expect(back.params).toEqual(stories.params);
    expect(back.tokenizer?.kind).toBe('huggingface');
    const lab = generateRubricLab({ seed: 2, train: 30, dev: 2, test: 2 });
    const texts = ['Once upon a time, there was a little girl named Lily.', 'She said "hi!"  twice\n\tand left…', 'naïve café 日本 😀', '', ...lab.train.flatMap((e) => [e.instruction, e.response, e.feedback ?? ''])];
    for (const t of texts) expect(back.tokenizer!.encode(t, { bos: true }), t).toEqual(tok.encode(t, { bos: true }));
    expect(verifyTokenizerJson(tok, llama2cTokenizerJson(tok), texts)).toBeNull();
    expect(back.tokenizer!.scoreTokenIds()).toEqual(tok.scoreTokenIds());
  });
});

describe('a Hugging Face folder written the way transformers saves a Llama', () => {
  const shape = { dim: 24, hidden: 40, layers: 2, heads: 4, kvHeads: 2, vocab: 37, seqLen: 24, theta: 10000, eps: 1e-6 };
  const ids = [1, 5, 36, 0, 12, 12, 30, 2, 19, 8, 33];

  for (const [dtype, tied, shards] of [['BF16', false, 1], ['F16', true, 3], ['F32', false, 2]] as const) {
    it(`${dtype}, ${tied ? 'tied' : 'untied'}, ${shards === 1 ? 'one file' : `${shards} shards`}: gives transformers' logits, in either RoPE convention`, async () => {
      const m = handMadeHf({ ...shape, tied, seed: 40 + shards, dtype });
      const files = hfFiles(m, { dtype, shards });
      const imported = await importHfModel(hfFilesFromList(files));
      expect(imported.config.rope).toBe('half');
      expect(imported.plan.dtypes).toEqual([dtype]);
      const want = hfForward(m, ids);
      const got = modelForwardRef(imported.params, imported.layout, ids, 1, ids.length).logits;
      expect(maxAbs(want)).toBeGreaterThan(1);
      expectClose(got, want, { atol: 1e-9, rtol: 1e-9 }, 'imported (half) vs transformers');
      const inter = await importHfModel(hfFilesFromList(files), { rope: 'interleaved' });
      expect(inter.config.rope).toBe('interleaved');
      expectClose(modelForwardRef(inter.params, inter.layout, ids, 1, ids.length).logits, want, { atol: 1e-9, rtol: 1e-9 }, 'imported (interleaved) vs transformers');
    });
  }

  it('from browser File objects (the File API), reading slices lazily', async () => {
    const m = handMadeHf({ ...shape, tied: true, seed: 9, dtype: 'BF16' });
    const mem = hfFiles(m, { dtype: 'BF16' });
    const files = await Promise.all(mem.map(async (f) => blobSource(new File([(await f.read()) as Uint8Array<ArrayBuffer>], f.name))));
    const r = await importHfModel(hfFilesFromList(files));
    expectClose(modelForwardRef(r.params, r.layout, ids, 1, ids.length).logits, hfForward(m, ids), { atol: 1e-9, rtol: 1e-9 }, 'from Files');
  });
});

describe('bad Hugging Face folders are refused, naming the problem', () => {
  const shape = { dim: 16, hidden: 24, layers: 2, heads: 2, kvHeads: 1, vocab: 20, seqLen: 16, theta: 10000, eps: 1e-6, tied: false, seed: 1, dtype: 'F32' as const };
  const good = () => handMadeHf(shape);
  const refuse = async (files: FileSource[], re: RegExp) => {
    await expect(importHfModel(hfFilesFromList(files))).rejects.toThrow(re);
  };
  const replace = (files: FileSource[], name: string, data: Uint8Array | string) => files.map((f) => (f.name === name ? bytesSource(name, data) : f));
  const weights = async (files: FileSource[]) => files.find((f) => f.name === 'model.safetensors')!.read();

  it('a truncated safetensors file', async () => {
    const files = hfFiles(good(), { dtype: 'F32' });
    const w = await weights(files);
    await refuse(replace(files, 'model.safetensors', w.subarray(0, w.length - 100)), /model\.safetensors: safetensors: tensor '[^']+': data_offsets \[\d+, \d+\] out of range/);
    await refuse(replace(files, 'model.safetensors', w.subarray(0, 5)), /model\.safetensors: safetensors: file too short: 5 bytes/);
  });

  it('a header length beyond the end of the file', async () => {
    const files = hfFiles(good(), { dtype: 'F32' });
    const w = (await weights(files)).slice();
    new DataView(w.buffer).setUint32(0, w.length + 1000, true);
    await refuse(replace(files, 'model.safetensors', w), new RegExp(`model\\.safetensors: safetensors: header length ${w.length + 1000} goes beyond the end of the file \\(${w.length} bytes\\)`));
  });

  it('an unknown dtype', async () => {
    const files = hfFiles(good(), { dtype: 'F32' });
    const w = (await weights(files)).slice();
    const text = new TextDecoder().decode(w.subarray(0, 400));
    const at = text.indexOf('"F32"');
    w.set(new TextEncoder().encode('"Q4K"'), at);
    await refuse(replace(files, 'model.safetensors', w), /model\.safetensors: safetensors: tensor '[^']+': unknown dtype Q4K \(supported: F32, F16, BF16\)/);
    const i8 = writeSafetensors([{ name: 'x', shape: [1], data: new Float32Array(1) }]).slice();
    i8.set(new TextEncoder().encode('"I32"'), new TextDecoder().decode(i8).indexOf('"F32"'));
    await refuse(replace(files, 'model.safetensors', i8), /unsupported dtype I32/);
  });

  it('a missing tensor', async () => {
    const m = good();
    m.tensors.delete('model.layers.1.mlp.up_proj.weight');
    await refuse(hfFiles(m, { dtype: 'F32' }), /missing tensor model\.layers\.1\.mlp\.up_proj\.weight in model\.safetensors/);
    const m2 = good();
    m2.tensors.delete('lm_head.weight');
    await refuse(hfFiles(m2, { dtype: 'F32' }), /missing tensor lm_head\.weight .*tie_word_embeddings false/);
  });

  it('a tied model saved with its head: accepted when the head is the embedding, refused otherwise', async () => {
    const m = handMadeHf({ ...shape, tied: true });
    m.tensors.set('lm_head.weight', { shape: [20, 16], data: m.tensors.get('model.embed_tokens.weight')!.data.slice() });
    const ok = await importHfModel(hfFilesFromList(hfFiles(m, { dtype: 'F32' })));
    expect(ok.config.tied).toBe(true);
    m.tensors.get('lm_head.weight')!.data[5] += 1;
    await refuse(hfFiles(m, { dtype: 'F32' }), /config\.json says tie_word_embeddings true, but lm_head\.weight differs from model\.embed_tokens\.weight \(at element 5\)/);
  });

  it('wrong shapes for the config', async () => {
    const m = good();
    await refuse(hfFiles(m, { dtype: 'F32', config: { ...m.config, intermediate_size: 32 } }), /wrong shapes for config\.json .*model\.layers\.0\.mlp\.gate_proj\.weight is \[24, 16\], expected \[32, 16\]/);
  });

  it('another architecture, rope_scaling, biases, other activations, an extra layer', async () => {
    const m = good();
    const withConfig = (patch: Record<string, unknown>) => hfFiles(m, { dtype: 'F32', config: { ...m.config, ...patch } });
    await refuse(withConfig({ architectures: ['MistralForCausalLM'] }), /config\.json: architecture 'MistralForCausalLM' is not supported \(only LlamaForCausalLM\)/);
    await refuse(withConfig({ architectures: undefined, model_type: 'gpt2' }), /config\.json: model_type 'gpt2' is not supported/);
    await refuse(withConfig({ rope_scaling: { rope_type: 'llama3', factor: 8 } }), /config\.json: rope_scaling 'llama3' is not supported/);
    await refuse(withConfig({ hidden_act: 'gelu' }), /hidden_act 'gelu' is not supported/);
    await refuse(withConfig({ attention_bias: true }), /attention_bias true is not supported/);
    await refuse(withConfig({ head_dim: 4 }), /head_dim 4 is not hidden_size \/ num_attention_heads = 8/);
    await refuse(withConfig({ num_attention_heads: 3 }), /config\.json: model config: nHeads \(3\) must divide dim \(16\)/);
    await refuse(withConfig({ hidden_size: undefined }), /config\.json: hidden_size is missing/);
    const b = good();
    b.tensors.set('model.layers.0.self_attn.q_proj.bias', { shape: [16], data: new Float32Array(16) });
    await refuse(hfFiles(b, { dtype: 'F32' }), /bias tensors are not supported \(model\.layers\.0\.self_attn\.q_proj\.bias\)/);
    const x = good();
    x.tensors.set('model.layers.2.input_layernorm.weight', { shape: [16], data: new Float32Array(16) });
    await refuse(hfFiles(x, { dtype: 'F32' }), /unexpected tensors model\.layers\.2\.input_layernorm\.weight \(layer 2, but num_hidden_layers is 2\)/);
  });

  it('a sharded index naming a missing shard, and folders without usable weights', async () => {
    const files = hfFiles(good(), { dtype: 'F32', shards: 2 });
    await refuse(files.filter((f) => f.name !== 'model-00002-of-00002.safetensors'), /model\.safetensors\.index\.json names shard 'model-00002-of-00002\.safetensors', which is missing/);
    expect(() => hfFilesFromList([bytesSource('config.json', '{}'), bytesSource('pytorch_model.bin', 'x')])).toThrow(/pytorch_model\.bin: PyTorch pickle weights are not supported/);
    expect(() => hfFilesFromList([bytesSource('model.safetensors', 'x')])).toThrow(/no config\.json among the files/);
    await refuse(replace(hfFiles(good(), { dtype: 'F32' }), 'config.json', '{"hidden_size": '), /config\.json: not valid JSON/);
  });

  it('a model too large for the adapter is refused from its headers, before its weights are read', async () => {
    const m = good();
    let read = 0;
    const counted = hfFiles(m, { dtype: 'F32' }).map((f) => ({ ...f, name: f.name, size: f.size, read: async (s?: number, e?: number) => {
      const b = await f.read(s, e);
      if (f.name.endsWith('.safetensors')) read += b.byteLength;
      return b;
    } }));
    const plan = await planHfImport(hfFilesFromList(counted));
    expect(plan.memory).toEqual(estimateInferenceMemory(plan.config));
    const need = plan.memory.paramsBytes;
    read = 0;
    const limits = { maxStorageBufferBindingSize: need - 4, maxBufferSize: 1 << 30 };
    await expect(importHfModel(hfFilesFromList(counted), { limits })).rejects.toThrow(/needs a [\d.]+ MiB parameter buffer; this adapter's maxStorageBufferBindingSize is [\d.]+ MiB: it cannot be loaded on this GPU/);
    expect(read).toBe(8 + plan.tensors[0].header.dataStart); // the length, then the header: no tensor data
    // Activations: a long context at a large batch needs a logits buffer beyond the limit.
    const cfg = (await planHfImport(hfFilesFromList(counted))).config;
    expect(() => checkFitsAdapter(cfg, { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 }, { maxBatch: 64, Tmax: 512 })).toThrow(/its attention probabilities at batch 64 × 512 positions need [\d.]+ MiB, more than this adapter's maxStorageBufferBindingSize/);
    expect(() => checkFitsAdapter(cfg, { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 }, { budgetBytes: 1000 })).toThrow(/needs about [\d.]+ MiB of GPU memory for inference/);
  });
});
