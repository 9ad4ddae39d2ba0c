// ONNX export and onnxruntime-web (wasm, in Node) as an independent check of our WGSL engine: the
// logits of stories260K and of a judge trained here agree between ORT and the GPU; the KV-cache
// graph decodes token by token to the full graph's logits; the ORT judge (OrtJudge) gives the GPU
// Judge's greedy CoT and RAIL read-out; the graph uses only standard ops at opset 17.
import { beforeAll, describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { encodePromptWithin, readoutIds } from '../../src/data/index.ts';
import { Generator } from '../../src/infer/generate.ts';
import { Judge } from '../../src/infer/judge.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { DeviceModel } from '../../src/model/device_model.ts';
import { exportOnnx, ONNX_OPSET } from '../../src/interop/onnx_export.ts';
import { configureOrt, OrtGenerator, OrtLlama } from '../../src/interop/ort.ts';
import { OrtJudge } from '../../src/interop/ort_judge.ts';
import { expectClose, maxAbs } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { llama2cOutput, loadStories, storiesTokenizer } from '../helpers/stories.ts';
import { gpuLogits, trainTinyJudge } from './fixtures.ts';

/** ORT vs our engine, whole forward: f32 in both, different summation orders. */
const MODEL_TOL = { atol: 1e-3, rtol: 1e-3 };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await configureOrt({ numThreads: 1 });
});

describe('ONNX export (stories260K)', () => {
  const stories = loadStories();
  const tok = storiesTokenizer();
  const ids = tok.encode('Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her red ball.', { bos: true });

  it('uses standard ops only, opset 17, weights as initializers', () => {
    const bytes = exportOnnx({ config: stories.config, params: stories.params }, { variant: 'kv' });
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    const ops = new Set(m.graph!.node!.map((n) => n.opType));
    const allowed = ['Gather', 'Reshape', 'Shape', 'Add', 'Squeeze', 'Unsqueeze', 'Slice', 'Range', 'Greater', 'Where', 'Concat', 'Mul', 'ReduceMean', 'Sqrt', 'Div', 'Gemm', 'Transpose', 'Neg', 'Expand', 'MatMul', 'Softmax', 'Sigmoid', 'Identity'];
    expect([...ops].filter((o) => !allowed.includes(o ?? ''))).toEqual([]);
    expect(m.graph!.node!.every((n) => !n.domain)).toBe(true);
    const init = m.graph!.initializer!.map((t) => t.name);
    expect(init).toContain('model.layers.4.self_attn.q_proj.weight');
    expect(init).not.toContain('lm_head.weight'); // tied: the head is the embedding
  });

  it(`ORT (wasm) logits = our WGSL engine's, both graphs; the KV graph decodes token by token to the same`, async () => {
    const gpu = await testGpu();
    const ours = await gpuLogits(gpu, stories.config, stories.params, ids);
    const V = stories.config.vocabSize;
    for (const variant of ['logits', 'kv'] as const) {
      const ort = await OrtLlama.create(exportOnnx({ config: stories.config, params: stories.params }, { variant }), { executionProviders: ['wasm'] });
      const theirs = await ort.logits([ids]);
      expectClose(theirs, ours, MODEL_TOL, `stories260K ${variant}: ORT vs WGSL`);
      console.log(`stories260K (${ids.length} tokens, ${variant} graph): max |ORT − WGSL| logit = ${maxDiff(theirs, ours).toExponential(2)} (logits up to ${maxAbs(ours).toFixed(1)})`);
      if (variant === 'kv') {
        let r = await ort.run([ids.slice(0, 9)]);
        const rows: number[] = Array.from(r.logits);
        for (let t = 9; t < ids.length; t++) {
          r = await ort.run([[ids[t]]], r.cache);
          rows.push(...r.logits);
        }
        expect(r.cache!.length).toBe(ids.length);
        expectClose(rows, ours, MODEL_TOL, 'KV decode vs WGSL');
        expectClose(rows.slice(9 * V), Array.from(theirs).slice(9 * V), { atol: 1e-4, rtol: 1e-4 }, 'KV decode vs full graph');
      }
      await ort.release();
    }
  });

  it('greedy generation on ORT continues the story as llama2.c does', async () => {
    const ort = await OrtLlama.create(exportOnnx({ config: stories.config, params: stories.params }, { variant: 'kv' }), { executionProviders: ['wasm'] });
    const gen = new OrtGenerator(ort, 2);
    const r = await gen.generate([[1]], { maxNewTokens: 60, temperature: 0 });
    const text = tok.decode([1, ...r.tokens[0]]);
    expect(text.length).toBeGreaterThan(150);
    expect(llama2cOutput().startsWith(text), text).toBe(true);
    await ort.release();
  });

  it('refuses an ONNX model that tract did not export', async () => {
    const bytes = exportOnnx({ config: stories.config, params: stories.params });
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    m.metadataProps = [];
    m.producerName = 'someone-else';
    await expect(OrtLlama.create(onnxProto.onnx.ModelProto.encode(m).finish())).rejects.toThrow(/no tract\.config metadata: it was not exported by tract \(producer 'someone-else'\)/);
  });
});

