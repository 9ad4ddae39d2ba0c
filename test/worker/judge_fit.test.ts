// The app's Playground fits prompts with the CoT room the loaded judge was trained with, on either
// backend: the room comes from the checkpoint's tract.training (the ready judge's, written by
// scripts/ready-judge.ts), else from the run it comes from (report or config); judgeOptions hands it
// to the GPU Judge and to onnxruntime-web's OrtJudge alike, so the prompt sampled from is the
// prompt training used. The GPU side runs on a recording generator (no GPU); the ORT side runs a
// tiny model on ORT's WebAssembly backend.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  encodePrompt,
  generateRubricLab,
  prepareJudgeSequences,
  scoreSuffixTokens,
  trainRubricLabTokenizer,
  type JudgeExample,
  type Tokenizer,
} from '../../src/data/index.ts';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import type { GenerateOptions, Generation, SequenceGenerator } from '../../src/infer/generate.ts';
import { Judge } from '../../src/infer/judge.ts';
import { configureOrt, OrtGenerator } from '../../src/interop/ort.ts';
import { OrtJudge } from '../../src/interop/ort_judge.ts';
import { buildLayout, initParams, makeConfig, saveCheckpoint } from '../../src/model/index.ts';
import { OrtJudgeSession } from '../../src/worker/fallback.ts';
import { DEFAULT_COT_ROOM, dataViewFit, withRunFit } from '../../src/worker/judge_fit.ts';
import { modelFromFiles } from '../../src/worker/models.ts';
import { judgeOptions, judgeStreaming, playgroundCotSettings } from '../../src/worker/playground.ts';
import type { JudgeRequest } from '../../src/worker/protocol.ts';

const lab = generateRubricLab({ seed: 7, train: 60, dev: 0, test: 4 });
const tok = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
const config = makeConfig({ dim: 16, nLayers: 1, nHeads: 2, vocabSize: tok.vocabSize, seqLen: 160 });
const params = initParams(buildLayout(config), 3);
const room = 16;
const judgeFile = (training: unknown, name = 'judge.safetensors') => modelFromFiles([{ name, bytes: saveCheckpoint({ config, params, tokenizer: tok.describe(), training }) }]);
const trainedJudge = () => judgeFile({ stage: 'tract', step: 30, promptFit: { seqLen: 160, maxCotTokens: room, evalCotTokens: 12 } });

/** A long response: the prompt must be cut, so the room decides the prompt. */
const ex: JudgeExample = { ...lab.test[0], response: `${lab.test[0].response} ${'and some more words '.repeat(20)}`.trim() };
const fields = { instruction: ex.instruction, response: ex.response, referenceAnswer: ex.referenceAnswer, rubric: ex.rubric };
const request = (maxCotTokens: number): JudgeRequest => ({ requestId: 1, fields, nCot: 1, greedy: true, seed: 0, maxCotTokens, renormalize: false });
/** The prompt ids a model trained with this room learnt from (training's own sequences). */
const trainingPrompt = (cotRoom: number) => {
  const s = prepareJudgeSequences([ex], { tokenizer: tok, template: 'compact', seqLen: config.seqLen, maxCotTokens: cotRoom }).sequences[0];
  return Array.from(s.ids.slice(0, s.targetStart));
};

describe('the trained prompt fit of a loaded model', () => {
  it("comes from the checkpoint's record; a stage-0 model has none and says why", () => {
    expect(trainedJudge().summary.promptFit).toEqual({ seqLen: 160, maxCotTokens: room, evalCotTokens: 12, source: 'tract.training in judge.safetensors' });
    const seed = judgeFile({ stage: 'seed', step: 10 });
    expect(seed.summary.promptFit).toBeUndefined();
    expect(seed.summary.promptFitMissing).toMatch(/trained on plain text \(stage 0\)/);
    expect(withRunFit(seed, { config: DEFAULT_CONFIG, where: 'r' }).summary.promptFit).toBeUndefined();
  });

  it("else from its run: the report's data.promptFit, else the run's config; another model's report is not used", () => {
    const report = { config: DEFAULT_CONFIG, modelConfig: config, data: { promptFit: { seqLen: 160, maxCotTokens: 20, budget: 1 } } };
    expect(withRunFit(judgeFile({ stage: 'tract' }), { report, where: "the shipped run's judge/report.json" }).summary.promptFit).toEqual({
      seqLen: 160,
      maxCotTokens: 20,
      evalCotTokens: DEFAULT_CONFIG.eval.maxCotTokens,
      source: "the shipped run's judge/report.json (data.promptFit)",
    });
    const cfg = { ...DEFAULT_CONFIG, selfCot: { ...DEFAULT_CONFIG.selfCot, maxTokens: 24 }, eval: { ...DEFAULT_CONFIG.eval, maxCotTokens: 12 } };
    const other = { ...report, modelConfig: { ...config, dim: 64 } };
    expect(withRunFit(judgeFile({ stage: 'tract' }), { report: other, config: cfg, where: 'the run "r"' }).summary.promptFit).toEqual({ seqLen: 160, maxCotTokens: 24, evalCotTokens: 12, source: 'the run "r"' });
    // Its own record wins.
    expect(withRunFit(trainedJudge(), { report, where: 'x' }).summary.promptFit?.maxCotTokens).toBe(room);
  });
});

