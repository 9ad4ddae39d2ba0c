// ModelConfig validation (each error names its field), presets, and the flat parameter layout:
// offsets contiguous and aligned, decay and no-decay ranges each one contiguous block, the HF names.
import { describe, expect, it } from 'vitest';
import { llamaHiddenDim, makeConfig, parameterCount, PRESETS, validateConfig, type ModelConfig } from '../../src/model/config.ts';
import { buildLayout, fromHfName, headTensor, hfName, tensorView } from '../../src/model/layout.ts';
import { halfToInterleavedRows, interleavedToHalfRows } from '../../src/model/ropePermute.ts';
import { initParams } from '../../src/model/init.ts';

const base: ModelConfig = { dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 2, nKvHeads: 1, vocabSize: 11, seqLen: 16, ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved' };

describe('ModelConfig', () => {
  it('accepts a valid config and rejects each bad field by name', () => {
    expect(validateConfig(base)).toEqual(base);
    const bad: [Partial<Record<keyof ModelConfig, unknown>> & Record<string, unknown>, RegExp][] = [
      [{ dim: 0 }, /dim must be a positive integer, got 0/],
      [{ dim: 8.5 }, /dim must be a positive integer, got 8.5/],
      [{ hiddenDim: -1 }, /hiddenDim must be a positive integer/],
      [{ nLayers: '2' }, /nLayers must be a positive integer, got "2"/],
      [{ vocabSize: undefined }, /vocabSize must be a positive integer, got undefined/],
      [{ seqLen: NaN }, /seqLen must be a positive integer/],
      [{ nHeads: 3 }, /nHeads \(3\) must divide dim \(8\)/],
      [{ nKvHeads: 3, nHeads: 4, dim: 16 }, /nKvHeads \(3\) must divide nHeads \(4\)/],
      [{ nKvHeads: 4 }, /nKvHeads \(4\) must divide nHeads \(2\)/],
      [{ dim: 6, nHeads: 2 }, /head size 3 must be even/],
      [{ ropeTheta: 0 }, /ropeTheta must be a finite number > 0/],
      [{ normEps: Infinity }, /normEps must be a finite number > 0/],
      [{ tied: 1 }, /tied must be true or false/],
      [{ rope: 'neox' }, /rope must be 'interleaved' or 'half', got "neox"/],
      [{ dropout: 0.1 }, /dropout is not a model config field/],
    ];
    for (const [patch, msg] of bad) expect(() => validateConfig({ ...base, ...patch }), JSON.stringify(patch)).toThrow(msg);
    expect(() => validateConfig(null)).toThrow(/must be an object/);
  });

  it('hidden size rule and presets', () => {
    expect(llamaHiddenDim(64, 4)).toBe(172); // stories260K
    expect(llamaHiddenDim(256, 16)).toBe(688);
    expect(llamaHiddenDim(256, 32)).toBe(704); // llama2.c's default multiple_of
    expect(PRESETS.bench5M).toMatchObject({ dim: 256, nLayers: 6, nHeads: 8, seqLen: 256, hiddenDim: 688 });
    expect(parameterCount(PRESETS.stories260K)).toBe(260032);
    expect(parameterCount(PRESETS.tinyJudge)).toBe(2558400);
    expect(parameterCount(PRESETS.bench5M)).toBe(4877568);
    expect(makeConfig({ dim: 32, nLayers: 1, nHeads: 4, vocabSize: 7, seqLen: 8 })).toMatchObject({ nKvHeads: 4, tied: true, rope: 'interleaved', hiddenDim: 96 });
  });
});

describe('parameter layout', () => {
  for (const [label, cfg, decayEmbeddings, align] of [
    ['tied, decayed embedding', base, true, 64],
    ['untied, undecayed embedding', { ...base, tied: false }, false, 64],
    ['untied, no alignment', { ...base, tied: false, hiddenDim: 13 }, true, 1],
    ['stories260K', PRESETS.stories260K, false, 64],
  ] as const) {
    it(`offsets and decay ranges: ${label}`, () => {
      const L = buildLayout(cfg, { decayEmbeddings, align });
      expect(L.count).toBe(parameterCount(cfg));
      let end = 0;
      for (const t of L.tensors) {
        expect(t.offset % align, t.name).toBe(0);
        expect(t.offset, t.name).toBeGreaterThanOrEqual(end);
        expect(t.offset - end, `${t.name}: gap`).toBeLessThan(align);
        expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
        end = t.offset + t.size;
      }
      expect(L.size).toBe(Math.ceil(end / align) * align);
      // Decayed tensors exactly fill [0, decayEnd), the others [decayEnd, size).
      const dEnd = L.decayRange.offset + L.decayRange.size;
      expect(L.decayRange.offset).toBe(0);
      expect(L.noDecayRange).toEqual({ offset: dEnd, size: L.size - dEnd });
      for (const t of L.tensors) {
        if (t.decay) expect(t.offset + t.size, t.name).toBeLessThanOrEqual(dEnd);
        else expect(t.offset, t.name).toBeGreaterThanOrEqual(dEnd);
        expect(t.decay, t.name).toBe(t.kind === 'matrix' || (t.kind === 'embedding' && decayEmbeddings));
      }
      expect(L.tensors.filter((t) => t.kind === 'norm').length).toBe(2 * cfg.nLayers + 1);
      expect(L.byName.has('output')).toBe(!cfg.tied);
      expect(headTensor(L).name).toBe(cfg.tied ? 'tok_embeddings' : 'output');
    });
  }

  it('the embedding sits at the same offset whether decayed or not', () => {
    const a = buildLayout(base, { decayEmbeddings: true });
    const b = buildLayout(base, { decayEmbeddings: false });
    expect(a.tensors.map((t) => [t.name, t.offset])).toEqual(b.tensors.map((t) => [t.name, t.offset]));
  });

  it('shapes are [out, in] and views alias the flat buffer', () => {
    const L = buildLayout({ ...base, tied: false });
    const want: Record<string, number[]> = {
      'layers.1.attention.wq': [8, 8],
      'layers.1.attention.wk': [4, 8],
      'layers.1.attention.wv': [4, 8],
      'layers.1.attention.wo': [8, 8],
      'layers.1.feed_forward.w1': [12, 8],
      'layers.1.feed_forward.w2': [8, 12],
      'layers.1.feed_forward.w3': [12, 8],
      'layers.1.attention_norm': [8],
      'layers.1.ffn_norm': [8],
      tok_embeddings: [11, 8],
      output: [11, 8],
      norm: [8],
    };
    for (const [n, s] of Object.entries(want)) expect(L.byName.get(n)?.shape, n).toEqual(s);
    const flat = new Float32Array(L.size);
    tensorView(flat, L, 'norm')[3] = 7;
    expect(flat[L.byName.get('norm')!.offset + 3]).toBe(7);
    expect(() => tensorView(flat, L, 'layers.9.ffn_norm')).toThrow(/no tensor 'layers.9.ffn_norm'/);
  });

  it('maps every tensor to its Hugging Face name and back', () => {
    const L = buildLayout({ ...base, tied: false });
    expect(hfName('layers.1.attention.wq')).toBe('model.layers.1.self_attn.q_proj.weight');
    expect(hfName('layers.0.feed_forward.w1')).toBe('model.layers.0.mlp.gate_proj.weight');
    expect(hfName('layers.0.feed_forward.w3')).toBe('model.layers.0.mlp.up_proj.weight');
    expect(hfName('layers.0.ffn_norm')).toBe('model.layers.0.post_attention_layernorm.weight');
    expect(hfName('output')).toBe('lm_head.weight');
    for (const t of L.tensors) expect(fromHfName(hfName(t.name))).toBe(t.name);
    expect(new Set(L.tensors.map((t) => hfName(t.name))).size).toBe(L.tensors.length);
    expect(() => fromHfName('model.layers.0.self_attn.rotary_emb.inv_freq')).toThrow(/no place/);
    expect(() => hfName('constructor')).toThrow(/no Hugging Face name/);
  });

  it('RoPE row permutation matches HF permute() and inverts', () => {
    // 2 heads of size 4, 1 column: HF permute sends head rows (0,1,2,3) = pairs (0,1),(2,3) to (0,2,1,3).
    const w = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]);
    const h = interleavedToHalfRows(w, 2, 4, 1);
    expect(Array.from(h)).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
    const w2 = Float64Array.from({ length: 3 * 6 * 5 }, (_, i) => i);
    expect(Array.from(halfToInterleavedRows(interleavedToHalfRows(w2, 3, 6, 5), 3, 6, 5))).toEqual(Array.from(w2));
  });
});

describe('initParams', () => {
  it('is seeded, has llama2.c scales, leaves gaps at zero', () => {
    const L = buildLayout({ ...base, tied: false, nLayers: 8, dim: 64, nHeads: 4, nKvHeads: 2, hiddenDim: 100, vocabSize: 300 });
    const a = initParams(L, 1);
    expect(Array.from(initParams(L, 1))).toEqual(Array.from(a));
    expect(initParams(L, 2)[0]).not.toBe(a[0]);
    const sd = (name: string) => {
      const v = tensorView(a, L, name);
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    expect(sd('tok_embeddings')).toBeCloseTo(0.02, 3);
    expect(sd('layers.3.attention.wq')).toBeCloseTo(0.02, 2);
    expect(sd('layers.3.attention.wo')).toBeCloseTo(0.02 / 4, 3);
    expect(sd('layers.3.feed_forward.w3')).toBeCloseTo(0.02 / 4, 3);
    expect(Array.from(tensorView(a, L, 'layers.0.ffn_norm')).every((x) => x === 1)).toBe(true);
    let inTensors = 0;
    for (const t of L.tensors) inTensors += t.size;
    expect(a.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0)).toBe(inTensors);
  });
});
