// Benchmarks in headless Chromium: start the Vite dev server and Chromium (browser.ts), open a
// bench page, call one of the functions it exposes on `window.tractBench`, return its JSON, close
// everything. Each call gets a fresh tab, so engines compared in one run never share a page, a
// GPUDevice or a JS heap, but do share the browser, its GPU process and the machine's state.
//
//   const s = await openBenchSession();               // fails clearly without Chromium / WebGPU
//   const theirs = await s.call('nanogpt', args, 15 * 60_000);
//   const ours = await s.call('ours', args, 15 * 60_000);
//   await s.close();
//
// or, for one call, runInChromium(TRAIN_PAGE, 'nanogpt', args, timeoutMs).
import { CHROMIUM, launchBrowser, type BrowserSession } from './browser.ts';

/** The training bench page (src/cli/bench/pages/train.html), as the dev server serves it. */
export const TRAIN_PAGE = '/src/cli/bench/pages/train.html';

/** Lines a page logs with this prefix are progress reports, passed on to stderr. */
export const PROGRESS_PREFIX = '[tract-bench]';

export interface BenchSession {
  /** The page's WebGPU adapter, as `tract info` names it. */
  adapter: string;
  /** Calls window.tractBench[fnName](args) in a fresh tab of `pagePath`; rejects after timeoutMs. */
  call<T = unknown>(fnName: string, args: unknown, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

export interface BenchSessionOptions {
  pagePath?: string;
  /** Where progress lines go (default: stderr). */
  progress?: (line: string) => void;
  /** Pass every console message of the page on to stderr (also TRACT_BENCH_VERBOSE=1). */
  verbose?: boolean;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Starts the dev server and Chromium and checks that the page has a WebGPU adapter. */
export async function openBenchSession(opts: BenchSessionOptions = {}): Promise<BenchSession> {
  const pagePath = opts.pagePath ?? TRAIN_PAGE;
  const progress = opts.progress ?? ((line: string) => process.stderr.write(line + '\n'));
  const verbose = opts.verbose ?? process.env.TRACT_BENCH_VERBOSE === '1';
  const session: BrowserSession = await launchBrowser({
    onConsole: (type, text) => {
      if (text.startsWith(PROGRESS_PREFIX)) progress(text.slice(PROGRESS_PREFIX.length).trim());
      else if (verbose) process.stderr.write(`[page ${type}] ${text}\n`);
    },
  });

  const call = async <T>(fnName: string, args: unknown, timeoutMs: number): Promise<T> => {
    const page = await session.open(pagePath);
    try {
      await page
        .waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 120_000 })
        .catch((e: Error) => {
          throw new Error(`bench page ${pagePath} did not load: ${session.errors.join('; ') || e.message}`);
        });
      const has = await page.evaluate((n) => typeof (window as unknown as { tractBench?: Record<string, unknown> }).tractBench?.[n] === 'function', fnName);
      if (!has) throw new Error(`bench page ${pagePath} has no window.tractBench.${fnName}`);
      const run = page.evaluate(
        ([n, a]) => (window as unknown as { tractBench: Record<string, (x: unknown) => Promise<unknown>> }).tractBench[n as string](a),
        [fnName, args] as const,
      ) as Promise<T>;
      return await withTimeout(run, timeoutMs, `tractBench.${fnName} in Chromium`);
    } finally {
      await page.close().catch(() => {});
    }
  };

  let adapter: string;
  try {
    adapter = await call<string>('adapter', undefined, 120_000);
  } catch (e) {
    await session.close();
    throw new Error(
      `no WebGPU in headless Chromium (${CHROMIUM}, launched with --enable-unsafe-webgpu): ${(e as Error).message.replace(/^page\.evaluate: /, '').split('\n')[0]}`,
    );
  }
  return { adapter, call, close: () => session.close() };
}

/** One call in one Chromium run: start everything, call window.tractBench[fnName](args), close. */
export async function runInChromium<T = unknown>(pagePath: string, fnName: string, args: unknown, timeoutMs: number): Promise<T> {
  const s = await openBenchSession({ pagePath });
  try {
    return await s.call<T>(fnName, args, timeoutMs);
  } finally {
    await s.close();
  }
}
