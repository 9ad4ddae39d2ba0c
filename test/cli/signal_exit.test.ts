// bin/tract.mjs runs the CLI in a child process. A child killed by a signal (the out-of-memory
// killer's SIGKILL, a driver crash) prints nothing itself; the wrapper must say what stopped it and
// exit 128 + the signal's number, never a silent status 1 (which is how a long `tract run` once
// ended with no word of why).
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/vulkan-env.mjs';

function childOf(pid: number): number | null {
  try {
    const out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim();
    return out ? Number(out.split('\n')[0]) : null;
  } catch {
    return null; // pgrep exits 1 when there is no child yet
  }
}

describe('the tract wrapper reports a child stopped by a signal', () => {
  it('SIGKILL: a message naming the signal and exit status 137', async () => {
    const wrapper = spawn(process.execPath, [join(repoRoot, 'bin', 'tract.mjs'), 'info'], { cwd: repoRoot });
    let stderr = '';
    wrapper.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((done) => wrapper.on('exit', (code) => done(code)));
    let child: number | null = null;
    for (let i = 0; i < 200 && child === null; i++) {
      child = childOf(wrapper.pid!);
      if (child === null) await new Promise((r) => setTimeout(r, 10));
    }
    expect(child, 'the CLI child process was never seen').not.toBeNull();
    process.kill(child!, 'SIGKILL');
    expect(await exited).toBe(137);
    expect(stderr).toMatch(/tract: the command was stopped by SIGKILL \(the system may have run out of memory\)/);
  }, 60_000);
});
