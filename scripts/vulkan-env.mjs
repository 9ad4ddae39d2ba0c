// Where WebGPU comes from in Node on a machine without a GPU (DESIGN.md §5).
//
// Dawn (the `webgpu` npm package) talks to Vulkan. The Vulkan loader reads VK_ICD_FILENAMES and the
// dynamic linker reads LD_LIBRARY_PATH when the process starts, so these must be in the environment
// of the process that creates the GPU: the vitest config sets them before it forks its workers, and
// bin/tract.mjs before it starts the CLI.
//
// Policy, first match wins:
//   1. VK_ICD_FILENAMES already set, or TRACT_VULKAN=system  -> leave the environment alone.
//   2. .vulkan/lvp_icd.json exists (scripts/install-lavapipe.sh) -> Mesa 25 lavapipe, CPU.
//   3. No system Vulkan driver besides Debian 12's own lavapipe (which Dawn rejects), and Debian's
//      chromium is installed -> its SwiftShader ICD, CPU (slower; no shader-f16).
//   4. Otherwise leave it to the system's drivers (a real GPU).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

function systemIcds() {
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
  const found = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.json') && !f.startsWith('lvp_icd')) found.push(join(d, f));
  }
  return found;
}

/** Returns { env: additions to process.env, source: a short name of the driver chosen }. */
export function vulkanEnv(baseEnv = process.env) {
  if (baseEnv.VK_ICD_FILENAMES) return { env: {}, source: `VK_ICD_FILENAMES` };
  if (baseEnv.TRACT_VULKAN === 'system') return { env: {}, source: 'system Vulkan' };
  const env = { XDG_RUNTIME_DIR: baseEnv.XDG_RUNTIME_DIR || '/tmp' };
  const lvp = join(repoRoot, '.vulkan', 'lvp_icd.json');
  if (existsSync(lvp) && existsSync(join(repoRoot, '.vulkan', 'ok'))) {
    const libdir = readFileSync(join(repoRoot, '.vulkan', 'libdir'), 'utf8').trim();
    const ld = baseEnv.LD_LIBRARY_PATH ? `${libdir}:${baseEnv.LD_LIBRARY_PATH}` : libdir;
    return { env: { ...env, VK_ICD_FILENAMES: lvp, LD_LIBRARY_PATH: ld }, source: 'lavapipe' };
  }
  if (systemIcds().length === 0 && existsSync(swiftshaderIcd)) {
    return { env: { ...env, VK_ICD_FILENAMES: swiftshaderIcd }, source: 'SwiftShader' };
  }
  return { env, source: 'system Vulkan' };
}
