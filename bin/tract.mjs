#!/usr/bin/env node
// The `tract` command. Starts the TypeScript CLI (src/cli/main.ts) in a child Node process whose
// environment points Vulkan at a CPU driver when the machine has no GPU (see scripts/vulkan-env.mjs:
// the loader and the dynamic linker read it at process start, so it cannot be set later).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, vulkanEnv } from '../scripts/vulkan-env.mjs';

const { env, source } = vulkanEnv();
const child = spawn(
  process.execPath,
  [
    '--import', import.meta.resolve('tsx'),
    '--import', pathToFileURL(join(repoRoot, 'scripts', 'raw-hooks.mjs')).href,
    join(repoRoot, 'src', 'cli', 'main.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, ...env, TRACT_VULKAN_SOURCE: source }, cwd: process.cwd() },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
// A child killed by a signal (the kernel's out-of-memory killer, a crash in the Vulkan driver) prints
// nothing itself: say so, and exit as a shell reports it (128 + the signal's number).
child.on('exit', (code, signal) => {
  if (signal) {
    const hint = signal === 'SIGKILL' ? ' (the system may have run out of memory)' : signal === 'SIGSEGV' || signal === 'SIGABRT' || signal === 'SIGBUS' ? ' (a crash in native code: the GPU driver or Dawn)' : '';
    console.error(`tract: the command was stopped by ${signal}${hint} (tract run, tract pretrain and tract judge --out continue where they stopped when started again)`);
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 0);
});
