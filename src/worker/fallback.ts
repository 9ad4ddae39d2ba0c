// Inference without WebGPU: the Playground's judge on onnxruntime-web's WebAssembly backend. The
// current model is exported to ONNX in memory (the KV-cache variant, src/interop/onnx_export.ts)
// and judged by OrtJudge, which runs the GPU judge's very algorithm (src/infer/judge.ts) on ORT: same
// prompts, sampling, cut at "So the overall", read-out and RAIL arithmetic. Training still needs
// WebGPU: ORT runs inference only.
import type { Judgement } from '../infer/judge.ts';
import { OrtJudge } from '../interop/ort_judge.ts';
import { MAX_N_COT, judgeStreaming, playgroundExample } from './playground.ts';
import type { LoadedModel } from './models.ts';
import type { FallbackStatus, JudgeRequest } from './protocol.ts';
import { readableTokenizer } from './readable_tokenizer.ts';

/** What the backend is called in the UI. */
export const FALLBACK_BACKEND = 'onnxruntime-web (WebAssembly, CPU)';

export const FALLBACK_MESSAGE =
  `Judging falls back to ${FALLBACK_BACKEND}: the Playground works, more slowly; training needs WebGPU`;

/** Whether a judge can run without WebGPU in this build. */
export function fallbackStatus(): FallbackStatus {
  return { available: true, message: FALLBACK_MESSAGE, backend: FALLBACK_BACKEND };
}

/** The Playground's judge on ORT: one session for the current model, kept between requests. */
export class OrtJudgeSession {
  private judgeFor: { loaded: LoadedModel; judge: Promise<OrtJudge> } | null = null;
  /**
   * `configure` runs once before the first ORT session (in a Vite-built worker it points ORT at the
   * .wasm Vite serves: src/interop/ort_browser.ts; Node needs nothing).
   */
  private readonly configure: () => Promise<void>;
  private configured: Promise<void> | null = null;

  constructor(configure: () => Promise<void> = async () => {}) {
    this.configure = configure;
  }

  private ensure(loaded: LoadedModel): Promise<OrtJudge> {
    if (this.judgeFor?.loaded === loaded) return this.judgeFor.judge;
    this.release();
    const tokenizer = loaded.tokenizer;
    if (!tokenizer) throw new Error(`${loaded.summary.name} has no tokenizer`);
    this.configured ??= this.configure().catch((e: unknown) => {
      this.configured = null; // tried again on the next request
      throw e;
    });
    const judge = this.configured.then(() =>
      OrtJudge.fromCheckpoint({ config: loaded.config, params: loaded.params }, { executionProviders: ['wasm'], tokenizerInstance: readableTokenizer(tokenizer), maxBatch: MAX_N_COT }),
    );
    this.judgeFor = { loaded, judge };
    // A failed export or session is not kept: the next request tries again.
    judge.catch(() => {
      if (this.judgeFor?.judge === judge) this.judgeFor = null;
    });
    return judge;
  }

  /** Frees the ORT session (a new model was loaded). */
  release(): void {
    const j = this.judgeFor?.judge;
    this.judgeFor = null;
    void j?.then((x) => x.release()).catch(() => {});
  }

  async judge(loaded: LoadedModel, r: JudgeRequest, onText: (sample: number, text: string) => void): Promise<{ judgement: Judgement; tokens: number }> {
    const example = playgroundExample(loaded, r);
    return judgeStreaming(await this.ensure(loaded), example, loaded, r, onText);
  }
}
