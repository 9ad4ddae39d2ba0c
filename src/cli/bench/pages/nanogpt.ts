// Theirs: one training run of @genai-fi/nanogpt 1.3.0 (TF.js, its own patched WebGPU backend) in
// this page, timed the way its own app trains: TeachableLLM.create → warm-up → trainTokeniser →
// training.job, with logInterval 1 ms so that every step logs, and so every step ends with the loss
// read back (a GPU sync) — the step boundaries the timing needs. DESIGN.md §7 has the notes this
// follows.
//
// The package is loaded as shipped — its dist/main.js, an ES module with TF.js bundled inside —
// from /node_modules by URL, not through a bare import: Vite neither pre-bundles nor rewrites it,
// and the dev server the browser tests start never sees it (Vite scans every .html file in the
// repository for bare imports).
import type * as NanoGPT from '@genai-fi/nanogpt';
import type { ITrainingJob } from '@genai-fi/nanogpt';
import { benchCorpus } from './corpus.ts';
import type { TrainBenchArgs, TrainBenchResult } from './types.ts';

const NANOGPT_URL = '/node_modules/@genai-fi/nanogpt/dist/main.js';

type NanoModule = typeof NanoGPT;
type LLM = InstanceType<NanoModule['TeachableLLM']>;

/** Counts of WebGPU calls made by everything in this page (TF.js included). */
const counters = { submits: 0, dispatches: 0, pipelines: 0 };
let counting = false;

/** Wraps GPUQueue.submit, dispatchWorkgroups and compute-pipeline creation with counters: proof
 *  that the work ran on WebGPU, and how many dispatches a step takes. Costs ~0.1 µs a call. */
function countGpuCalls(): void {
  if (counting) return;
  counting = true;
  const wrap = <T extends object>(proto: T, name: keyof T & string, key: keyof typeof counters) => {
    const orig = proto[name] as unknown as (...a: unknown[]) => unknown;
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value(this: unknown, ...a: unknown[]) {
        counters[key]++;
        return orig.apply(this, a);
      },
    });
  };
  wrap(GPUQueue.prototype, 'submit', 'submits');
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', 'dispatches');
  wrap(GPUDevice.prototype, 'createComputePipeline', 'pipelines');
  wrap(GPUDevice.prototype, 'createComputePipelineAsync', 'pipelines');
}

/** A progress line for the harness (browser_bench.ts passes lines with this prefix to stderr). */
function report(line: string): void {
  console.log(`[tract-bench] nanogpt: ${line}`);
}

