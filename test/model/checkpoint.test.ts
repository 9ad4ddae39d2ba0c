// Our checkpoint (safetensors + tract.* JSON metadata): round trip of config, params, AdamW moments,
// tokenizer and training state; rejection of missing, extra and mis-shaped tensors and bad metadata.
import { describe, expect, it } from 'vitest';
import { detectModelFormat, loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { writeLlama2c } from '../../src/model/llama2c.ts';
import { readSafetensors, readSafetensorsHeader, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { normals } from '../helpers/random.ts';

const config: ModelConfig = { dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 2, nKvHeads: 1, vocabSize: 11, seqLen: 16, ropeTheta: 10000, normEps: 1e-5, tied: false, rope: 'half' };
const layout = buildLayout(config);

/** Random values in every tensor, zeros in the alignment gaps (as the engine keeps them). */
function filled(seed: number): Float32Array {
  const flat = new Float32Array(layout.size);
  for (const t of layout.tensors) flat.set(normals(t.size, seed + t.offset), t.offset);
  return flat;
}

const params = filled(1);
const optimizer = { m: filled(2), v: filled(3).map(Math.abs) };
const tokenizer = { kind: 'bpe', name: 'rubric-lab-bpe-1024', vocabSize: 11, bos: 1, eos: 2, pad: 2, fingerprint: 'abc123', tokenizerJson: { model: { type: 'BPE' } } };
const training = { stage: 1, step: 120, adamT: 120, options: { lr: 3e-4, lambda: 1 }, dataHash: 'f00d', rng: 12345 };

/** Rewrites a saved checkpoint's tensors/metadata (for the bad cases). */
function tampered(edit: (tensors: TensorToWrite[], md: Record<string, string>) => void): Uint8Array {
  const file = readSafetensors(saveCheckpoint({ config, params, optimizer }));
  const tensors = [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  const md = { ...file.metadata };
  edit(tensors, md);
  return writeSafetensors(tensors, md);
}

describe('checkpoint', () => {
  it('round-trips config, params, optimizer moments, tokenizer and training state', () => {
    const bytes = saveCheckpoint({ config, params, optimizer, tokenizer, training });
    expect(detectModelFormat(bytes)).toBe('safetensors');
    const back = loadCheckpoint(bytes);
    expect(back.config).toEqual(config);
    expect(Array.from(back.params)).toEqual(Array.from(params));
    expect(Array.from(back.optimizer!.m)).toEqual(Array.from(optimizer.m));
    expect(Array.from(back.optimizer!.v)).toEqual(Array.from(optimizer.v));
    expect(back.tokenizer).toEqual(tokenizer);
    expect(back.training).toEqual(training);
    expect(back.metadata['tract.format_version']).toBe('1');
    // Tensor names are the layout's, in layout order, then the moments.
    const names = readSafetensorsHeader(bytes).entries.map((e) => e.name);
    expect(names.slice(0, layout.tensors.length)).toEqual(layout.tensors.map((t) => t.name));
    expect(names).toContain('optimizer.m.layers.1.attention.wk');
    expect(names).toContain('optimizer.v.output');
  });

  it('without optimizer, tokenizer or training they are absent; F16 params are lossy but close', () => {
    const back = loadCheckpoint(saveCheckpoint({ config, params }, { dtype: 'F16' }));
    expect(back.optimizer).toBeUndefined();
    expect(back.tokenizer).toBeUndefined();
    expect(back.training).toBeUndefined();
    for (let i = 0; i < params.length; i++) expect(Math.abs(back.params[i] - params[i])).toBeLessThanOrEqual(Math.abs(params[i]) * 2 ** -11 + 2 ** -24);
  });

  it('does not depend on the alignment of the layout', () => {
    const packed = buildLayout(config, { align: 1 });
    const back = loadCheckpoint(saveCheckpoint({ config, params }), { layout: { align: 1 } });
    expect(back.params.length).toBe(packed.size);
    for (const t of layout.tensors) {
      const p = packed.byName.get(t.name)!;
      expect(Array.from(back.params.subarray(p.offset, p.offset + p.size))).toEqual(Array.from(params.subarray(t.offset, t.offset + t.size)));
    }
  });

  it('refuses to save inconsistent contents', () => {
    expect(() => saveCheckpoint({ config, params: new Float32Array(5) })).toThrow(/params has 5 floats, the layout of this config needs/);
    expect(() => saveCheckpoint({ config, params, optimizer: { m: params, v: new Float32Array(1) } })).toThrow(/optimizer.v has 1 floats/);
    expect(() => saveCheckpoint({ config: { ...config, nHeads: 3 }, params })).toThrow(/nHeads \(3\) must divide dim/);
  });

  it('rejects missing, extra and mis-shaped tensors, naming them', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['missing tensor', tampered((t) => t.splice(t.findIndex((x) => x.name === 'layers.1.ffn_norm'), 1)), /missing tensors: layers\.1\.ffn_norm \(config:/],
      ['missing moment', tampered((t) => t.splice(t.findIndex((x) => x.name === 'optimizer.v.norm'), 1)), /missing tensors: optimizer\.v\.norm/],
      ['extra tensor', tampered((t) => t.push({ name: 'layers.2.attention.wq', shape: [1], data: new Float32Array(1) })), /unexpected tensors: layers\.2\.attention\.wq/],
      ['wrong shape', tampered((t) => { const i = t.findIndex((x) => x.name === 'layers.0.attention.wk'); t[i] = { ...t[i], shape: [8, 4] }; }), /wrong shapes: layers\.0\.attention\.wk is \[8, 4\], expected \[4, 8\]/],
      ['config says tied', tampered((_, md) => { md['tract.config'] = JSON.stringify({ ...config, tied: true }); }), /unexpected tensors: output/],
      ['invalid config', tampered((_, md) => { md['tract.config'] = JSON.stringify({ ...config, nKvHeads: 0 }); }), /tract\.config is invalid: model config: nKvHeads must be a positive integer/],
      ['config not JSON', tampered((_, md) => { md['tract.config'] = '{dim: 8'; }), /metadata tract\.config is not valid JSON/],
      ['no config', tampered((_, md) => { delete md['tract.config']; }), /no tract\.config in the metadata/],
      ['no version', tampered((_, md) => { delete md['tract.format_version']; }), /no tract\.format_version in the metadata: not a tract checkpoint/],
      ['future version', tampered((_, md) => { md['tract.format_version'] = '2'; }), /format version "2" is not supported/],
      ['training not JSON', tampered((_, md) => { md['tract.training'] = 'step 3'; }), /metadata tract\.training is not valid JSON/],
      ['truncated file', saveCheckpoint({ config, params }).slice(0, 2000), /safetensors: .*out of range/],
    ];
    for (const [what, bytes, msg] of cases) expect(() => loadCheckpoint(bytes), what).toThrow(msg);
  });

  it('tells llama2.c files from safetensors', () => {
    const tiny = { ...config, rope: 'interleaved' as const };
    expect(detectModelFormat(writeLlama2c(tiny, params))).toBe('llama2c');
  });
});
