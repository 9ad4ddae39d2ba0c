// `tract judge` fits the prompt with the CoT room the judge was trained with: read from its
// checkpoint's tract.training (scripts/ready-judge.ts writes it) or its run's report.json (beside
// the file, or one folder up from seed-N/), so a judge sees the prompt it was trained on. Asking for
// more CoT tokens than the room is said on stderr; without a record the room follows
// --max-cot-tokens as before, and stderr says which room is used. The end-to-end runs use a tiny
// random model (GPU, lavapipe on CI): only the prompt the judge got matters here, not its verdict.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeCliCotSettings } from '../../src/cli/judge.ts';
import { findTrainedFit, reportCandidates } from '../../src/cli/trained_fit.ts';
import { fitJudgePrompt, generateRubricLab, loadJudgeData, promptBudget, toTractJsonl, trainRubricLabTokenizer, type PromptFit } from '../../src/data/index.ts';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { buildLayout, initParams, loadCheckpoint, makeConfig, saveCheckpoint } from '../../src/model/index.ts';
import { tract } from '../helpers/cli.ts';
import { REPO_ROOT } from '../data/shared.ts';

const lab = generateRubricLab({ seed: 5, train: 60, dev: 0, test: 4 });
const tok = trainRubricLabTokenizer(lab.train, { vocabSize: 384 });
const config = makeConfig({ dim: 16, nLayers: 1, nHeads: 2, vocabSize: tok.vocabSize, seqLen: 160 });
const params = initParams(buildLayout(config), 1);
/** The run's rule: a small room, so that the runs below generate few tokens. */
const fit: PromptFit = { seqLen: 160, maxCotTokens: 16 };
const runConfig = { ...DEFAULT_CONFIG, selfCot: { ...DEFAULT_CONFIG.selfCot, maxTokens: 16 }, eval: { ...DEFAULT_CONFIG.eval, maxCotTokens: 12 } };
const report = { config: runConfig, modelConfig: config, data: { promptFit: { ...fit, budget: promptBudget(tok, fit) } } };

const ckpt = (training: unknown) => saveCheckpoint({ config, params, tokenizer: tok.describe(), training });

/** A run's folder as `tract run` writes it: report.json and seed-1/tract.safetensors. */
function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tract-judge-fit-'));
  mkdirSync(join(dir, 'seed-1'));
  writeFileSync(join(dir, 'seed-1', 'tract.safetensors'), ckpt({ stage: 'tract', step: 30, seed: 1 }));
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
  return dir;
}

describe('finding the CoT room a judge was trained with', () => {
  const loaded = (training: unknown) => ({ config, training });

  it("in its run's report.json, one folder up from seed-N/ or beside the file", async () => {
    const dir = runDir();
    const path = join(dir, 'seed-1', 'tract.safetensors');
    expect(reportCandidates(path)).toEqual([join(dir, 'seed-1', 'report.json'), join(dir, 'report.json')]);
    const up = await findTrainedFit(path, loaded({ stage: 'tract' }));
    expect(up.fit).toMatchObject({ ...fit, evalCotTokens: 12 });
    expect(up.fit!.source).toMatch(/report\.json \(data\.promptFit\)$/);
    // public/judge's layout: the file and report.json side by side.
    const flat = mkdtempSync(join(tmpdir(), 'tract-judge-flat-'));
    copyFileSync(path, join(flat, 'judge.safetensors'));
    copyFileSync(join(dir, 'report.json'), join(flat, 'report.json'));
    expect((await findTrainedFit(join(flat, 'judge.safetensors'), loaded({ stage: 'tract' }))).fit).toMatchObject(fit);
  });

  it("in the checkpoint's own record first; never for a stage-0 model; not from another model's report", async () => {
    const dir = runDir();
    const path = join(dir, 'seed-1', 'tract.safetensors');
    const own = await findTrainedFit(path, loaded({ stage: 'tract', promptFit: { seqLen: 160, maxCotTokens: 40 } }));
    expect(own.fit).toMatchObject({ seqLen: 160, maxCotTokens: 40, source: 'tract.training in tract.safetensors' });
    expect((await findTrainedFit(path, loaded({ stage: 'seed' }))).missing).toMatch(/stage-0 model, trained on plain text/);

    writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...report, modelConfig: { ...config, dim: 32 } }));
    const other = await findTrainedFit(path, loaded({ stage: 'tract' }));
    expect(other.fit).toBeUndefined();
    expect(other.missing).toMatch(/no promptFit in tract\.safetensors's tract\.training; .*report\.json is another model's/);
    await expect(findTrainedFit(path, loaded({ stage: 'tract' }), join(dir, 'report.json'))).rejects.toThrow(/--report .*its modelConfig is not tract\.safetensors's/);

    const alone = mkdtempSync(join(tmpdir(), 'tract-judge-alone-'));
    copyFileSync(path, join(alone, 'm.safetensors'));
    expect((await findTrainedFit(join(alone, 'm.safetensors'), loaded({ stage: 'tract' }))).missing).toBe("no promptFit in m.safetensors's tract.training; no report.json of its run beside it");
  });

  it('--prompt-cot-tokens below --max-cot-tokens is a usage error', () => {
    expect(() => judgeCliCotSettings({ seqLen: 160, maxCotTokens: 20, promptCotTokens: 10 })).toThrow(/--prompt-cot-tokens \(10\) is less than --max-cot-tokens \(20\)/);
  });
});