async function waitWhile(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`nanogpt: ${what} did not finish within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Parameter count of nanogpt's v2 model for a shape (tied embedding, no norm gains, 2-matrix MLP). */
export function nanogptParams(a: Pick<TrainBenchArgs, 'dim' | 'hidden' | 'layers' | 'vocab'>): number {
  return a.vocab * a.dim + a.layers * (4 * a.dim * a.dim + 2 * a.dim * a.hidden);
}

export async function nanogptTrain(a: TrainBenchArgs, adapter: string): Promise<TrainBenchResult> {
  for (const k of ['dim', 'hidden', 'layers', 'heads', 'vocab', 'seqLen', 'batch', 'steps'] as const) {
    if (!Number.isInteger(a[k]) || a[k] <= 0) throw new Error(`nanogpt: ${k} must be a positive integer, got ${a[k]}`);
  }
  countGpuCalls();
  const nano = (await import(/* @vite-ignore */ NANOGPT_URL)) as NanoModule;
  const { TeachableLLM, data } = nano;
  const notes: string[] = [];

  await TeachableLLM.selectBackend('webgpu');

  // v2 is nanogpt's default model: tied embedding, RoPE, RMSNorm without gains, QK-norm, an MLP of
  // two matrices with relu² (not SwiGLU), full multi-head attention (no GQA), no biases.
  const config = {
    modelType: 'GenAI_NanoGPT_v2' as const,
    vocabSize: a.vocab,
    blockSize: a.seqLen,
    nLayer: a.layers,
    nHead: a.heads,
    nEmbed: a.dim,
    mlpFactor: a.hidden / a.dim,
  };
  const tCreate = performance.now();
  const llm: LLM = TeachableLLM.create('char', config);
  let failure: Error | null = null;
  llm.on('error', (e) => (failure ??= e));
  await waitWhile(() => llm.status === 'warmup' && !failure, a.warmupTimeoutMs, 'model warm-up');
  if (failure || llm.status === 'error') throw new Error(`nanogpt: warm-up failed: ${(failure as Error | null)?.message ?? 'status error'}`);
  const warmupMs = performance.now() - tCreate;
  report(`${llm.getNumParams()} parameters, warm-up ${(warmupMs / 1000).toFixed(1)} s; training ${a.steps + 1} steps of ${a.batch}×${a.seqLen} tokens`);

  // The corpus through their own char tokeniser (vocab 512 has room for every character + specials).
  const corpus = benchCorpus();
  const stream = new data.MemoryConversationStream(corpus.map((text) => [{ role: 'text' as const, content: text }]));
  await llm.trainTokeniser([stream]);

  const training = llm.training;
  let tJob = 0;
  const marks: { step: number; t: number; loss: number; time: number }[] = [];
  const before = { ...counters };
  let countsAtFirst = { ...counters };
  let finished!: () => void;
  let failed!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    finished = res;
    failed = rej;
  });
  training.on('progress', (job: ITrainingJob) => {
    const now = performance.now();
    const h = job.history?.[job.history.length - 1];
    if (!h) return;
    marks.push({ step: h.step, t: now, loss: h.trainingMetrics.loss, time: h.time });
    const prev = marks.length > 1 ? marks[marks.length - 2].t : tJob;
    report(`step ${h.step}: loss ${h.trainingMetrics.loss.toFixed(3)}, ${((now - prev) / 1000).toFixed(1)} s`);
    if (marks.length === 1) countsAtFirst = { ...counters };
    if (h.step >= a.steps + 1) training.cancel(job.id);
  });
  training.on('cancelled', () => finished());
  training.on('completed', () => finished());
  training.on('error', (_id: string, e: Error) => failed(e));

  tJob = performance.now();
  await training.job(
    {
      method: { type: 'pretraining' },
      batchSize: a.batch,
      logInterval: 1, // milliseconds: every step logs, i.e. reads its loss back
      learningRate: 1e-3,
      maxEpochs: 1000,
    },
    [stream],
    [{ id: 'tract-bench-corpus', name: 'tract bench corpus', conversational: false }],
  );
  await done;
  const after = { ...counters };
  const params = llm.getNumParams();
  llm.dispose();

  if (marks.length < 2) throw new Error(`nanogpt: only ${marks.length} step(s) logged`);
  const first = marks[0];
  if (first.step !== 1) notes.push(`the first log covered steps 1..${first.step}`);
  const last = marks[marks.length - 1];
  const timedSteps = last.step - first.step;
  const stepMs: number[] = [];
  for (let i = 1; i < marks.length; i++) stepMs.push((marks[i].t - marks[i - 1].t) / (marks[i].step - marks[i - 1].step));
  const msPerStep = (last.t - first.t) / timedSteps;
  const tokensPerStep = a.batch * a.seqLen;
  if (after.submits - before.submits === 0) throw new Error('nanogpt: no WebGPU submits during training: it did not run on WebGPU');

  notes.push(
    'nanogpt GenAI_NanoGPT_v2: tied embedding, RoPE, RMSNorm without gains, QK-norm, 2-matrix relu² MLP (mlpFactor = hidden/dim), full multi-head attention (no GQA), f32, no mixed precision',
    'AdamW (their defaults, lr 1e-3); batches from their char tokeniser + TokenStore + tfjs-data pipeline; the loss is read back after every step (logInterval 1 ms)',
  );
  if (a.kvHeads !== undefined && a.kvHeads !== a.heads) notes.push(`kvHeads ${a.kvHeads} requested: nanogpt has no GQA, it runs ${a.heads} K/V heads`);

  return {
    engine: 'nanogpt',
    tokensPerSec: (tokensPerStep * timedSteps) / ((last.t - first.t) / 1000),
    msPerStep,
    steps: timedSteps,
    firstStepMs: first.time,
    warmupMs,
    backend: 'webgpu',
    adapter,
    params,
    stepMs,
    losses: marks.map((m) => m.loss),
    notes,
    extra: {
      version: '1.3.0',
      modelType: config.modelType,
      mlpFactor: config.mlpFactor,
      /** job() until the first step's log: data preparation, their second batch-1 dummy pass, step 1. */
      jobToFirstStepMs: first.t - tJob,
      dispatchesPerStep: Math.round((after.dispatches - countsAtFirst.dispatches) / timedSteps),
      submitsPerStep: Math.round((after.submits - countsAtFirst.submits) / timedSteps),
      pipelinesCreated: after.pipelines - before.pipelines,
    },
  };
}
