// The app end to end in headless Debian Chromium on WebGPU (SwiftShader), driven by playwright:
// the ready judge on a first visit; judging a Playground example (streamed CoT, five
// probabilities, ŷ, n CoTs); the Data view's table, rendered prompt and target, and the line-level
// errors of a malformed file; dataset text with HTML in it shown as text; the size presets; a
// smoke run trained through both stages with pause and resume, a lost GPU device recovered, live
// charts and self-CoTs, with the main thread's long tasks measured; the evaluation table, scatter
// and drill-down; the seed choice (the shipped base by default) and a base pretrained from the Train
// view, started and cancelled; a reload that restores the runs and resumes the one that was training; the
// Learn view's live score kernels; no console errors; and the page without WebGPU.
// Screenshots go to test-output/screenshots.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Page } from 'playwright-core';
import { allExamples, generateRubricLab } from '../../src/data/index.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { scoreExpectationRef } from '../../src/reference/score.ts';
import { DEMO_LOGITS } from '../../src/worker/score_demo.ts';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, startBrowser, type BrowserSession } from '../helpers/browser.ts';

let session: BrowserSession;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `app-${name}.png`), fullPage: true });
const byTestId = (id: string) => page.getByTestId(id);
const text = async (id: string) => (await byTestId(id).textContent()) ?? '';
const attr = (id: string, name: string) => page.evaluate(([i, n]) => document.querySelector(`[data-testid="${i}"]`)?.getAttribute(n) ?? null, [id, name] as const);
const waitAttr = (id: string, name: string, pred: string, timeout = 120_000) =>
  page.waitForFunction(
    ([i, n, p]) => {
      const v = document.querySelector(`[data-testid="${i}"]`)?.getAttribute(n);
      return v !== null && v !== undefined && new Function('v', `return ${p}`)(v);
    },
    [id, name, pred] as const,
    { timeout },
  );
const waitText = (id: string, pred: string, timeout = 120_000) =>
  page.waitForFunction(
    ([i, p]) => {
      const el = document.querySelector(`[data-testid="${i}"]`);
      return !!el && new Function('t', `return ${p}`)(el.textContent ?? '');
    },
    [id, pred] as const,
    { timeout },
  );
const tab = async (view: string) => {
  await byTestId(`tab-${view}`).click();
  await page.waitForFunction((v) => location.hash === `#${v}`, view);
};

beforeAll(async () => {
  session = await startBrowser();
  page = await session.open('/');
  await page.setViewportSize({ width: 1280, height: 900 });
});
afterAll(async () => {
  await session?.close();
});

describe('app: first visit and the Playground', () => {
  it('opens on the Playground with the ready judge and says what it is', async () => {
    await byTestId('model-description').waitFor({ timeout: 60_000 });
    expect(await text('model-description')).toMatch(/ready judge.*npm run tract -- run.*good agreement, on Rubric Lab only: a judge of nothing else/s);
    expect(await text('status-gpu')).not.toMatch(/no WebGPU|looking/);
  });

  it('judges an example: streams the CoT, then shows five probabilities, the mass, ŷ and each CoT’s ŷ', async () => {
    // The Judge button is on screen without scrolling; the score fields show their whole text.
    const box = await byTestId('judge-button').boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(900);
    for (const k of [1, 2, 3, 4, 5]) {
      const overflow = await page.evaluate((id) => {
        const el = document.querySelector(`[data-testid="${id}"]`) as HTMLTextAreaElement;
        return el.scrollHeight - el.clientHeight;
      }, `pg-score${k}`);
      expect(overflow, `score ${k}`).toBeLessThanOrEqual(2);
    }
    // Sampling settings are under Advanced.
    await page.locator('[data-testid="pg-advanced"] summary').click();
    await byTestId('pg-ncot').fill('2');
    await byTestId('judge-button').click();
    await waitText('cot-0', 't.trim().length > 0', 60_000);
    await byTestId('yhat').waitFor({ timeout: 120_000 });
    const probs = await Promise.all([1, 2, 3, 4, 5].map(async (k) => Number(await text(`probs-p${k}`))));
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
    const mass = Number(await text('mass'));
    expect(Math.abs(probs.reduce((a, b) => a + b, 0) - mass)).toBeLessThan(0.01);
    const yhat = Number(await text('yhat'));
    expect(yhat).toBeGreaterThan(0);
    expect(yhat).toBeLessThanOrEqual(5);
    expect(Number(await text('decoded'))).toBeGreaterThanOrEqual(1);
    expect(await text('pg-explain')).toMatch(/ŷ = Σ s_k·p\(k\).*RAIL.*decoding/s);
    expect(await text('sample-yhat-0')).toMatch(/ŷ \d\.\d{3}/);
    expect(await text('sample-yhat-1')).toMatch(/ŷ \d\.\d{3}/);
    expect(await text('sample-mean')).toMatch(/mean/);
    expect((await text('cot-1')).trim().length).toBeGreaterThan(0);
    await shot('playground');
  });
});