describe('scripts/ready-judge.ts', () => {
  it("records the run's prompt fit in the ready judge's tract.training", async () => {
    const dir = runDir();
    const out = mkdtempSync(join(tmpdir(), 'tract-ready-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'ready-judge.ts'), dir, out], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prompt fit seqLen 160, CoT room 16/);
    const c = loadCheckpoint(readFileSync(join(out, 'tract-judge.safetensors')));
    expect(c.training).toMatchObject({ stage: 'tract', step: 30, promptFit: { seqLen: 160, maxCotTokens: 16, evalCotTokens: 12 } });
    // The file alone (no report beside it) still knows its room.
    const alone = mkdtempSync(join(tmpdir(), 'tract-ready-alone-'));
    copyFileSync(join(out, 'tract-judge.safetensors'), join(alone, 'tract-judge.safetensors'));
    const found = await findTrainedFit(join(alone, 'tract-judge.safetensors'), c);
    expect(found.fit).toEqual({ ...fit, evalCotTokens: 12, source: 'tract.training in tract-judge.safetensors' });
  });
});

describe('tract judge', () => {
  // A long response, so that the prompt must be cut: the cut is what differs between rooms.
  const ex = { ...lab.test[0], response: `${lab.test[0].response} ${'and some more words '.repeat(20)}`.trim() };
  const dir = runDir();
  const input = join(dir, 'example.json');
  writeFileSync(input, toTractJsonl(ex));
  const prompt = async (room: number) => {
    const loadedEx = (await loadJudgeData(readFileSync(input, 'utf8'))).examples[0];
    return fitJudgePrompt(loadedEx, tok, 'compact', { seqLen: config.seqLen, maxCotTokens: room })!;
  };
  const judge = (ckptPath: string, ...flags: string[]) => {
    const r = tract(['judge', '--checkpoint', ckptPath, '--input', input, '--greedy', '--json', ...flags]);
    expect(r.status, r.stderr).toBe(0);
    // Dawn's own notices about adapter limits are not ours.
    const lines = r.stderr.split('\n').filter((l) => !/^Warning: max\w+ artificially reduced/.test(l));
    // The read-out's own warnings (issue 16: a prompt cut to fit, ŷ off the scale) are checked apart.
    const readout = /^warning: (the prompt was cut|ŷ|the score tokens hold)/;
    const stderr = lines.filter((l) => !readout.test(l)).join('\n');
    const out = JSON.parse(r.stdout);
    expect(lines.filter((l) => readout.test(l)).map((l) => l.slice('warning: '.length))).toEqual(out.warnings.filter((w: string) => readout.test(`warning: ${w}`)));
    if (out.prompt.cut) expect(out.warnings.join('\n')).toMatch(/the prompt was cut to fit the context/);
    return { stderr, out };
  };

  it("uses the run's trained room for the prompt: the training prompt, cut as training cut it", async () => {
    const trainingPrompt = await prompt(fit.maxCotTokens);
    expect(trainingPrompt.truncated).toBe(true);
    const { stderr, out } = judge(join(dir, 'seed-1', 'tract.safetensors'));
    expect(stderr).toMatch(/^prompt fit: room for 16 CoT tokens in a context of 160, as trained \(from .*report\.json \(data\.promptFit\)\); CoTs up to 12 tokens\n$/);
    expect(out.promptFit).toMatchObject({ seqLen: 160, promptCotTokens: 16, maxCotTokens: 12, asTrained: true });
    expect(out.prompt).toEqual({ ids: trainingPrompt.ids.length, budget: promptBudget(tok, fit), cut: true });
  });

  it('says so when asked for more CoT tokens than the trained room', async () => {
    const { stderr, out } = judge(join(dir, 'seed-1', 'tract.safetensors'), '--max-cot-tokens', '24');
    expect(stderr).toMatch(/warning: --max-cot-tokens 24 is more than the 16 CoT tokens this judge was trained to leave room for/);
    expect(out.promptFit).toMatchObject({ promptCotTokens: 24, maxCotTokens: 24, asTrained: false });
    expect(out.prompt.ids).toBe((await prompt(24)).ids.length);
  });

  it('without a record: the room follows --max-cot-tokens as before, and stderr says so', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'tract-judge-norecord-'));
    copyFileSync(join(dir, 'seed-1', 'tract.safetensors'), join(alone, 'm.safetensors'));
    const { stderr, out } = judge(join(alone, 'm.safetensors'), '--max-cot-tokens', '8');
    expect(stderr.trim().split('\n')).toEqual([
      "prompt fit: no record of the CoT room this model was trained with (no promptFit in m.safetensors's tract.training; no report.json of its run beside it); prompts leave room for 8 CoT tokens (--max-cot-tokens) in its context of 160",
    ]);
    expect(out.promptFit).toMatchObject({ promptCotTokens: 8, maxCotTokens: 8, asTrained: false, trained: null });
    expect(out.prompt.ids).toBe((await prompt(8)).ids.length);
  });
});
