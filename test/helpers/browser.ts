// Headless Debian Chromium with WebGPU (SwiftShader), driving pages served by a Vite dev server
// started in this process. A test that needs the browser fails — never skips — when Chromium or
// its WebGPU adapter is missing.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { repoRoot } from '../../scripts/vulkan-env.mjs';

export const CHROMIUM = process.env.TRACT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(repoRoot, 'test-output', 'screenshots');

/** Flags from DESIGN.md §5: WebGPU on, no sandbox (root), no background network traffic. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface BrowserSession {
  server: ViteDevServer;
  browser: Browser;
  baseUrl: string;
  /** Console errors and uncaught page errors seen by any page opened through `open`. */
  errors: string[];
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set TRACT_CHROMIUM`);
  }
  const server = await createServer({ root: repoRoot, logLevel: 'error', server: { port: 0, host: '127.0.0.1' }, clearScreen: false });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite dev server has no port');
  const baseUrl = `http://127.0.0.1:${addr.port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const errors: string[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    server,
    browser,
    baseUrl,
    errors,
    async open(path: string) {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await page.goto(baseUrl + path);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
