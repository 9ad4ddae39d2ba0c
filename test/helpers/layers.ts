// The layer order of src/ (DESIGN.md §3) as a checker over a set of files, so the boundaries test
// can run it on the real tree and on synthetic file sets that must fail.
//
//   gpu → kernels → model → train / infer → eval / interop → worker → ui        (cli on top)
//
// A module may import only from layers below its own (peers in a tier do not import each other),
// or its own folder. src/data is a leaf beside the chain (templates, tokenizers, batches): anyone
// may import it and it imports only itself. src/reference (the Float64 CPU twins) is for tests:
// nothing in src imports it. Type-only imports count too: a shape type lives in the layer that
// owns it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';

export const LAYER_RANK: Readonly<Record<string, number>> = {
  gpu: 0,
  kernels: 1,
  model: 2,
  train: 3,
  infer: 3,
  eval: 4,
  interop: 4,
  worker: 5,
  ui: 6,
  cli: 7,
};

/** Folders beside the chain. */
const LEAF = 'data';
const TESTS_ONLY = 'reference';

/** Every relative import of a module: static (`import`/`export … from`, side-effect imports, both
 *  runtime and type-only) and dynamic `import('…')`. */
export function importSpecs(code: string): string[] {
  const out: string[] = [];
  const from = /^\s*(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s*from\s*['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(from)) out.push(m[1]);
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out.filter((s) => s.startsWith('.'));
}

/**
 * The imports that break the order, one line each ("kernels/x.ts imports train/step.ts: …"), for
 * `files`: path relative to src (posix separators) → source text.
 */
export function layerViolations(files: ReadonlyMap<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, code] of files) {
    const from = file.split('/')[0];
    if (from !== LEAF && from !== TESTS_ONLY && !(from in LAYER_RANK)) {
      bad.push(`${file}: src/${from} is not in the layer order (add it to LAYER_RANK)`);
      continue;
    }
    for (const spec of importSpecs(code)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith('..')) continue; // shaders/, package files: not a layer
      const to = target.split('/')[0];
      if (to === from) continue;
      const line = `${file} imports ${target}`;
      if (to === TESTS_ONLY) bad.push(`${line}: src/reference is the tests' CPU twin; move what the engine needs into the layer that owns it`);
      else if (from === LEAF) bad.push(`${line}: src/data imports only itself`);
      else if (to === LEAF) continue;
      else if (!(to in LAYER_RANK)) bad.push(`${line}: src/${to} is not in the layer order`);
      else if (from === TESTS_ONLY) {
        if (LAYER_RANK[to] > LAYER_RANK.infer) bad.push(`${line}: the reference may use the engine's layers up to train/infer only`);
      } else if (LAYER_RANK[to] >= LAYER_RANK[from]) {
        bad.push(`${line}: ${from} (tier ${LAYER_RANK[from]}) may import only from lower tiers, ${to} is tier ${LAYER_RANK[to]}`);
      }
    }
  }
  return bad;
}

/** Every .ts/.tsx file under `dir`, keyed by its path relative to `dir`. */
export function sourceFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(f)) out.set(relative(dir, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}
