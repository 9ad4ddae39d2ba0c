// `tract info`: the adapter this machine gives WebGPU, its features and the limits the engine uses.
import { adapterName, limitsRecord, requestGpu } from '../gpu/index.ts';
import { parseFlags } from './args.ts';
import type { Command } from './main.ts';

export const command: Command = {
  summary: 'show the WebGPU adapter, its features and limits',
  usage: 'usage: tract info [--json]\n\n  --json   print one JSON object {adapter, runtime, features, limits}',
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } });
    const gpu = await requestGpu();
    const a = gpu.adapter;
    if (values.json) {
      console.log(JSON.stringify({ adapter: adapterName(a), ...a, deviceLimits: limitsRecord(gpu.limits) }, null, 2));
    } else {
      console.log(`adapter:  ${adapterName(a)}`);
      console.log(`runtime:  ${a.runtime}`);
      console.log(`features: ${a.features.join(', ')}`);
      console.log('limits (adapter maximum / granted to the engine):');
      const granted = limitsRecord(gpu.limits);
      for (const [k, v] of Object.entries(a.limits).sort()) {
        console.log(`  ${k.padEnd(44)} ${String(v).padStart(12)}${granted[k] !== undefined && granted[k] !== v ? `  (granted ${granted[k]})` : ''}`);
      }
    }
    gpu.destroy();
    return 0;
  },
};
