// The fused score kernels, and every matmul kernel the autotuner may choose in the browser (the
// subgroup ones included: SwiftShader has `subgroups`), in a real page in headless Debian Chromium
// (WebGPU on SwiftShader), compared with the Float64 CPU references in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { raftLossBackwardRef, scoreExpectationRef } from '../../src/reference/score.ts';
import { startBrowser, type BrowserSession } from '../helpers/browser.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { normals, toF64 } from '../helpers/random.ts';
import type { MatmulCase, ScoreCase } from './kernels_page.ts';
import { matmulRef } from '../../src/reference/matmul.ts';
import type { MatmulShape } from '../../src/kernels/matmul.ts';

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

  for (const shape of [
    { M: 37, N: 70, K: 45, transB: true },
    { M: 20, N: 19, K: 33, transA: true, batch: 2 },
  ] as MatmulShape[]) {
    it(`every matmul kernel at ${shape.M}×${shape.N}×${shape.K}${shape.transA ? ' Aᵀ' : ''}${shape.transB ? ' Bᵀ' : ''}${shape.batch ? ` ×${shape.batch}` : ''} vs reference`, async () => {
      const batch = shape.batch ?? 1;
      const a = normals(batch * shape.M * shape.K, 41);
      const b = normals(batch * shape.K * shape.N, 42);
      const out = await page.evaluate(
        (arg) => (window as unknown as { tract: { matmulCase: (c: MatmulCase) => Promise<{ features: string[]; results: { kernel: string; c: number[] }[] }> } }).tract.matmulCase(arg),
        { shape, a: Array.from(a), b: Array.from(b) },
      );
      // SwiftShader offers subgroups: the subgroup kernels are among the candidates, and checked.
      expect(out.features).toContain('subgroups');
      expect(out.results.map((r) => r.kernel)).toEqual(expect.arrayContaining(['subgroup 8×4 ×64', 'subgroup 8×8 ×64', 'vec4x8 8×8', 'tiled 128×128 vec4', 'tiled 64×64 split-K 16']));
      const ref = new Float64Array(batch * shape.M * shape.N);
      matmulRef(ref, toF64(a), toF64(b), shape);
      for (const r of out.results) expectClose(r.c, ref, TOL.matmul, r.kernel);
      // Every kernel but split-K computes the same fma chain: bit-identical on SwiftShader too.
      const unsplit = out.results.filter((r) => !r.kernel.includes('split-K'));
      for (const r of unsplit.slice(1)) expect(r.c, `${r.kernel} vs ${unsplit[0].kernel}`).toEqual(unsplit[0].c);
    });
  }

  it('no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