describe('app: data', () => {
  it('shows Rubric Lab in a searchable table with the rendered prompt and target of an example', async () => {
    await tab('data');
    await byTestId('data-row').first().waitFor({ timeout: 30_000 });
    expect(Number(await text('data-accepted'))).toBe(40);
    // The search covers the family printed under each id.
    await byTestId('data-search').fill('spelling');
    await waitText('data-total', 'parseInt(t) > 0 && parseInt(t) < 40');
    expect(await byTestId('data-row').first().textContent()).toMatch(/spelling/);
    await byTestId('data-search').fill('what is');
    await waitText('data-total', 'parseInt(t) > 0 && parseInt(t) < 40');
    await page.waitForFunction(() => /what is/i.test(document.querySelector('[data-testid="data-row"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await byTestId('data-row').first().click();
    await byTestId('data-detail').waitFor();
    // The detail is brought into view (it opens below the table).
    await page.waitForFunction(() => {
      const r = document.querySelector('[data-testid="data-detail"]')!.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight;
    }, undefined, { timeout: 10_000 });
    expect(await text('detail-prompt')).toMatch(/^Rubric: .*\nTask: What is/s);
    expect(await text('detail-target')).toMatch(/So the overall score is [1-5]$/);
  });

  it('lists the line-level errors of a malformed file', async () => {
    const good = { instruction: 'What is 2 + 2?', response: '4', reference_answer: '2 + 2 = 4', rubric: { criteria: 'Correct?', score1: 'a', score2: 'b', score3: 'c', score4: 'd', score5: 'e' }, score: 5 };
    const lines = [JSON.stringify(good), JSON.stringify({ ...good, score: 9 }), '{"instruction": "unterminated', JSON.stringify({ ...good, rubric: { criteria: 'c' } })];
    await byTestId('data-file').setInputFiles({ name: 'bad.jsonl', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
    await waitText('data-summary', 't.includes("bad.jsonl")');
    expect(Number(await text('data-accepted'))).toBe(1);
    expect(Number(await text('data-rejected'))).toBe(3);
    const errors = await byTestId('data-error').allTextContents();
    expect(errors[0]).toMatch(/^bad\.jsonl:2 \(row 1\) score.*9/);
    expect(errors.some((e) => e.startsWith('bad.jsonl:3'))).toBe(true);
    expect(errors.some((e) => /^bad\.jsonl:4 \(row 3\) rubric\.score1/.test(e))).toBe(true);
    await shot('data-errors');
  });

  it('shows HTML in dataset text as text: nothing in it executes', async () => {
    const evil = {
      instruction: '<img src=x onerror="window.__xss=1">What is 1 + 1?',
      response: '<script>window.__xss=2</script><b>bold</b>',
      reference_answer: '"><svg onload="window.__xss=3">',
      rubric: { criteria: '<iframe src="javascript:window.__xss=4">', score1: 'a', score2: 'b', score3: 'c', score4: 'd', score5: 'e' },
      feedback: '<img src=y onerror="window.__xss=5"> So the overall score is 3',
      score: 3,
    };
    await byTestId('data-file').setInputFiles({ name: 'evil.jsonl', mimeType: 'text/plain', buffer: Buffer.from(JSON.stringify(evil) + '\n') });
    await waitText('data-summary', 't.includes("evil.jsonl")');
    await byTestId('data-search').fill('');
    await byTestId('data-row').first().click();
    await waitText('detail-prompt', 't.includes("<img src=x onerror")');
    expect(await text('detail-target')).toContain('<img src=y onerror="window.__xss=5">');
    expect(await byTestId('data-table').textContent()).toContain('<script>window.__xss=2</script>');
    // Then judged in the Playground: the fields and whatever the model writes back are text too.
    await page.getByRole('button', { name: 'Judge it in the Playground' }).click();
    await byTestId('judge-button').click();
    await byTestId('yhat').waitFor({ timeout: 120_000 });
    const dom = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: number }).__xss ?? null,
      imgs: document.querySelectorAll('img').length,
      scripts: Array.from(document.querySelectorAll('script')).filter((s) => s.textContent?.includes('__xss')).length,
      svgOnload: document.querySelectorAll('svg[onload], iframe').length,
      bold: document.querySelectorAll('main b').length,
    }));
    expect(dom).toEqual({ xss: null, imgs: 0, scripts: 0, svgOnload: 0, bold: 0 });
  });
});

