// onnxruntime-web in headless Chromium (the judge bench page, served by Vite): the app's fallback
// API (OrtJudge from checkpoint bytes) judges an example with the wasm and the webgpu execution
// providers exactly as OrtJudge does in Node, and one forced-length judgment gives the same CoT
// tokens and ŷ on our WGSL engine and on ORT in the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRubricLab } from '../../src/data/index.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { makeConfig } from '../../src/model/config.ts';
import { configureOrt } from '../../src/interop/ort.ts';
import { OrtJudge } from '../../src/interop/ort_judge.ts';
import { openBenchSession, type BenchSession } from '../../src/cli/bench/browser_bench.ts';
import { JUDGE_PAGE } from '../../src/cli/bench/judge.ts';
import type { JudgeBenchArgs, JudgeBenchResult } from '../../src/cli/bench/pages/judge_types.ts';
import type { Judgement } from '../../src/infer/judge.ts';
import { randomParams, tinyBpe } from './fixtures.ts';

describe('onnxruntime-web in headless Chromium', () => {
  const tok = tinyBpe();
  const config = makeConfig({ dim: 32, hiddenDim: 48, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tok.vocabSize, seqLen: 160 });
  const bytes = saveCheckpoint({ config, params: randomParams(config, 31), tokenizer: tok.describe() });
  const checkpoint = Buffer.from(bytes).toString('base64');
  const example = generateRubricLab({ seed: 4, train: 1, dev: 1, test: 1 }).test[0];
  let session: BenchSession;

  beforeAll(async () => {
    session = await openBenchSession({ pagePath: JUDGE_PAGE });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('OrtJudge in the page (wasm and webgpu providers) = OrtJudge in Node', async () => {
    await configureOrt({ numThreads: 1 });
    const node = await OrtJudge.fromCheckpoint(bytes, { executionProviders: ['wasm'] });
    const [want] = await node.cotRail([example], { template: 'compact', maxCotTokens: 12, sampling: { temperature: 0 } });
    await node.release();
    for (const ep of ['wasm', 'webgpu'] as const) {
      const r = await session.call<{ judgement: Judgement; executionProvider: string }>('ortJudge', { checkpoint, example, executionProvider: ep, maxCotTokens: 12 }, 180_000);
      expect(r.executionProvider).toBe(ep);
      expect(r.judgement.cots, ep).toEqual(want.cots);
      expect(Math.abs(r.judgement.yhat - want.yhat), ep).toBeLessThan(1e-3);
      r.judgement.probs.forEach((p, k) => expect(Math.abs(p - want.probs[k]), `${ep} p${k + 1}`).toBeLessThan(1e-4));
    }
  });

  it('one judgment: the same CoT tokens and ŷ on our WGSL engine and on ORT', async () => {
    const prompt = tok.encode('Task: What is 2 + 2?\nResponse: 5\nFeedback:', { bos: true });
    const args: JudgeBenchArgs = { checkpoint, prompt, cotTokens: 10, suffix: tok.encode(' So the overall score is '), scoreIds: tok.scoreTokenIds(), reps: 1 };
    const ours = await session.call<JudgeBenchResult>('ours', args, 180_000);
    const ort = await session.call<JudgeBenchResult>('ort', { ...args, executionProvider: 'wasm' }, 180_000);
    expect(ours.adapter).toMatch(/\[browser\]/);
    expect(ort.cot).toEqual(ours.cot);
    expect(ort.cot).toHaveLength(10);
    expect(Math.abs(ort.yhat - ours.yhat)).toBeLessThan(1e-4);
  });
});
