#!/usr/bin/env node
// The `tract` command. Starts the TypeScript CLI (src/cli/main.ts) in a child Node process whose
// environment points Vulkan at a CPU driver when the machine has no GPU (see scripts/vulkan-env.mjs:
// the loader and the dynamic linker read it at process start, so it cannot be set later).
import { spawn } from 'node:child_process';
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
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
