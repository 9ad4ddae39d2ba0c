// The GPU for tests: one device per test worker. A test that needs WebGPU fails (never skips) when
// no adapter is found, so a broken driver install cannot pass CI.
import { requestGpu, type Gpu } from '../../src/gpu/index.ts';

let shared: Promise<Gpu> | null = null;

export function testGpu(): Promise<Gpu> {
  if (!shared) {
    shared = requestGpu().catch((e: unknown) => {
      throw new Error(
        `WebGPU is required for this test and no adapter was found (${String(e)}). ` +
          'Run scripts/install-lavapipe.sh (CPU Vulkan driver) or install Debian chromium (SwiftShader).',
      );
    });
  }
  return shared;
}
