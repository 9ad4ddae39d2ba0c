// src/interop runs in the browser (the app's worker calls OrtJudge when WebGPU is missing): no Node
// modules or globals, and nothing from the app or the CLI. Paths and the file system are src/cli's.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('../../src/interop/', import.meta.url);

describe('src/interop is browser-safe', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  it('has sources to check', () => expect(files.length).toBeGreaterThanOrEqual(10));
  for (const f of files) {
    it(f, () => {
      const code = readFileSync(new URL(f, DIR), 'utf8');
      expect(code).not.toMatch(/from ['"](node:|fs|path|os|child_process|stream|url|buffer)['"]/);
      expect(code).not.toMatch(/\b(Buffer\.|require\()/);
      expect(code).not.toMatch(/from ['"]\.\.\/(worker|ui|cli)\//);
    });
  }
});
