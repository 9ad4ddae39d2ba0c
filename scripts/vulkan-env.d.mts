// Types for scripts/vulkan-env.mjs (imported by vitest.config.ts).
export declare const repoRoot: string;
export declare function vulkanEnv(baseEnv?: Record<string, string | undefined>): {
  env: Record<string, string>;
  source: string;
};
