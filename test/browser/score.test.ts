// The fused score kernels in a real page in headless Debian Chromium (WebGPU on SwiftShader),
// compared with the Float64 CPU references in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { raftLossBackwardRef, scoreExpectationRef } from '../../src/reference/score.ts';
import { startBrowser, type BrowserSession } from '../helpers/browser.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { normals, toF64 } from '../helpers/random.ts';
import type { ScoreCase } from './kernels_page.ts';

let session: BrowserSession;
let page: Page;

beforeAll(async () => {
  session = await startBrowser();
  page = await session.open('/test/browser/kernels.html');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 60_000 });
});
afterAll(async () => {
  await session?.close();
});

type Out = { adapter: string; probs: number[]; mass: number[]; yhat: number[]; dlogits: number[]; loss: number[] };

async function run(c: ScoreCase): Promise<Out> {
  return page.evaluate((arg) => (window as unknown as { tract: { scoreCase: (c: ScoreCase) => Promise<Out> } }).tract.scoreCase(arg), c);
}

describe('score kernels in headless Chromium (WebGPU)', () => {
  for (const [N, V, renormalize] of [
    [3, 5, false],
    [2, 37, true],
    [4, 512, false],
    [2, 32000, false],
  ] as const) {
    it(`N=${N} V=${V} renormalize=${renormalize}`, async () => {
      const ids = V === 5 ? [0, 1, 2, 3, 4] : [V - 1, 0, 7, 8, Math.floor(V / 2)];
      const values = [1, 2, 3, 4, 5];
      const z = normals(N * V, V + N, 2.5);
      const gold = Array.from({ length: N }, (_, n) => 1.5 + n);
      const mask = Array.from({ length: N }, (_, n) => (n === 1 ? 0 : 1));
      const out = await run({ N, V, ids, values, logits: Array.from(z), gold, mask, renormalize });
      expect(out.adapter.length).toBeGreaterThan(0);
      const K = ids.length;
      const ref = { probs: new Float64Array(N * K), mass: new Float64Array(N), yhat: new Float64Array(N) };
      scoreExpectationRef(ref.probs, ref.mass, ref.yhat, toF64(z), N, V, ids, values, renormalize);
      expectClose(out.probs, ref.probs, TOL.elementwise, 'probs');
      expectClose(out.mass, ref.mass, TOL.elementwise, 'mass');
      expectClose(out.yhat, ref.yhat, TOL.elementwise, 'yhat');
      const refBack = { dlogits: new Float64Array(N * V), loss: new Float64Array(N), yhat: new Float64Array(N) };
      raftLossBackwardRef(refBack.dlogits, refBack.loss, refBack.yhat, toF64(z), gold, mask, N, V, ids, values, 1, renormalize, false);
      expectClose(out.loss, refBack.loss, TOL.elementwise, 'loss');
      expectClose(out.dlogits, refBack.dlogits, { atol: 1e-6 * maxAbs(refBack.dlogits), rtol: 1e-4 }, 'dlogits');
    });
  }

  it('rejects repeated score tokens with a clear message in the browser too', async () => {
    const msg = await page.evaluate(() => (window as unknown as { tract: { validationMessage: () => Promise<string> } }).tract.validationMessage());
    expect(msg).toMatch(/id 1 appears twice/);
  });

  it('no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