describe('the Playground judges with the trained room', () => {
  it('judgeOptions gives the prompt the trained room whatever CoT length is asked (up to it), and says when more is asked', () => {
    const m = trainedJudge();
    expect(judgeOptions(m, request(8))).toMatchObject({ maxCotTokens: 8, promptCotTokens: room });
    const over = playgroundCotSettings(m, request(24));
    expect(over).toMatchObject({ maxCotTokens: 24, promptCotTokens: 24, asTrained: false });
    expect(over.warnings[0]).toMatch(/max CoT tokens 24 is more than the 16 CoT tokens this judge was trained to leave room for/);
    // No record: the room follows the CoT length, as before.
    const bare = judgeFile({ stage: 'tract' });
    expect(judgeOptions(bare, request(8))).toMatchObject({ maxCotTokens: 8, promptCotTokens: 8 });
    expect(playgroundCotSettings(bare, request(8)).note).toMatch(/no record of the CoT room/);
  });

  it("the GPU judge samples from training's prompt ids", async () => {
    const m = trainedJudge();
    const gen = new RecordingGenerator(config.seqLen, tok);
    await judgeStreaming(new Judge(gen, tok), { ...ex, id: 'playground' }, m, request(8), () => {});
    expect(trainingPrompt(room)).not.toEqual(trainingPrompt(8)); // the room decides this prompt's cut
    expect(gen.sampled).toEqual([trainingPrompt(room)]);
  });

  describe('on onnxruntime-web (no WebGPU)', () => {
    beforeAll(async () => {
      await configureOrt({ numThreads: 1 });
    });
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it("the ORT judge gets the trained room and samples from training's prompt ids", async () => {
      const cotRail = vi.spyOn(OrtJudge.prototype, 'cotRail');
      const generate = vi.spyOn(OrtGenerator.prototype, 'generate');
      const session = new OrtJudgeSession();
      const m = trainedJudge();
      const { judgement } = await session.judge(m, request(4), () => {});
      session.release();
      expect(judgement.samples).toHaveLength(1);
      expect(cotRail.mock.calls[0][1]).toMatchObject({ maxCotTokens: 4, promptCotTokens: room });
      expect(generate.mock.calls[0][0]).toEqual([trainingPrompt(room)]);
    });
  });
});

describe('the Data view shows prompts under the model’s rule', () => {
  it('its context and trained room, else the default run’s room; either overridable', () => {
    expect(dataViewFit(trainedJudge())).toMatchObject({ seqLen: 160, maxCotTokens: room });
    expect(dataViewFit(trainedJudge()).source).toMatch(/the CoT room it was trained with \(tract\.training in judge\.safetensors\)/);
    const bare = dataViewFit(judgeFile({ stage: 'seed' }, 'seed.safetensors'));
    expect(DEFAULT_COT_ROOM).toBe(Math.max(DEFAULT_CONFIG.selfCot.maxTokens, DEFAULT_CONFIG.eval.maxCotTokens));
    expect(bare).toMatchObject({ seqLen: 160, maxCotTokens: DEFAULT_COT_ROOM });
    expect(bare.source).toMatch(/the default run's CoT room \(seed\.safetensors records none: it was trained on plain text/);
    expect(dataViewFit(trainedJudge(), { seqLen: 128, maxCotTokens: 40 })).toMatchObject({ seqLen: 128, maxCotTokens: 40, source: 'context 128 as asked, CoT room as asked' });
  });
});

/** A SequenceGenerator that records the prompts it samples from and writes a fixed text (no GPU). */
class RecordingGenerator implements SequenceGenerator {
  readonly maxBatch = 8;
  readonly Tmax: number;
  readonly sampled: number[][] = [];
  private readonly V: number;
  private readonly reply: number[];

  constructor(Tmax: number, t: Tokenizer) {
    this.Tmax = Tmax;
    this.V = t.vocabSize;
    this.reply = t.encode(' The response gives 25.');
  }

  async lastLogits(prompts: number[][]): Promise<Float32Array[]> {
    for (const p of prompts) expect(p.length).toBeLessThanOrEqual(this.Tmax);
    return prompts.map(() => new Float32Array(this.V));
  }

  async generate(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    for (const p of prompts) {
      expect(p.length + o.maxNewTokens).toBeLessThanOrEqual(this.Tmax);
      this.sampled.push([...p]);
    }
    const tokens = prompts.map(() => this.reply.slice(0, o.maxNewTokens));
    tokens.forEach((ts, b) => ts.forEach((id) => o.onToken?.(b, id)));
    return { tokens, finish: prompts.map(() => 'length' as const) };
  }
}

// Keep the fixture honest: the long example's prompt is longer than the budget for either room.
it('fixture: the example prompt exceeds the budget', () => {
  expect(encodePrompt(ex, tok, 'compact').length).toBeGreaterThan(config.seqLen + 1 - (room + scoreSuffixTokens(tok) + 2));
});