describe('a small judge trained here: ORT vs WGSL, and the ORT judge vs the GPU judge', () => {
  let judge: Awaited<ReturnType<typeof trainTinyJudge>>;
  beforeAll(async () => {
    judge = await trainTinyJudge(await testGpu());
  });

  it('the weights moved in training, and ORT gives the WGSL engine\'s logits on a judge prompt', async () => {
    expect(judge.moved).toBeGreaterThan(0.02);
    const gpu = await testGpu();
    const ex = judge.lab.test[0];
    const prompt = encodePromptWithin(ex, judge.tokenizer, 'compact', 150)!.ids;
    const ids = Array.from(readoutIds(prompt, 'The answer is off by 2.', judge.tokenizer).ids);
    const ours = await gpuLogits(gpu, judge.config, judge.params, ids);
    const ort = await OrtLlama.create(exportOnnx({ config: judge.config, params: judge.params }, { variant: 'logits' }), { executionProviders: ['wasm'] });
    const theirs = await ort.logits([ids]);
    expectClose(theirs, ours, MODEL_TOL, 'trained judge: ORT vs WGSL');
    console.log(`trained judge (${ids.length} tokens): max |ORT − WGSL| logit = ${maxDiff(theirs, ours).toExponential(2)} (logits up to ${maxAbs(ours).toFixed(1)})`);
    await ort.release();
  });

  it('OrtJudge (from the checkpoint bytes) gives the GPU Judge\'s greedy CoTs, probabilities and ŷ', async () => {
    const gpu = await testGpu();
    const examples = judge.lab.test.slice(0, 3);
    const opts = { template: 'compact' as const, nCot: 2, maxCotTokens: 24, seed: 3, sampling: { temperature: 0 } };
    const model = new DeviceModel(gpu, judge.config);
    model.upload(judge.params);
    const gen = new Generator(model, 4, judge.config.seqLen);
    const want = await new Judge(gen, judge.tokenizer).cotRail(examples, opts);
    gen.destroy();
    model.destroy();
    const bytes = saveCheckpoint({ config: judge.config, params: judge.params, tokenizer: judge.tokenizer.describe() });
    const ort = await OrtJudge.fromCheckpoint(bytes, { executionProviders: ['wasm'] });
    expect(ort.executionProvider).toBe('wasm');
    expect(ort.model.variant).toBe('kv');
    const got = await ort.cotRail(examples, opts);
    await ort.release();
    for (let i = 0; i < examples.length; i++) {
      expect(got[i].cots).toEqual(want[i].cots);
      expectClose(got[i].probs, want[i].probs, { atol: 1e-4, rtol: 1e-3 }, `example ${i} probabilities`);
      expect(Math.abs(got[i].yhat - want[i].yhat)).toBeLessThan(1e-3);
      expect(got[i].decoded).toBe(want[i].decoded);
    }
    // Sampled CoTs: the same seed draws the same tokens from (nearly) the same distributions.
    const sampled = { ...opts, sampling: { temperature: 1, topP: 0.9 } };
    const ortFull = await OrtJudge.fromCheckpoint(bytes, { executionProviders: ['wasm'], variant: 'logits' });
    const s = await ortFull.cotRail(examples.slice(0, 1), sampled);
    await ortFull.release();
    expect(s[0].cots).toHaveLength(2);
    expect(s[0].yhat).toBeGreaterThanOrEqual(0);
    expect(s[0].yhat).toBeLessThanOrEqual(5);
  });
});
