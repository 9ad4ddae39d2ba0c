// Issue 16, item 1: corrupt weights are refused at load by every reader, naming the tensor: NaN/±Inf
// in F32, F16 (an overflowed export) or BF16 safetensors, our checkpoints (parameters and Adam
// moments), Hugging Face folders and llama2.c files, and magnitudes no trained weight has (a flipped
// high exponent bit). Also: the format sniffing sends absurd safetensors headers to the safetensors
// reader, and `tract judge` refuses to print a non-finite ŷ.
import { describe, expect, it } from 'vitest';
import { checkJudgement } from '../../src/cli/judge.ts';
import { detectModelFormat, loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { makeConfig } from '../../src/model/config.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { readLlama2c, writeLlama2c } from '../../src/model/llama2c.ts';
import { readSafetensors, writeSafetensors, type FloatDtype } from '../../src/model/safetensors.ts';
import { findBadWeight, MAX_ABS_WEIGHT } from '../../src/model/weightCheck.ts';
import { hfFilesFromList, importHfModel } from '../../src/interop/hf_import.ts';
import { handMadeHf, hfFiles } from '../interop/fixtures.ts';
import { normals } from '../helpers/random.ts';

const config = makeConfig({ dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 2, vocabSize: 11, seqLen: 16 });
const layout = buildLayout(config);
const params = () => {
  const p = new Float32Array(layout.size);
  for (const t of layout.tensors) p.set(normals(t.size, 7 + t.offset, 0.2), t.offset);
  return p;
};
const offsetOf = (name: string) => layout.byName.get(name)!.offset;

describe('findBadWeight', () => {
  it('finds NaN, ±Inf and implausible magnitudes, and accepts the largest plausible weight', () => {
    expect(findBadWeight(Float32Array.from([0, 1, -MAX_ABS_WEIGHT, MAX_ABS_WEIGHT]), MAX_ABS_WEIGHT)).toBeNull();
    expect(findBadWeight(Float32Array.from([0, NaN]))).toEqual({ index: 1, value: NaN, kind: 'non-finite' });
    expect(findBadWeight(Float32Array.from([-Infinity]))?.kind).toBe('non-finite');
    expect(findBadWeight(Float32Array.from([1, 2e30]), MAX_ABS_WEIGHT)).toEqual({ index: 1, value: Float32Array.from([2e30])[0], kind: 'implausible' });
    expect(findBadWeight(Float32Array.from([1, 2e30]))).toBeNull();
  });
});

describe('our checkpoints refuse corrupt weights', () => {
  const cases: [string, FloatDtype, number, RegExp][] = [
    ['NaN in F32', 'F32', NaN, /tensor 'layers\.1\.attention\.wk' holds a non-finite value \(NaN\) at element 3/],
    ['+Inf in F32', 'F32', Infinity, /tensor 'layers\.1\.attention\.wk' holds a non-finite value \(Infinity\)/],
    // 1e5 overflows F16 to +Inf when written: an export of a model with such a weight.
    ['F16 overflow to Inf', 'F16', 1e5, /tensor 'layers\.1\.attention\.wk' holds a non-finite value \(Infinity\)/],
    ['NaN in BF16', 'BF16', NaN, /non-finite value \(NaN\)/],
    ['a flipped exponent bit (1e30)', 'F32', 1e30, /tensor 'layers\.1\.attention\.wk' holds 1\.000000015\d*e\+30 at element 3, beyond the plausible/],
  ];
  for (const [what, dtype, value, msg] of cases) {
    it(what, () => {
      const p = params();
      expect(() => loadCheckpoint(saveCheckpoint({ config, params: p }, { dtype }))).not.toThrow();
      p[offsetOf('layers.1.attention.wk') + 3] = value;
      expect(() => loadCheckpoint(saveCheckpoint({ config, params: p }, { dtype }))).toThrow(msg);
    });
  }
  it('a NaN Adam moment', () => {
    const m = new Float32Array(layout.size);
    const v = new Float32Array(layout.size);
    v[offsetOf('norm')] = NaN;
    expect(() => loadCheckpoint(saveCheckpoint({ config, params: params(), optimizer: { m, v } }))).toThrow(/tensor 'optimizer\.v\.norm' holds a non-finite value/);
  });
  it('readSafetensors refuses NaN and names the tensor', () => {
    const f = writeSafetensors([{ name: 'a', shape: [2], data: Float32Array.from([1, 2]) }, { name: 'b', shape: [2], data: Float32Array.from([1, NaN]) }]);
    expect(() => readSafetensors(f)).toThrow(/safetensors: tensor 'b' holds a non-finite value \(NaN\) at element 1/);
  });
});

describe('llama2.c files refuse implausible weights', () => {
  it('1e30 in wq', () => {
    const c = { ...config, rope: 'interleaved' as const };
    const p = params();
    const bytes = writeLlama2c(c, p);
    expect(() => readLlama2c(bytes)).not.toThrow();
    p[offsetOf('layers.0.attention.wq') + 5] = -1e30;
    expect(() => readLlama2c(writeLlama2c(c, p))).toThrow(/llama2\.c checkpoint: tensor 'layers\.0\.attention\.wq' holds -1\.0000000\d*e\+30 at element 5, beyond the plausible/);
  });
});

describe('Hugging Face folders refuse corrupt weights', () => {
  const shape = { dim: 8, hidden: 12, layers: 1, heads: 2, kvHeads: 2, vocab: 40, seqLen: 16, tied: true, theta: 10000, eps: 1e-6, seed: 3 };
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`NaN in ${dtype} weights, naming file and tensor`, async () => {
      const m = handMadeHf({ ...shape, dtype });
      await expect(importHfModel(hfFilesFromList(hfFiles(m, { dtype })))).resolves.toBeDefined();
      m.tensors.get('model.layers.0.mlp.up_proj.weight')!.data[4] = NaN;
      await expect(importHfModel(hfFilesFromList(hfFiles(m, { dtype })))).rejects.toThrow(/model\.safetensors: tensor 'model\.layers\.0\.mlp\.up_proj\.weight' holds a non-finite value \(NaN\) at element 4/);
    });
  }
  it('an implausible F32 weight', async () => {
    const m = handMadeHf({ ...shape, dtype: 'F32' });
    m.tensors.get('model.norm.weight')!.data[0] = 3e38;
    await expect(importHfModel(hfFilesFromList(hfFiles(m, { dtype: 'F32' })))).rejects.toThrow(/tensor 'model\.norm\.weight' holds .* beyond the plausible/);
  });
});

