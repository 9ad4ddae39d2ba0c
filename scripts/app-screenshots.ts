// Re-takes the README's app screenshots (docs/app-*.png) in headless Chromium (WebGPU on SwiftShader)
// and times the app's run presets as measured here: the Playground judging the first example with two
// CoTs, the Data view with an example open, then a preset run in the Train view from a fresh profile
// (the shipped base as its seed, as a first-time user would start it), its wall time from Start to
// done printed, and the Train and Evaluate views after it. `playground` re-takes only the first two
// (the ready judge and the data: a few minutes instead of a training run).
//   node --import tsx scripts/app-screenshots.ts [smoke|quick|playground] [--out docs]
import { join } from 'node:path';
import { launchBrowser } from '../src/cli/bench/browser.ts';
import { repoRoot } from './vulkan-env.mjs';

const mode = process.argv[2];
if (mode !== undefined && !mode.startsWith('--') && !['smoke', 'quick', 'playground'].includes(mode)) throw new Error(`app-screenshots: unknown mode '${mode}' (smoke, quick or playground)`);
const preset = mode === 'smoke' ? 'smoke' : 'quick';
const outArg = process.argv.indexOf('--out');
const out = join(repoRoot, outArg > 0 ? process.argv[outArg + 1] : 'docs');

const session = await launchBrowser();
try {
  const page = await session.open('/');
  await page.setViewportSize({ width: 1280, height: 900 });
  const shot = (name: string) => page.screenshot({ path: join(out, `app-${name}.png`), fullPage: true });
  const tab = async (v: string) => {
    await page.getByTestId(`tab-${v}`).click();
    await page.waitForFunction((x) => location.hash === `#${x}`, v);
  };

  await page.getByTestId('model-description').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid="pg-advanced"] summary').click();
  await page.getByTestId('pg-ncot').fill('2');
  await page.locator('[data-testid="pg-advanced"] summary').click();
  await page.getByTestId('judge-button').click();
  await page.getByTestId('yhat').waitFor({ timeout: 300_000 });
  await shot('playground');

  await tab('data');
  await page.getByTestId('data-row').first().waitFor({ timeout: 60_000 });
  await page.getByTestId('data-row').nth(2).click();
  await page.getByTestId('data-detail').waitFor();
  await page.waitForTimeout(600); // the scroll into view
  await shot('data');

  if (mode !== 'playground') {
    await tab('train');
    await page.getByTestId(`preset-${preset}`).check();
    await page.waitForFunction(() => !(document.querySelector('[data-testid="train-start"]') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    const t0 = Date.now();
    await page.getByTestId('train-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', undefined, { timeout: 3_600_000, polling: 1000 });
    const seconds = (Date.now() - t0) / 1000;
    console.log(`${preset} preset: ${seconds.toFixed(0)} s (${(seconds / 60).toFixed(1)} min) from Start to done, Chromium on SwiftShader`);
    await page.mouse.move(0, 0);
    await shot('train');
    await tab('evaluate');
    await page.getByTestId('methods-table').waitFor({ timeout: 60_000 });
    await shot('evaluate');
  }
  if (session.errors.length > 0) console.log(`page errors: ${session.errors.join(' | ')}`);
} finally {
  await session.close();
}
