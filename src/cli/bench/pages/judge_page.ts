// Loaded by judge.html in headless Chromium (src/cli/bench/judge.ts): one RAIL judgment timed on
// our WGSL engine (window.tractBench.ours) and on onnxruntime-web (window.tractBench.ort, wasm or
// webgpu execution provider), the same weights and token ids for both.
import { adapterName, requestGpu } from '../../../gpu/index.ts';
import { Generator } from '../../../infer/generate.ts';
import { cacheReadOut } from '../judge_run_ours.ts';
import { loadCheckpoint } from '../../../model/checkpoint.ts';
import { DeviceModel } from '../../../model/device_model.ts';
import { exportOnnx } from '../../../interop/onnx_export.ts';
import { OrtGenerator, OrtLlama } from '../../../interop/ort.ts';
import { OrtJudge } from '../../../interop/ort_judge.ts';
import type { JudgeExample } from '../../../data/index.ts';
import type { Judgement } from '../../../infer/judge.ts';
import { configureOrtForBrowser } from '../../../interop/ort_browser.ts';
import { timeJudgments } from '../judge_run.ts';
import type { JudgeBenchArgs, JudgeBenchResult } from './judge_types.ts';

async function adapter(): Promise<string> {
  const gpu = await requestGpu();
  const name = adapterName(gpu.adapter);
  gpu.destroy();
  return name;
}

const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

const counts = (a: JudgeBenchArgs) => ({ promptTokens: a.prompt.length, cotTokens: a.cotTokens, readoutTokens: a.prompt.length + a.cotTokens + a.suffix.length });
const Tmax = (a: JudgeBenchArgs) => a.prompt.length + a.cotTokens + a.suffix.length + 1;

const bench = {
  adapter,
  async ours(a: JudgeBenchArgs): Promise<JudgeBenchResult> {
    const t0 = performance.now();
    const gpu = await requestGpu();
    const c = loadCheckpoint(fromBase64(a.checkpoint));
    const model = new DeviceModel(gpu, c.config);
    model.upload(c.params);
    const gen = new Generator(model, 1, Math.min(c.config.seqLen, Tmax(a)), a.earlier ? { sampler: 'cpu', decode: 'unfused' } : {});
    await gpu.sync();
    const loadMs = performance.now() - t0;
    try {
      const onCache = !a.earlier && a.readout !== 'sequence' ? cacheReadOut(gen, a.scoreIds) : null;
      const r = await timeJudgments(gen, a, onCache?.readOut);
      onCache?.destroy();
      const notes = a.earlier
        ? ['the earlier path: training kernels per decode step, the logits row read back per token and sampled on the CPU']
        : [`KV cache; fused decode step; sampled on the GPU, the ids read back once per chunk of tokens; ${onCache ? 'read-out on the KV cache (only the suffix runs), K + 4 floats read back' : 'read-out forward over the whole sequence, the logits row read back'}`];
      return { engine: a.earlier ? 'ours-earlier' : onCache ? 'ours' : 'ours-seq-readout', backend: 'webgpu (WGSL kernels)', adapter: adapterName(gpu.adapter), loadMs, ...counts(a), ...r, notes };
    } finally {
      gen.destroy();
      model.destroy();
      gpu.destroy();
    }
  },
  async ort(a: JudgeBenchArgs): Promise<JudgeBenchResult> {
    const ep = a.executionProvider ?? 'wasm';
    const t0 = performance.now();
    await configureOrtForBrowser();
    const c = loadCheckpoint(fromBase64(a.checkpoint));
    const model = await OrtLlama.create(exportOnnx({ config: c.config, params: c.params }, { variant: 'kv' }), { executionProviders: [ep] });
    const gen = new OrtGenerator(model, 1, Math.min(c.config.seqLen, Tmax(a)));
    const loadMs = performance.now() - t0;
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    try {
      const r = await timeJudgments(gen, a);
      return {
        engine: `ort-${ep}`,
        backend: `onnxruntime-web ${ep}`,
        adapter: ep === 'webgpu' ? await adapter() : 'CPU (WebAssembly)',
        loadMs,
        ...counts(a),
        ...r,
        notes: [`KV-cache ONNX graph; ${ep === 'wasm' ? (isolated ? 'wasm threads' : '1 wasm thread (the page is not cross-origin isolated)') : 'webgpu execution provider, tensors copied to the CPU each step'}`],
      };
    } finally {
      await model.release();
    }
  },
  /** The app's fallback API end to end: OrtJudge from checkpoint bytes, greedy CoT-RAIL on one example. */
  async ortJudge(a: { checkpoint: string; example: JudgeExample; executionProvider: 'wasm' | 'webgpu'; maxCotTokens: number }): Promise<{ judgement: Judgement; executionProvider: string }> {
    await configureOrtForBrowser();
    const judge = await OrtJudge.fromCheckpoint(fromBase64(a.checkpoint), { executionProviders: [a.executionProvider] });
    try {
      const [judgement] = await judge.cotRail([a.example], { template: 'compact', maxCotTokens: a.maxCotTokens, sampling: { temperature: 0 } });
      return { judgement, executionProvider: judge.executionProvider };
    } finally {
      await judge.release();
    }
  },
};

(window as unknown as { tractBench: typeof bench }).tractBench = bench;
document.getElementById('status')!.textContent = 'ready';
