// Headless Debian Chromium with WebGPU (SwiftShader), driving pages served by a Vite dev server
// started in this process. A test that needs the browser fails — never skips — when Chromium or
// its WebGPU adapter is missing. The launcher itself lives in src/cli/bench/browser.ts, shared
// with the browser benchmarks.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, type BrowserSession } from '../../src/cli/bench/browser.ts';
import { repoRoot } from '../../scripts/vulkan-env.mjs';

export { CHROMIUM, CHROMIUM_ARGS, type BrowserSession } from '../../src/cli/bench/browser.ts';

export const SCREENSHOTS = join(repoRoot, 'test-output', 'screenshots');

export async function startBrowser(): Promise<BrowserSession> {
  const session = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return session;
}
