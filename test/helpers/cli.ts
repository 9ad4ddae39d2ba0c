// Runs the real `tract` command (bin/tract.mjs → src/cli/main.ts) in a child process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/vulkan-env.mjs';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function tract(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'tract.mjs'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
