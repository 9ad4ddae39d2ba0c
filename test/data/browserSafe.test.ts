// src/data also runs in a browser Web Worker: none of it may import Node's modules or globals.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './shared.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

describe('src/data is browser-safe', () => {
  const files = sources(join(REPO_ROOT, 'src', 'data'));
  it('has sources to check', () => expect(files.length).toBeGreaterThan(15));
  for (const f of files) {
    it(f.slice(REPO_ROOT.length), () => {
      const code = readFileSync(f, 'utf8');
      expect(code).not.toMatch(/from ['"](node:|fs|path|os|child_process|stream|url)['"]/);
      expect(code).not.toMatch(/\b(process\.|Buffer\.|require\()/);
    });
  }
});
