// Loaded by attention.html in headless Chromium (src/cli/bench/attention.ts): split vs fused
// attention forwards on the page's adapter (SwiftShader on a machine without a GPU).
import { adapterName, requestGpu } from '../../../gpu/index.ts';
import { timeAttention, type AttentionTiming } from '../attention_timing.ts';

async function adapter(): Promise<string> {
  const gpu = await requestGpu();
  const name = adapterName(gpu.adapter);
  gpu.destroy();
  return name;
}

async function attention(): Promise<AttentionTiming[]> {
  const gpu = await requestGpu();
  try {
    return await timeAttention(gpu);
  } finally {
    gpu.destroy();
  }
}

(window as unknown as { tractBench: unknown }).tractBench = { adapter, attention };
document.getElementById('status')!.textContent = 'ready';
