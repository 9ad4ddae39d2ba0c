// `tract bench generate`: decode tokens/s with the KV cache on the stories260K shape (random
// weights of the same shape when the real file is not given) at context 64 and 256: the prompt
// fills the context, then 32 new tokens are decoded greedily. Ours (fused decode step, GPU sampler,
// chunked readback) beside the earlier path (training's forward per token, the logits read back
// and sampled on the CPU), interleaved in one process, with dispatches per decode step and
// readbacks per 8 tokens.
// TRACT_BENCH_GENERATE_CONFIGS=stories260K measures only the named shapes (the GPU check's smoke run).
import { adapterName, requestGpu } from '../../gpu/index.ts';
import { useKeptTuning } from '../tuning_store.ts';
import { Generator } from '../../infer/generate.ts';
import { DeviceModel } from '../../model/device_model.ts';
import { initParams } from '../../model/init.ts';
import { PRESETS } from '../../model/config.ts';
import { envNames } from './env.ts';
import { round } from './timing.ts';

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  await useKeptTuning(gpu); // the kernels `tract generate` runs: those a run or `info --tune` measured
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
        const prompts = Array.from({ length: batch }, (_, b) => Array.from({ length: context }, (_, i) => (i * 7 + b) % config.vocabSize));
        // Ours as it is (fused decode step, GPU sampler, chunked readback) and the earlier path
        // (training's forward per token, logits read back, CPU sampling), timed interleaved.
        const variants = {
          ours: new Generator(model, batch, context + newTokens + 1),
          earlier: new Generator(model, batch, context + newTokens + 1, { sampler: 'cpu', decode: 'unfused' }),
        };
        const timed: Record<string, { prefill: number[]; decode: number[]; dispatches: number; readbacks: number }> = {};
        for (let rep = 0; rep < 4; rep++) { // one warm-up, three timed (median)
          for (const [k, gen] of Object.entries(variants)) {
            if (rep === 0) {
              await gen.generate(prompts, { maxNewTokens: 2, temperature: 0 }); // compile, allocate
              continue;
            }
            const t0 = performance.now();
            await gen.generate(prompts, { maxNewTokens: 1, temperature: 0 });
            const prefillMs = performance.now() - t0;
            const s0 = { ...gen.stats };
            const t1 = performance.now();
            await gen.generate(prompts, { maxNewTokens: newTokens + 1, temperature: 0 });
            const decodeMs = performance.now() - t1 - prefillMs;
            const t = (timed[k] ??= { prefill: [], decode: [], dispatches: 0, readbacks: 0 });
            t.prefill.push(prefillMs);
            t.decode.push(decodeMs);
            t.dispatches = (gen.stats.decodeDispatches - s0.decodeDispatches) / (gen.stats.decodeSteps - s0.decodeSteps);
            t.readbacks = gen.stats.readbacks - s0.readbacks;
          }
        }
        for (const gen of Object.values(variants)) gen.destroy();
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const summary = Object.fromEntries(
          Object.entries(timed).map(([k, t]) => {
            const decodeMs = median(t.decode);
            return [
              k,
              {
                prefillMs: round(median(t.prefill), 1),
                decodeTokensPerSec: round((newTokens * batch) / (decodeMs / 1000), 1),
                msPerDecodeStep: round(decodeMs / newTokens, 2),
                dispatchesPerDecodeStep: t.dispatches,
                readbacksPer8Tokens: round((8 * t.readbacks) / (newTokens + 1), 2),
              },
            ];
          }),
        );
        const line = { adapter, config: name, context, batch, newTokens, ...summary.ours, earlier: summary.earlier, speedup: round(summary.ours.decodeTokensPerSec / summary.earlier.decodeTokensPerSec, 2) };
        if (json) console.log(JSON.stringify(line));
        else {
          const o = summary.ours;
          const e = summary.earlier;
          console.log(
            `generate ${name} context ${context} batch ${batch}: ${o.decodeTokensPerSec} tokens/s decoding (${o.msPerDecodeStep} ms/step, ${o.dispatchesPerDecodeStep} dispatches/step, ${o.readbacksPer8Tokens} readbacks per 8 tokens), prefill ${o.prefillMs} ms; ` +
              `earlier path ${e.decodeTokensPerSec} tokens/s (${e.dispatchesPerDecodeStep} dispatches/step, ${e.readbacksPer8Tokens} readbacks per 8 tokens): ${line.speedup}×`,
          );
        }
      }
    }
    model.destroy();
  }
  gpu.destroy();
}
