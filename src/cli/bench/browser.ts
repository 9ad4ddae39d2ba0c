// Headless Debian Chromium with WebGPU (SwiftShader), driving pages served by a Vite dev server
// started in this process. Shared by the browser tests (test/helpers/browser.ts) and the browser
// benchmarks (browser_bench.ts). Flags from DESIGN.md §5.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { repoRoot } from '../../../scripts/vulkan-env.mjs';

export const CHROMIUM = process.env.TRACT_CHROMIUM ?? '/usr/bin/chromium';

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

export interface LaunchOptions {
  /** Called with every console message of every page opened through `open` (type, text). */
  onConsole?: (type: string, text: string) => void;
}

/** Starts the Vite dev server (repository root, random port on 127.0.0.1) and headless Chromium. */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set TRACT_CHROMIUM`);
  }
  const server = await createServer({ root: repoRoot, logLevel: 'error', server: { port: 0, host: '127.0.0.1' }, clearScreen: false });
  let browser: Browser;
  try {
    await server.listen();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  } catch (e) {
    await server.close();
    throw e;
  }
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') {
    await browser.close();
    await server.close();
    throw new Error('vite dev server has no port');
  }
  const baseUrl = `http://127.0.0.1:${addr.port}`;
  const errors: string[] = [];
  return {
    server,
    browser,
    baseUrl,
    errors,
    async open(path: string) {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
        opts.onConsole?.(m.type(), m.text());
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