describe('app: models', () => {
  it('shows size presets with parameters and memory, and opens a checkpoint from disk', async () => {
    await tab('model');
    await waitText('size-default-params', 't !== "…"');
    expect(await text('size-default-params')).toMatch(/K$/);
    expect(await text('size-bench5M')).toMatch(/fits/);
    const ckpt = readFileSync(new URL('../../public/judge/tract-judge.safetensors', import.meta.url));
    await byTestId('model-file').setInputFiles({ name: 'my-judge.safetensors', mimeType: 'application/octet-stream', buffer: ckpt });
    await waitText('current-model-name', 't === "my-judge.safetensors"');
    expect(await text('current-model')).toMatch(/opened from disk/);
    await page.getByRole('button', { name: 'Use the ready judge' }).click();
    await waitText('current-model-name', 't === "tract-judge.safetensors"');
    // The Playground's judgement (of the HTML example) was the old model's: it went with it.
    await tab('playground');
    expect(await byTestId('yhat').count()).toBe(0);
    await tab('model');
    await shot('model');
  });
});

let firstRun = '';
let longTasks: { start: number; duration: number }[] = [];

describe('app: training', () => {
  it('trains a smoke run through both stages: pause, resume, a lost GPU device, live charts and self-CoTs', async () => {
    await tab('train');
    await byTestId('preset-smoke').check();
    // A new run starts from the shipped base unless told otherwise; this one pretrains its own seed (stage 0).
    await waitText('run-seed-plan', 't.startsWith("the shipped base (public/base/base.safetensors")', 30_000);
    await byTestId('seed-scratch').check();
    expect(await text('run-seed-plan')).toMatch(/^stage 0: a seed pretrained from scratch/);
    // Long tasks on the main thread from here until the run is done.
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask' });
    });
    await byTestId('train-start').click();
    await waitText('run-status', 't === "running"', 30_000);
    await waitAttr('chart-loss', 'data-points', 'Number(v) > 0', 60_000);
    firstRun = (await page.evaluate(() => document.querySelector('[data-testid^="run-status-run-"]')?.getAttribute('data-testid') ?? '')).replace('run-status-', '');
    expect(firstRun).toMatch(/^run-/);

    await byTestId('train-pause').click();
    await waitText('run-status', 't === "paused"', 60_000);
    const atPause = Number(await attr('chart-loss', 'data-points'));
    await page.waitForTimeout(700);
    expect(Number(await attr('chart-loss', 'data-points'))).toBe(atPause);
    // Lose the GPU device during stage 1, armed while paused (in stage 0 or early in stage 1) so it
    // lands at stage 1's next step: a smoke stage of 6 steps can end within the round trip of a loss
    // requested after the resume (it did under the full suite's load). Reported, and the run goes on
    // from the seed checkpoint.
    await page.evaluate(() => (window as unknown as { tractDebug: { loseDevice(atStage?: string): void } }).tractDebug.loseDevice('stage1'));
    await byTestId('train-resume').click();
    await waitText('run-status', 't === "running"', 30_000);
    // Stage 0 runs first: under the full suite's load on two cores it can take more than 30 s.
    await waitText('errors', 't.includes("GPU device lost")', 150_000);
    await waitText('run-status', 't === "done"', 180_000);
    longTasks = await page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks);

    expect(await attr('stage-seed', 'data-status')).toBe('reused');
    for (const s of ['stage1', 'self-cot', 'tract', 'eval:stage1', 'eval:tract', 'cot-shift']) expect(await attr(`stage-${s}`, 'data-status'), s).toBe('done');
    for (const c of ['chart-loss', 'chart-lr', 'chart-grad', 'chart-tps']) expect(Number(await attr(c, 'data-points')), c).toBeGreaterThan(atPause);
    expect(Number(await text('selfcot-count'))).toBe(24);
    expect(await text('checkpoints')).toMatch(/seed-1\/tract\.safetensors/);
    await shot('train');
    // A finished stage's bar is full (the CoT-shift bar once said done at ~80%).
    for (const s of ['stage1', 'eval:tract', 'cot-shift']) expect(await page.getByTestId(`stage-${s}`).getByRole('progressbar').getAttribute('aria-valuenow'), s).toBe('100');
    // Download the TRACT checkpoint: a safetensors file with its config, tokenizer and training record.
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('download-seed-1/tract.safetensors').click()]);
    expect(download.suggestedFilename()).toBe(`${firstRun}-seed-1-tract.safetensors`);
    const ckpt = loadCheckpoint(readFileSync((await download.path())!));
    expect(ckpt.config.dim).toBe(16);
    expect((ckpt.training as { stage: string }).stage).toBe('tract');
    expect((ckpt.tokenizer as { kind: string }).kind).toBe('bpe');
  });

  it('"Judge with it" opens the Playground with the new judge and no old judgement; the error banner stayed on the Train view', async () => {
    await tab('playground');
    expect(await byTestId('errors').count()).toBe(0); // the device-lost error was raised on the Train view
    // A judgement by the current judge (the Model view's change of model cleared the earlier one).
    await byTestId('judge-button').click();
    await byTestId('yhat').waitFor({ timeout: 120_000 });
    await tab('train');
    await byTestId('judge-with-seed-1/tract.safetensors').click();
    await page.waitForFunction(() => location.hash === '#playground', undefined, { timeout: 10_000 });
    await waitText('status-model', 't === "judge: tract.safetensors"', 30_000);
    expect(await byTestId('yhat').count()).toBe(0);
    expect(await byTestId('cot-0').count()).toBe(0);
    await tab('train');
  });

  it('kept the main thread free while training (largest long task reported)', async () => {
    const largest = Math.max(0, ...longTasks.map((t) => t.duration));
    console.log(`main thread during training: ${longTasks.length} long tasks (> 50 ms), the largest ${largest.toFixed(0)} ms (target: none over 100 ms)`);
    // Generous: fails only if work landed on the main thread (training there blocks it for seconds).
    expect(largest).toBeLessThan(2000);
    // The observer does see long tasks: a deliberate 150 ms one (a timer task) shows up.
    await page.evaluate(() => {
      setTimeout(() => {
        const t = performance.now();
        while (performance.now() - t < 150);
      }, 0);
    });
    await page.waitForFunction(() => (window as unknown as { __longTasks: { duration: number }[] }).__longTasks.some((t) => t.duration >= 140), undefined, { timeout: 10_000 });
  });
});

