// src/model runs in the browser's engine worker too: no Node modules or globals, and (DESIGN.md §3,
// imports flow gpu → kernels → model → train/infer) nothing from the layers above it. src/data is a
// leaf beside the chain (test/helpers/layers.ts): the score head reads its tokenizer and batch types.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('../../src/model/', import.meta.url);

describe('src/model is browser-safe', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  it('has sources to check', () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(f, () => {
      const code = readFileSync(new URL(f, DIR), 'utf8');
      expect(code).not.toMatch(/from ['"](node:|fs|path|os|child_process|stream|url|buffer)['"]/);
      expect(code).not.toMatch(/\b(process\.|Buffer\.|require\()/);
      expect(code).not.toMatch(/from ['"]\.\.\/(train|infer|eval|interop|worker|ui|cli)\//);
    });
  }
});
