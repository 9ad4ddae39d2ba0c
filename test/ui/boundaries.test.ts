// The boundaries (DESIGN.md §3): imports flow one way through the whole of src/ (gpu → kernels →
// model → train / infer / eval → worker → ui; src/reference for tests only; test/helpers/layers.ts);
// the main-thread bundle never imports GPU code — only the engine worker does — and nothing in
// src/ui writes HTML from strings. Also: text a model generated or a dataset carried, with HTML in
// it, is rendered by the views as text.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderToStaticMarkup } from 'react-dom/server';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { initialState, reducer, type State } from '../../src/ui/state.ts';
import { PlaygroundView } from '../../src/ui/views/PlaygroundView.tsx';
import { TrainView } from '../../src/ui/views/TrainView.tsx';
import { importSpecs, layerViolations, sourceFiles } from '../helpers/layers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** Runtime imports of a module (`import type` is erased; `import { type A }` is not, under verbatimModuleSyntax). */
function runtimeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+([^'"]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (/^type\s/.test(m[2])) continue;
    out.push(m[3]);
  }
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

function uiGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (existsSync(target) && statSync(target).isFile() && /\.(ts|tsx)$/.test(target)) visit(target);
    }
  };
  visit(entry);
  return seen;
}

/** src/ modules the main thread may load: pure data, types and helpers. */
const ALLOWED = [/^ui\//, /^worker\/(client|protocol|history|pretrain_history|method_needs)\.ts$/, /^eval\/config\.ts$/, /^model\/config\.ts$/, /^data\//];

describe('the UI never imports GPU modules', () => {
  const files = [...uiGraph(join(SRC, 'ui', 'main.tsx'))].map((f) => relative(SRC, f));
  it('reaches the views from main.tsx', () => {
    expect(files).toEqual(expect.arrayContaining(['ui/App.tsx', 'ui/views/TrainView.tsx', 'worker/client.ts']));
  });
  it('loads nothing from src/gpu, src/kernels, src/train, src/infer, src/reference, the model’s device code or the engine', () => {
    const bad = files.filter((f) => !ALLOWED.some((a) => a.test(f)));
    expect(bad).toEqual([]);
  });
});

describe('imports flow one way: gpu → kernels → model → train / infer → eval / interop → worker → ui', () => {
  it('src/ has no import against the order, and none of src/reference', () => {
    const files = sourceFiles(SRC);
    expect(files.size).toBeGreaterThan(100);
    expect(layerViolations(files)).toEqual([]);
  });
  it('the checker fails on upward imports (synthetic file sets)', () => {
    const ok = new Map([
      ['kernels/a.ts', "import { f } from '../gpu/index.ts';\nimport wgsl from '../../shaders/a.wgsl?raw';"],
      ['model/b.ts', "import type { T } from '../data/batching.ts';\nimport { a } from '../kernels/a.ts';"],
      ['eval/c.ts', "import { t } from '../train/step.ts';\nimport { j } from '../infer/judge.ts';"],
      ['ui/d.tsx', "import type { Gpu } from '../gpu/index.ts';"],
    ]);
    expect(layerViolations(ok)).toEqual([]);
    const upward = new Map([
      ...ok,
      ['kernels/score.ts', "import {\n  RAFT_REDUCTIONS,\n} from '../train/step.ts';"],
      ['model/x.ts', "export { y } from '../infer/generate.ts';"],
      ['model/z.ts', "const m = await import('../eval/experiment.ts');"],
      ['infer/judge.ts', "import { scoreExpectationRef } from '../reference/score.ts';"],
      ['kernels/rope.ts', "import type { RopeShape } from '../reference/rope.ts';"],
      ['train/s.ts', "import '../infer/sampling.ts';"],
      ['gpu/g.ts', "import { ui } from '../ui/App.tsx';"],
      ['data/d.ts', "import { m } from '../model/config.ts';"],
      ['extra/e.ts', ''],
    ]);
    const bad = layerViolations(upward);
    expect(bad).toHaveLength(9);
    for (const f of ['kernels/score.ts imports train/step.ts', 'model/x.ts imports infer/generate.ts', 'model/z.ts imports eval/experiment.ts', 'infer/judge.ts imports reference/score.ts', 'kernels/rope.ts imports reference/rope.ts', 'train/s.ts imports infer/sampling.ts', 'gpu/g.ts imports ui/App.tsx', 'data/d.ts imports model/config.ts', 'extra/e.ts: src/extra is not in the layer order']) {
      expect(bad.some((b) => b.startsWith(f)), f).toBe(true);
    }
  });
  it('reads every kind of import', () => {
    expect(importSpecs("import a from './a.ts';\nimport type { B } from './b.ts';\nexport * from './c.ts';\nimport d, { e } from './d.ts';\nimport './f.ts';\nawait import('./g.ts');\nimport x from 'react';")).toEqual([
      './a.ts',
      './b.ts',
      './c.ts',
      './d.ts',
      './f.ts',
      './g.ts',
    ]);
  });
});

describe('no HTML from strings', () => {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const dir of ['ui', 'worker']) {
    it(`src/${dir} uses neither dangerouslySetInnerHTML nor innerHTML/outerHTML/insertAdjacentHTML/document.write`, () => {
      for (const f of walk(join(SRC, dir)).filter((f) => /\.tsx?$/.test(f))) {
        expect(readFileSync(f, 'utf8'), relative(SRC, f)).not.toMatch(/dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write/);
      }
    });
  }
});

describe('generated text is rendered as text', () => {
  const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  it('in the Playground’s streamed CoT and the result', () => {
    let s: State = reducer(initialState, { type: 'pg-start', requestId: 1 });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'judge-text', requestId: 1, pieces: [{ sample: 0, text: evil }] }] });
    const sample = { probs: [0.1, 0.2, 0.3, 0.2, 0.1], mass: 0.9, yhat: 2.6, decoded: 3, argmaxIsScore: true };
    s = reducer(s, { type: 'engine', msgs: [{ type: 'judge-result', requestId: 1, judgement: { cots: [evil], samples: [sample], yhat: 2.6, probs: sample.probs, mass: 0.9, decoded: 3 }, ms: 10, tokens: 5, backend: evil }] });
    const html = renderToStaticMarkup(createElement(PlaygroundView, { state: s, dispatch: () => {}, send: () => {} }));
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;');
    expect(html).not.toMatch(/<img|<script/);
  });
  it('in the Train view’s self-generated CoTs', () => {
    const meta = { id: 'r1', label: '<b>run</b>', created: 1, updated: 1, config: initialState.config, status: 'running' as const, stages: ['seed' as const] };
    let s: State = reducer(initialState, { type: 'engine', msgs: [{ type: 'run-status', meta, active: true }] });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'run-history', runId: 'r1', history: { points: [], stages: {}, selfCots: [{ id: 'x<i>', cot: evil }], log: [evil] }, artifacts: [] }] });
    const html = renderToStaticMarkup(createElement(TrainView, { state: s, dispatch: () => {}, send: () => {} }));
    expect(html).toContain('&lt;img src=x');
    expect(html).toContain('&lt;b&gt;run&lt;/b&gt;');
    expect(html).not.toMatch(/<img|<script|<b>|<i>/);
  });
});
