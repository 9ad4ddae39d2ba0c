import { defineConfig } from 'vitest/config';
// Point Vulkan at a CPU driver when there is no GPU (scripts/vulkan-env.mjs). This must happen
// here, before vitest forks its workers: the Vulkan loader and the dynamic linker read these
// variables when a process starts.
import { vulkanEnv } from './scripts/vulkan-env.mjs';

const { env, source } = vulkanEnv();
Object.assign(process.env, env, { TRACT_VULKAN_SOURCE: source });

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // lavapipe runs kernels on the CPU with its own threads: two GPU test files at once on a
    // 2-core machine only slow each other down.
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