describe('format sniffing', () => {
  const header = (n: number, text: string) => {
    const json = new TextEncoder().encode(text);
    const out = new Uint8Array(8 + json.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, n % 2 ** 32, true);
    dv.setUint32(4, Math.floor(n / 2 ** 32), true);
    out.set(json, 8);
    return out;
  };
  it('a header length of 2^53 or a JSON-array header goes to the safetensors reader', () => {
    const huge = header(2 ** 53, '{"a":1}');
    expect(detectModelFormat(huge)).toBe('safetensors');
    expect(() => loadCheckpoint(huge)).toThrow(/header length 9007199254740992 exceeds the limit/);
    const arr = header(8, '[1,2,3] ');
    expect(detectModelFormat(arr)).toBe('safetensors');
    expect(() => loadCheckpoint(arr)).toThrow(/header does not start with '\{'/);
    expect(detectModelFormat(writeLlama2c({ ...config, rope: 'interleaved' }, params()))).toBe('llama2c');
  });
});

describe('tract judge read-out check', () => {
  const j = (yhat: number, mass: number) => ({ yhat, mass, probs: [mass / 5, mass / 5, mass / 5, mass / 5, mass / 5], samples: [{ yhat, mass }] });
  it('refuses a non-finite ŷ and says why', () => {
    expect(checkJudgement(j(NaN, NaN), false).error).toMatch(/non-finite score \(ŷ NaN.*logits are not finite/);
    expect(checkJudgement(j(3, Infinity), false).error).toMatch(/non-finite/);
  });
  it('warns when ŷ is off the 1..5 scale or the captured mass is small', () => {
    expect(checkJudgement(j(3, 0.9), false)).toEqual({ warnings: [] });
    expect(checkJudgement(j(0, 0), false).warnings[0]).toMatch(/ŷ 0\.000 is off the 1\.\.5 scale: the score tokens hold only 0\.0% .*--renormalize/);
    expect(checkJudgement(j(2, 0.3), false).warnings[0]).toMatch(/only 30\.0% of the probability/);
  });
});

describe('deeply nested JSON in a safetensors header or checkpoint metadata', () => {
  it('is refused by name, not with a stack overflow', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = new TextEncoder().encode(`{"a": ${deep}}`);
    const file = new Uint8Array(8 + text.length);
    new DataView(file.buffer).setUint32(0, text.length, true);
    file.set(text, 8);
    expect(() => readSafetensors(file)).toThrow(/safetensors: header JSON is nested 100001 levels deep/);
    const p = new Float32Array(layout.size);
    const ck = saveCheckpoint({ config, params: p });
    const f = readSafetensors(ck);
    const bytes = writeSafetensors([...f.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), { ...f.metadata, 'tract.training': deep });
    expect(() => loadCheckpoint(bytes)).toThrow(/checkpoint: metadata tract\.training is nested 100000 levels deep/);
  });
});
