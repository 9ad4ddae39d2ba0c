// The app's first page in headless Chromium: it finds the WebGPU adapter, runs the score kernels
// in the engine worker, shows ŷ and the five probabilities, and reacts to a slider; no console
// errors. Saves a screenshot under test-output/screenshots.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { scoreExpectationRef } from '../../src/reference/score.ts';
import { DEMO_LOGITS } from '../../src/worker/score_demo.ts';
import { SCREENSHOTS, startBrowser, type BrowserSession } from '../helpers/browser.ts';

let session: BrowserSession;
let page: Page;

beforeAll(async () => {
  session = await startBrowser();
  page = await session.open('/');
});
afterAll(async () => {
  await session?.close();
});

describe('app: WebGPU status and the score kernel demo', () => {
  it('shows the adapter and the RAIL read-out computed by the GPU', async () => {
    await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
    expect((await page.getByTestId('adapter-name').textContent())?.length).toBeGreaterThan(3);
    await page.getByTestId('yhat').waitFor({ timeout: 60_000 });
    const yhat = Number(await page.getByTestId('yhat').textContent());
    const p = new Float64Array(5), m = new Float64Array(1), y = new Float64Array(1);
    scoreExpectationRef(p, m, y, DEMO_LOGITS, 1, DEMO_LOGITS.length, [5, 6, 7, 8, 9], [1, 2, 3, 4, 5], false);
    expect(Math.abs(yhat - y[0])).toBeLessThan(1e-3);
    for (let k = 1; k <= 5; k++) {
      expect(Number(await page.getByTestId(`prob-${k}`).textContent())).toBeCloseTo(p[k - 1], 3);
    }
    expect(Number(await page.getByTestId('max-diff').textContent())).toBeLessThan(1e-5);
    await page.screenshot({ path: join(SCREENSHOTS, 'app-foundation.png'), fullPage: true });
  });

  it('re-runs the kernels when a score logit is dragged', async () => {
    const before = await page.getByTestId('yhat').textContent();
    // Push the logit of "5" to the top of its range: ŷ must rise.
    await page.getByLabel('logit of score token 5', { exact: true }).fill('6');
    await page.waitForFunction((b) => document.querySelector('[data-testid="yhat"]')?.textContent !== b, before, { timeout: 30_000 });
    expect(Number(await page.getByTestId('yhat').textContent())).toBeGreaterThan(Number(before));
  });

  it('logs no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