describe('app: pretraining a base', () => {
  it('pretrains a smoke base from the Train view with progress and a live chart, and cancels it', async () => {
    await tab('train');
    await byTestId('base-preset-smoke').check();
    // Rows of one: a step takes about a second on SwiftShader.
    await byTestId('pretrain-steps').fill('20');
    await byTestId('pretrain-batch').fill('1');
    await byTestId('pretrain-start').click();
    await waitText('base-status', 't === "running"', 30_000);
    await waitAttr('chart-pretrain', 'data-points', 'Number(v) > 2', 60_000);
    expect(await text('pretrain-steps-done')).toMatch(/^step \d+\/20$/);
    expect(await attr('train-start', 'disabled')).not.toBeNull(); // one GPU job at a time
    await byTestId('pretrain-cancel').click();
    await waitText('base-status', 't === "cancelled"', 30_000);
    expect(await text('base-message')).toMatch(/^cancelled: Resume continues from the (checkpoint at step \d+|start)/);
    expect(await byTestId('base-row').count()).toBe(1);
    await shot('pretrain');
  });
});

describe('app: evaluation', () => {
  it('shows the methods table with CIs, the scatter of predicted vs gold, and one example’s judgement', async () => {
    await tab('evaluate');
    await byTestId('methods-table').waitFor({ timeout: 30_000 });
    expect(await text('method-tract-cotrail')).toMatch(/\[-?\d\.\d{3}, -?\d\.\d{3}\]|-?\d\.\d{3} ± \d\.\d{3}|n\/a/);
    expect(await byTestId('scatter-point').count()).toBe(12);
    await byTestId('scatter-point').nth(3).dispatchEvent('click');
    await byTestId('drill').waitFor();
    for (let k = 1; k <= 5; k++) expect(Number(await text(`drill-probs-p${k}`))).toBeGreaterThanOrEqual(0);
    expect(Number(await text('drill-yhat'))).toBeGreaterThan(0);
    expect(Number(await text('drill-gold'))).toBeGreaterThanOrEqual(1);
    expect(await byTestId('drill-cot').count()).toBe(1);
    await shot('evaluate');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const body = readFileSync((await csv.path())!, 'utf8');
    expect(body.split('\n')[0]).toBe('method,model,id,family,gold,prediction,yhat,decoded,p1,p2,p3,p4,p5,mass,cot');
    // Records end at newlines outside quotes (a CoT may hold a newline or a quote).
    let records = 0;
    let quoted = false;
    for (const ch of body) {
      if (ch === '"') quoted = !quoted;
      else if (ch === '\n' && !quoted) records++;
    }
    expect(records).toBe(1 + 3 * 12);
    // The shipped run (the ready judge's): one point per example of the split its report scored.
    const shippedReport = JSON.parse(readFileSync(new URL('../../public/judge/report.json', import.meta.url), 'utf8')) as { data: { dev: number; test: number }; config: { eval: { split: 'dev' | 'test' } } };
    const shippedTest = shippedReport.data[shippedReport.config.eval.split];
    await byTestId('eval-run').selectOption('shipped');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="scatter-point"]').length === n, shippedTest, { timeout: 30_000 });
  });
});

