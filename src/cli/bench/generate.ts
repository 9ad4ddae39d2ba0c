// `tract bench generate`: decode tokens/s with the KV cache on the stories260K shape (random
// weights of the same shape when the real file is not given) at context 64 and 256: the prompt
// fills the context, then 32 new tokens are decoded one at a time, each read back.
// TRACT_BENCH_GENERATE_CONFIGS=stories260K measures only the named shapes (the GPU check's smoke run).
import { adapterName, requestGpu } from '../../gpu/index.ts';
import { Generator } from '../../infer/generate.ts';
import { DeviceModel } from '../../model/device_model.ts';
import { initParams } from '../../model/init.ts';
import { PRESETS } from '../../model/config.ts';
import { envNames } from './env.ts';
import { round } from './timing.ts';

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  const adapter = adapterName(gpu.adapter);
  const configs = [
    ['stories260K', PRESETS.stories260K],
    ['llama-5M', { ...PRESETS.bench5M, seqLen: 512 }],
  ] as const;
  const named = envNames('TRACT_BENCH_GENERATE_CONFIGS', configs.map(([n]) => n));
  for (const [name, config] of configs.filter(([n]) => !named || named.includes(n))) {
    const model = new DeviceModel(gpu, config);
    model.upload(initParams(model.layout, 1));
    const newTokens = 32;
    for (const context of [64, 256]) {
      for (const batch of [1, 4]) {
        const gen = new Generator(model, batch, context + newTokens + 1);
        const prompts = Array.from({ length: batch }, (_, b) => Array.from({ length: context }, (_, i) => (i * 7 + b) % config.vocabSize));
        await gen.generate(prompts, { maxNewTokens: 2, temperature: 0 }); // compile, allocate
        const t0 = performance.now();
        await gen.generate(prompts, { maxNewTokens: 1, temperature: 0 });
        const prefillMs = performance.now() - t0;
        const t1 = performance.now();
        await gen.generate(prompts, { maxNewTokens: newTokens + 1, temperature: 0 });
        const decodeMs = performance.now() - t1 - prefillMs;
        gen.destroy();
        const line = {
          adapter,
          config: name,
          context,
          batch,
          newTokens,
          prefillMs: round(prefillMs, 1),
          decodeTokensPerSec: round((newTokens * batch) / (decodeMs / 1000), 1),
          msPerDecodeStep: round(decodeMs / newTokens, 2),
        };
        if (json) console.log(JSON.stringify(line));
        else console.log(`generate ${name} context ${context} batch ${batch}: ${line.decodeTokensPerSec} tokens/s decoding (${line.msPerDecodeStep} ms/step), prefill ${line.prefillMs} ms`);
      }
    }
    model.destroy();
  }
  gpu.destroy();
}
