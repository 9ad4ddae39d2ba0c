// Bundles the tract CLI (src/cli/main.ts) into one ES module for the GPU bundle (scripts/gpu-bundle.sh).
//
//   node scripts/gpu-bundle.mjs <out.mjs>
//
// What a plain esbuild run would get wrong, and what this does about it:
//   - WGSL is imported as `../../shaders/x.wgsl?raw` (Vite's raw import; scripts/raw-loader.mjs in the
//     tsx CLI): the `raw` plugin inlines each file's text, so the bundle reads no shaders/ at run time.
//   - Modules find shipped files next to themselves (run.ts: `../../public/base/...` from
//     import.meta.url). The `moduleUrl` plugin rewrites `import.meta.url` in our own sources to the
//     URL the module would have if the bundle's folder were the repository root, so the bundle folder
//     holds public/, docs/ ... at the repository's relative paths and every such path resolves.
//   - `webgpu` (loads dist/<platform>-<arch>/dawn.node beside its index.js) and `onnxruntime-web`
//     (imports its .wasm glue beside its own file) stay external: the bundle script copies the few files
//     of each that Node on linux-x64 loads into <bundle>/node_modules/.
//   - `vite` and `playwright-core` serve the Chromium benchmarks only (src/cli/bench/browser.ts): they
//     are replaced by a stub that throws a clear error when a browser benchmark is asked for.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/gpu-bundle.mjs <out.mjs>');
  process.exit(2);
}

const raw = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text' }));
  },
};

const moduleUrl = {
  name: 'module-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|tsx|mts|mjs|js)$/ }, async (args) => {
      if (args.path.includes(`${'/'}node_modules${'/'}`) || !args.path.startsWith(root)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(root, args.path);
      const loader = /\.tsx?$|\.mts$/.test(args.path) ? (args.path.endsWith('x') ? 'tsx' : 'ts') : 'js';
      return { contents: text.replaceAll('import.meta.url', `__tractModuleUrl(${JSON.stringify(rel)})`), loader };
    });
  },
};

const browserOnly = {
  name: 'browser-only',
  setup(b) {
    b.onResolve({ filter: /^(vite|playwright-core)$/ }, (args) => ({ path: args.path, namespace: 'browser-only' }));
    b.onLoad({ filter: /.*/, namespace: 'browser-only' }, (args) => ({
      contents: `const missing = () => { throw new Error(${JSON.stringify(`${args.path} is not in the GPU bundle: the Chromium benchmarks run from a checkout (npm run tract -- bench ...)`)}); };
export const chromium = { launch: missing };
export const createServer = missing;
export default {};`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu', 'onnxruntime-web'],
  plugins: [raw, moduleUrl, browserOnly],
  // CommonJS dependencies call require(); an ES module has none, so give it Node's.
  banner: {
    js: [
      "import { createRequire as __tractCreateRequire } from 'node:module';",
      'const require = __tractCreateRequire(import.meta.url);',
      'const __tractModuleUrl = (rel) => new URL(rel, import.meta.url).href;',
    ].join('\n'),
  },
  legalComments: 'none',
  logLevel: 'warning',
});