describe('app: reload', () => {
  it('restores the runs after a reload and resumes the one that was training from its last checkpoint', async () => {
    await tab('train');
    // Stage 1 long enough (the smoke run's 6 steps end within a second or two) that the reload
    // always lands while it trains, also on a loaded machine.
    await byTestId('steps-finetune').fill('40');
    await byTestId('train-start').click();
    await waitText('run-status', 't === "running"', 30_000);
    await waitAttr('stage-seed', 'data-status', 'v === "done"', 60_000);
    expect(await attr('stage-stage1', 'data-status')).not.toBe('done');
    await page.reload();
    await waitText('notices', 't.includes("Resuming")', 60_000);
    await waitText('run-status', 't === "done"', 180_000);
    // The "Resuming …" notice went with its run.
    await page.waitForFunction(() => !document.querySelector('[data-testid="notices"]')?.textContent?.includes('Resuming'), undefined, { timeout: 10_000 });
    expect(await attr('stage-seed', 'data-status')).toBe('reused');
    expect(await byTestId('run-row').count()).toBe(3); // two runs and the shipped one
    // The first run, with its charts, as it was.
    await page.getByRole('button', { name: /^Smoke run/ }).last().click();
    await waitAttr('chart-loss', 'data-points', 'Number(v) > 0', 30_000);
    expect(await text(`run-status-${firstRun}`)).toBe('done');
  });
});

