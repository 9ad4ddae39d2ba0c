// A judge's trained prompt fit travels with its exports, so a judge loaded from them still sees the
// prompts it was trained on: ONNX metadata tract.prompt_fit (OrtJudge fits prompts with that room
// unless told otherwise), and a Hugging Face folder's tract_judge.json prompt_fit (read by
// `tract judge` and the app). `tract export` records the fit of the checkpoint's run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findTrainedFit } from '../../src/cli/trained_fit.ts';
import { generateRubricLab, prepareJudgeSequences, promptBudget, trainRubricLabTokenizer, type JudgeExample, type PromptFit } from '../../src/data/index.ts';
import { exportHf } from '../../src/interop/hf_export.ts';
import { exportOnnx } from '../../src/interop/onnx_export.ts';
import { configureOrt, OrtGenerator, OrtLlama } from '../../src/interop/ort.ts';
import { OrtJudge } from '../../src/interop/ort_judge.ts';
import { buildLayout, initParams, makeConfig, saveCheckpoint } from '../../src/model/index.ts';
import { hfModelFromFiles } from '../../src/worker/models.ts';
import { tract } from '../helpers/cli.ts';

const lab = generateRubricLab({ seed: 9, train: 60, dev: 0, test: 4 });
const tok = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
const config = makeConfig({ dim: 16, nLayers: 1, nHeads: 2, vocabSize: tok.vocabSize, seqLen: 160 });
const params = initParams(buildLayout(config), 5);
const fit = { seqLen: 160, maxCotTokens: 16, evalCotTokens: 12 };
const ex: JudgeExample = { ...lab.test[0], response: `${lab.test[0].response} ${'and some more words '.repeat(20)}`.trim() };
const trainingPrompt = (room: number) => {
  const s = prepareJudgeSequences([ex], { tokenizer: tok, template: 'compact', seqLen: config.seqLen, maxCotTokens: room }).sequences[0];
  return Array.from(s.ids.slice(0, s.targetStart));
};

describe('ONNX: tract.prompt_fit', () => {
  beforeAll(async () => {
    await configureOrt({ numThreads: 1 });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is written by the export, read by OrtLlama, and absent when not given', async () => {
    const withFit = await OrtLlama.create(exportOnnx({ config, params, tokenizer: tok.describe(), promptFit: fit }, { variant: 'kv' }), { executionProviders: ['wasm'] });
    expect(withFit.promptFit).toEqual(fit);
    await withFit.release();
    const without = await OrtLlama.create(exportOnnx({ config, params, tokenizer: tok.describe() }, { variant: 'kv' }), { executionProviders: ['wasm'] });
    expect(without.promptFit).toBeUndefined();
    await without.release();
  });

  it("OrtJudge from a checkpoint that records its fit samples from training's prompt ids by default", async () => {
    const bytes = saveCheckpoint({ config, params, tokenizer: tok.describe(), training: { stage: 'tract', promptFit: fit } });
    const judge = await OrtJudge.fromCheckpoint(bytes, { executionProviders: ['wasm'] });
    expect(judge.trainedFit).toMatchObject({ seqLen: 160, maxCotTokens: 16 });
    const generate = vi.spyOn(OrtGenerator.prototype, 'generate');
    await judge.cotRail([ex], { template: 'compact', maxCotTokens: 4, sampling: { temperature: 0 } });
    expect(trainingPrompt(16)).not.toEqual(trainingPrompt(4));
    expect(generate.mock.calls[0][0]).toEqual([trainingPrompt(16)]);
    // Without maxCotTokens the CoTs are the run's evaluation length; an explicit room is kept.
    generate.mockClear();
    await judge.cotRail([ex], { template: 'compact', sampling: { temperature: 0 }, promptCotTokens: 4, maxCotTokens: 4 });
    expect(generate.mock.calls[0][0]).toEqual([trainingPrompt(4)]);
    generate.mockClear();
    await judge.cotRail([ex], { template: 'compact', sampling: { temperature: 0 } });
    expect(generate.mock.calls[0][1].maxNewTokens).toBe(12);
    await judge.release();
  });
});

describe("Hugging Face: tract_judge.json's prompt_fit", () => {
  const exported = (promptFit?: PromptFit & { evalCotTokens?: number }) => exportHf({ config, params, tokenizer: tok }, promptFit ? { promptFit } : {});

  it('is written by the export and read by `tract judge` (a folder) and by the app', async () => {
    const files = exported(fit).files;
    const judgeJson = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'tract_judge.json')!.data));
    expect(judgeJson.prompt_fit).toEqual({ seq_len: 160, max_cot_tokens: 16, eval_cot_tokens: 12 });
    expect(new TextDecoder().decode(files.find((f) => f.name === 'README.md')!.data)).toMatch(/trained with prompts of at most 160 \+ 1 − \(16 \+/);

    const dir = mkdtempSync(join(tmpdir(), 'tract-hf-fit-'));
    for (const f of files) writeFileSync(join(dir, f.name), f.data);
    const found = await findTrainedFit(dir, { config });
    expect(found.fit).toMatchObject({ ...fit, source: expect.stringMatching(/tract_judge\.json$/) });

    const app = await hfModelFromFiles(files.map((f) => ({ name: f.name, bytes: f.data })), null);
    expect(app.summary.promptFit).toMatchObject(fit);
    const bare = await hfModelFromFiles(exported().files.map((f) => ({ name: f.name, bytes: f.data })), null);
    expect(bare.summary.promptFit).toBeUndefined();
  });

  it('`tract export` records the fit of the run the checkpoint comes from', () => {
    const run = mkdtempSync(join(tmpdir(), 'tract-export-fit-'));
    mkdirSync(join(run, 'seed-1'));
    writeFileSync(join(run, 'seed-1', 'tract.safetensors'), saveCheckpoint({ config, params, tokenizer: tok.describe(), training: { stage: 'tract' } }));
    const report = { config: { selfCot: { maxTokens: 16 }, eval: { maxCotTokens: 12 } }, modelConfig: config, data: { promptFit: { seqLen: 160, maxCotTokens: 16, budget: promptBudget(tok, fit) } } };
    writeFileSync(join(run, 'report.json'), JSON.stringify(report));
    const out = join(run, 'hf');
    const r = tract(['export', '--checkpoint', join(run, 'seed-1', 'tract.safetensors'), '--format', 'hf', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prompt fit: CoT room 16 in a context of 160 \(from .*report\.json \(data\.promptFit\)\), recorded in tract_judge\.json/);
    expect(existsSync(join(out, 'tract_judge.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'tract_judge.json'), 'utf8')).prompt_fit).toEqual({ seq_len: 160, max_cot_tokens: 16, eval_cot_tokens: 12 });
    expect(readdirSync(out)).toContain('model.safetensors');
  });
});