describe('app: training on your own file', () => {
  it('trains a user-supplied 60-row JSONL through every stage with a split set in the Train view, and evaluates it', async () => {
    // 60 rows in tract's JSONL format, with feedback (the reference CoTs) and no split field.
    const rows = allExamples(generateRubricLab({ seed: 11, train: 60, dev: 0, test: 0 })).map((ex, i) => ({
      id: `mine-${i}`,
      instruction: ex.instruction,
      response: ex.response,
      reference_answer: ex.referenceAnswer,
      rubric: ex.rubric,
      feedback: ex.feedback,
      score: ex.label,
    }));
    expect(rows).toHaveLength(60);
    await tab('data');
    await byTestId('data-file').setInputFiles({ name: 'mine.jsonl', mimeType: 'text/plain', buffer: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n') });
    await waitText('data-summary', 't.includes("mine.jsonl")');
    expect(Number(await text('data-accepted'))).toBe(60);
    await tab('train');
    await byTestId('preset-smoke').check();
    await byTestId('seed-scratch').check();
    await byTestId('train-data-file').check();
    // No split field in the file: its own split is not offered, a random one is.
    expect(await attr('split-file', 'disabled')).not.toBeNull();
    await byTestId('split-random').check();
    await byTestId('split-dev').fill('10');
    await byTestId('split-test').fill('20');
    expect(await text('split-sizes')).toBe('→ 42 train / 6 dev / 12 test');
    expect(await text('run-summary')).toMatch(/Data: mine\.jsonl, 42 train \/ 6 dev \/ 12 test/);
    await byTestId('train-start').click();
    await waitText('run-status', 't === "running"', 30_000);
    await waitText('run-status', 't === "done"', 300_000);
    for (const st of ['seed', 'stage1', 'self-cot', 'tract', 'eval:stage1', 'eval:tract', 'cot-shift']) expect(await attr(`stage-${st}`, 'data-status'), st).toBe('done');
    expect(Number(await text('selfcot-count'))).toBe(42);
    await tab('evaluate');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="scatter-point"]').length === 12, undefined, { timeout: 30_000 });
    expect(await text('eval-source')).toMatch(/mine\.jsonl, a random split \(seed 1\): 20% test, 10% dev/);
    await shot('own-data');
    // The whole file judged by the current model, as tract eval judges it: progress, then the
    // agreement table and one exported line per row.
    await byTestId('file-eval-start').click();
    await byTestId('file-eval-result').waitFor({ timeout: 180_000 });
    expect(await text('file-eval-counts')).toMatch(/^mine\.jsonl: 60 rows; \d+ scored, \d+ without a score; 60 with a label\. Judged by .* \(WebGPU on /);
    expect(await byTestId('file-eval-metrics').textContent()).toMatch(/Pearson r-?\d\.\d{3} \[|Pearson r–/);
    const [jsonl] = await Promise.all([page.waitForEvent('download'), byTestId('file-eval-jsonl').click()]);
    const lines = readFileSync((await jsonl.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id));
    await shot('file-eval');
  });
});

describe('app: Learn', () => {
  it('runs the RAIL/RAFT score kernels live and shows the CoT shift of the current models', async () => {
    await tab('learn');
    await byTestId('yhat').waitFor({ timeout: 60_000 });
    const yhat = Number(await text('yhat'));
    const p = new Float64Array(5), m = new Float64Array(1), y = new Float64Array(1);
    scoreExpectationRef(p, m, y, DEMO_LOGITS, 1, DEMO_LOGITS.length, [5, 6, 7, 8, 9], [1, 2, 3, 4, 5], false);
    expect(Math.abs(yhat - y[0])).toBeLessThan(1e-3);
    for (let k = 1; k <= 5; k++) expect(Number(await text(`prob-${k}`))).toBeCloseTo(p[k - 1], 3);
    expect(Number(await text('max-diff'))).toBeLessThan(1e-5);
    const before = await text('yhat');
    await page.getByLabel('logit of score token 5', { exact: true }).fill('6');
    await waitText('yhat', `t !== ${JSON.stringify(before)}`, 30_000);
    expect(Number(await text('yhat'))).toBeGreaterThan(Number(before));
    await byTestId('cot-shift-tract').waitFor({ timeout: 30_000 });
    // One seed: the RMSE; several (the shipped run has three): mean ± sd.
    const shift = await text('cot-shift-tract');
    expect(shift).toMatch(/^\d+\.\d+( ± \d+\.\d+)?$/);
    expect(parseFloat(shift)).toBeGreaterThanOrEqual(0);
    await shot('learn');
  });

  it('logged no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});

describe('app: without WebGPU', () => {
  it('says what is missing and what to try, and judges in the Playground on onnxruntime-web', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-webgpu'] });
    try {
      const p = await browser.newPage();
      const errors: string[] = [];
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      p.on('pageerror', (e) => errors.push(e.message));
      await p.setViewportSize({ width: 1280, height: 900 });
      await p.goto(`${session.baseUrl}/`);
      const banner = p.getByTestId('webgpu-unavailable');
      await banner.waitFor({ timeout: 60_000 });
      const t = (await banner.textContent()) ?? '';
      expect(t).toMatch(/What is missing:.*(navigator\.gpu|adapter)/s);
      expect(t).toMatch(/What to try:.*--enable-unsafe-webgpu/s);
      expect(t).toMatch(/onnxruntime-web/);
      // The ready judge loads on the CPU and judges on ORT's WebAssembly backend in the worker.
      await p.getByTestId('model-description').waitFor({ timeout: 60_000 });
      await p.getByTestId('pg-fallback').waitFor({ timeout: 10_000 });
      await p.getByTestId('judge-button').click();
      // The CoT streams: text shows before the score does.
      await p.waitForFunction(() => (document.querySelector('[data-testid="cot-0"]')?.textContent ?? '').replace('▍', '').trim().length > 0 && !document.querySelector('[data-testid="yhat"]'), undefined, { timeout: 180_000 });
      await p.getByTestId('yhat').waitFor({ timeout: 180_000 });
      expect(((await p.getByTestId('cot-0').textContent()) ?? '').trim().length).toBeGreaterThan(0);
      expect(await p.getByTestId('judge-backend').textContent()).toMatch(/onnxruntime-web/);
      const yhat = Number(await p.getByTestId('yhat').textContent());
      expect(yhat).toBeGreaterThan(0);
      expect(yhat).toBeLessThanOrEqual(5);
      await p.screenshot({ path: join(SCREENSHOTS, 'app-no-webgpu.png'), fullPage: true });
      // The fallback texts match what is shown: the Learn view says why its demo is missing, Start says why it is disabled.
      await p.getByTestId('tab-learn').click();
      expect(await p.getByTestId('demo-missing').textContent()).toMatch(/WebGPU, which this page does not have/);
      expect(await p.locator('main').textContent()).not.toMatch(/Drag the logits below/);
      await p.getByTestId('tab-train').click();
      expect(await p.getByTestId('train-start-why').textContent()).toMatch(/Training needs WebGPU/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
