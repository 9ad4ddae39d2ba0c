// The engine behind the worker: owns the GPU device (and replaces it when it is lost), the Data
// view's dataset, the Playground's model and judge, training runs, bases pretrained in the tab and
// their storage. One GPU job trains at a time: a run or a pretraining. It talks only
// through typed messages (protocol.ts); engine.worker.ts connects it to the worker's port, and the
// Node tests drive it directly with an in-memory store.
import { kernelTable, type TuningStore } from '../kernels/matmul_tuning.ts';
import { attentionKernelRows } from '../kernels/attention_tuning.ts';
import { tuneTrainingKernels, useKeptKernelTuning } from '../train/kernel_tuning.ts';
import { makeConfig } from '../model/config.ts';
import { DEFAULT_CONFIG } from '../eval/config.ts';
import { DEFAULT_BASE_MODEL } from '../train/pretrain.ts';
import { kvTuningStore } from './tuning_store.ts';
import type { TextSource } from '../data/index.ts';
import { GpuUnavailableError, adapterName, limitsRecord, requestGpu as defaultRequestGpu, type Gpu, type GpuOptions } from '../gpu/index.ts';
import { plannedStages, type ExperimentEvent, type Report } from '../eval/experiment.ts';
import { describeBaseFile } from './base_file.ts';
import { Dataset } from './dataset.ts';
import { userRun } from './user_data.ts';
import { FALLBACK_BACKEND, OrtJudgeSession, fallbackStatus } from './fallback.ts';
import { estimateSize, hfModelFromFiles, isHuggingFace, modelFromFiles, tokenizerFilesOf, type LoadedModel, type NamedBytes } from './models.ts';
import { dataViewFit, withRunFit } from './judge_fit.ts';
import { checkJudgement } from '../infer/judgement_check.ts';
import { JudgeSession, playgroundCotSettings } from './playground.ts';
import { evaluateFile, FileEvalCancelled } from './file_eval.ts';
import { PretrainController } from './pretraining.ts';
import type { FromWorker, RunHistory, RunMeta, RunSeed, SeedOrigin, ShippedBase, StageName, ToWorker } from './protocol.ts';
import { evalFromArtifacts, evalFromShipped } from './results.ts';
import { runScoreDemo } from './score_demo.ts';
import { RunStorage, type KeyValue } from './storage.ts';
import { TrainingController } from './training.ts';

export interface EngineDeps {
  post(msg: FromWorker, transfer?: Transferable[]): void;
  kv: KeyValue;
  /** A file shipped with the app (under public/), or null when it is not there. */
  fetchAsset(path: string): Promise<Uint8Array | null>;
  requestGpu?: (o: GpuOptions) => Promise<Gpu>;
  /** Batching interval of training events (ms). */
  eventIntervalMs?: number;
  /** Runs once before the first onnxruntime-web session (the no-WebGPU judge); see fallback.ts. */
  configureOrt?: () => Promise<void>;
}

/** The ready judge and its run, shipped in public/judge (scripts/ready-judge.ts made them). */
export const READY_JUDGE = { checkpoint: 'judge/tract-judge.safetensors', report: 'judge/report.json', eval: 'judge/eval.json' } as const;
export const SHIPPED_RUN_ID = 'shipped';
/** The pretrained base shipped in public/base (`tract pretrain`): a new run's seed by default. */
export const SHIPPED_BASE = 'base/base.safetensors';

type StoredModel = { kind: 'files'; files: NamedBytes[] } | { kind: 'run'; runId: string; name: string };

const decoder = new TextDecoder();
/** Models opened from disk up to this size are kept in IndexedDB for the next visit. */
const MAX_STORED_MODEL_BYTES = 256 * 2 ** 20;

export class Engine {
  private readonly deps: EngineDeps;
  private readonly storage: RunStorage;
  private readonly training: TrainingController;
  private readonly pretraining: PretrainController;
  private readonly dataset = new Dataset();
  private readonly session = new JudgeSession();
  private readonly ortSession: OrtJudgeSession;
  private gpuPromise: Promise<Gpu> | null = null;
  private everReady = false;
  private model: LoadedModel | null = null;
  /** The files the current model was read from (a run's seed model is stored as these). */
  private modelFiles: NamedBytes[] = [];
  private judging = false;
  /** The file evaluation in progress (its cancel flag), or null. */
  private fileEval: { cancel: boolean } | null = null;
  private startedUp = false;
  /** The matmul autotuner's timings, in the app's key-value store. */
  private readonly tuning: TuningStore;
  private events: { runId: string; t: number; e: ExperimentEvent }[] = [];
  private eventTimer: ReturnType<typeof setTimeout> | null = null;
  private shipped: { report: Report; meta: RunMeta } | null | undefined;
  private shippedBaseFile: { bytes: Uint8Array; summary: ShippedBase } | { missing: string } | undefined;

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.storage = new RunStorage(deps.kv);
    this.ortSession = new OrtJudgeSession(deps.configureOrt);
    this.tuning = kvTuningStore(deps.kv);
    this.training = new TrainingController({
      gpu: () => this.gpu(),
      post: (m) => this.post(m),
      queueEvent: (runId, t, e) => this.queueEvent(runId, t, e),
      storage: this.storage,
    });
    this.pretraining = new PretrainController({
      gpu: () => this.gpu(),
      post: (m) => this.post(m),
      storage: this.storage,
      eventIntervalMs: deps.eventIntervalMs,
    });
  }

  // ---- messages ------------------------------------------------------------------------------

  /** Sends a message after the events queued before it (keeps the UI's view in order). */
  post(msg: FromWorker, transfer?: Transferable[]): void {
    this.flushEvents();
    this.deps.post(msg, transfer);
  }

  private queueEvent(runId: string, t: number, e: ExperimentEvent): void {
    this.events.push({ runId, t, e });
    if (this.eventTimer === null) this.eventTimer = setTimeout(() => this.flushEvents(), this.deps.eventIntervalMs ?? 100);
  }

  private flushEvents(): void {
    if (this.eventTimer !== null) clearTimeout(this.eventTimer);
    this.eventTimer = null;
    while (this.events.length > 0) {
      const runId = this.events[0].runId;
      let n = 0;
      while (n < this.events.length && this.events[n].runId === runId) n++;
      const batch = this.events.splice(0, n).map(({ t, e }) => ({ t, e }));
      this.deps.post({ type: 'train-events', runId, events: batch });
    }
  }

  async handle(msg: ToWorker): Promise<void> {
    try {
      await this.dispatch(msg);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (msg.type === 'judge') this.post({ type: 'judge-failed', requestId: msg.request.requestId, message });
      else if (msg.type === 'eval-file') this.post({ type: 'eval-file-failed', message, cancelled: e instanceof FileEvalCancelled });
      else this.post({ type: 'error', message, context: msg.type });
    }
  }

  private async dispatch(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'probe':
        return this.probe();
      case 'kernels-measure':
        return this.measureKernels();
      case 'score-demo': {
        const result = await runScoreDemo(await this.gpu(), msg.logits, msg.gold, msg.levels ?? 5);
        return this.post({ type: 'score-demo', result });
      }
      case 'data-rubric-lab':
        return this.post({ type: 'data-loaded', summary: this.dataset.rubricLab(msg.request) });
      case 'data-file': {
        const f = msg.file;
        const summary = await this.dataset.load(f.name, f.stream() as unknown as TextSource, f.size);
        return this.post({ type: 'data-loaded', summary });
      }
      case 'data-query': {
        const r = this.dataset.query(msg.query, msg.split, msg.offset, msg.limit);
        return this.post({ type: 'data-rows', query: msg.query, split: msg.split, offset: msg.offset, total: r.total, rows: r.rows });
      }
      case 'data-example': {
        const m = this.model;
        const tok = m && m.summary.judge.ok ? m.tokenizer : null;
        // The prompt as the model would see it: its context and the CoT room it was trained with.
        return this.post({ type: 'data-example', detail: this.dataset.detail(msg.index, msg.template, tok, m && tok ? dataViewFit(m, msg.fit) : undefined) });
      }
      case 'estimate': {
        const gpu = await this.currentGpu();
        return this.post({ type: 'estimates', estimates: msg.requests.map((r) => estimateSize(r, gpu?.limits ?? null)) });
      }
      case 'model-open': {
        const files = await Promise.all(msg.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
        this.post({ type: 'model-loading', name: files.map((f) => f.name).join(' + ') });
        this.setModel(await this.modelFromFiles(files), files);
        // Kept for the next visit unless it is large (a big Hugging Face model is opened again instead).
        const total = files.reduce((a, f) => a + f.bytes.byteLength, 0);
        if (total <= MAX_STORED_MODEL_BYTES) return this.deps.kv.set('model/current', { kind: 'files', files } satisfies StoredModel);
        await this.deps.kv.del('model/current');
        return this.post({ type: 'notice', message: `The model (${Math.round(total / 2 ** 20)} MiB) is not kept in this browser: open it again after a reload.` });
      }
      case 'model-ready':
        await this.deps.kv.del('model/current');
        return this.loadReadyJudge();
      case 'model-from-run':
        await this.loadRunModel(msg.runId, msg.name);
        return this.deps.kv.set('model/current', { kind: 'run', runId: msg.runId, name: msg.name } satisfies StoredModel);
      case 'eval-file':
        return this.evalFile(msg.request);
      case 'eval-file-cancel':
        if (this.fileEval) this.fileEval.cancel = true;
        return;
      case 'judge':
        return this.judge(msg);
      case 'train-start': {
        this.onlyOneJob('start a run');
        if (!msg.data) return this.training.start(msg.config, msg.label, await this.seedFor(msg.seed));
        // The file loaded in the Data view, split as chosen.
        const loaded = this.dataset.summary;
        if (!loaded || loaded.kind !== 'file') throw new Error('no file is loaded in the Data view to train on');
        const run = userRun(loaded.name, this.dataset.examples, msg.data, msg.config);
        return this.training.start(run.config, msg.label, await this.seedFor(msg.seed), run);
      }
      case 'train-resume':
        if (msg.runId !== this.training.activeId) this.onlyOneJob('resume a run');
        return this.training.resume(msg.runId);
      case 'train-pause':
        return this.training.pause();
      case 'train-cancel':
        return this.training.cancel();
      case 'runs-list':
        return this.postRuns();
      case 'run-open':
        return this.openRun(msg.runId);
      case 'run-delete':
        if (msg.runId === this.training.activeId) throw new Error('cancel the run before deleting it');
        if (msg.runId === SHIPPED_RUN_ID) throw new Error('the shipped run cannot be deleted');
        await this.storage.deleteRun(msg.runId);
        return this.postRuns();
      case 'artifact-download': {
        const bytes = await this.storage.readArtifact(msg.runId, msg.name);
        if (!bytes) throw new Error(`run ${msg.runId} has no ${msg.name}`);
        const name = `${msg.runId}-${msg.name.replace(/\//g, '-')}`;
        const mime = msg.name.endsWith('.json') ? 'application/json' : msg.name.endsWith('.jsonl') || msg.name.endsWith('.md') ? 'text/plain' : 'application/octet-stream';
        const copy = bytes.slice();
        return this.post({ type: 'download', name, mime, bytes: copy }, [copy.buffer]);
      }
      case 'pretrain-start':
        this.onlyOneJob('pretrain a base');
        return this.pretraining.start(msg.request);
      case 'pretrain-resume':
        if (msg.baseId !== this.pretraining.activeId) this.onlyOneJob('resume pretraining');
        return this.pretraining.resume(msg.baseId);
      case 'pretrain-pause':
        return this.pretraining.pause();
      case 'pretrain-cancel':
        return this.pretraining.cancel();
      case 'base-open':
        return this.openBase(msg.baseId);
      case 'base-delete':
        if (msg.baseId === this.pretraining.activeId) throw new Error('cancel the pretraining before deleting the base');
        await this.storage.deleteBase(msg.baseId);
        return this.postBases();
      case 'base-download': {
        const meta = await this.storage.baseMeta(msg.baseId);
        const bytes = await this.storage.readBase(msg.baseId);
        if (!meta || !bytes) throw new Error(`base ${msg.baseId} has not finished pretraining: there is no file to download yet`);
        const copy = bytes.slice();
        return this.post({ type: 'download', name: `${msg.baseId}.safetensors`, mime: 'application/octet-stream', bytes: copy }, [copy.buffer]);
      }
      case 'debug':
        if (msg.action === 'lose-device') {
          if (msg.atStage !== undefined) return this.training.loseDeviceAt(msg.atStage);
          const gpu = await this.currentGpu();
          if (!gpu) throw new Error('no GPU device to lose');
          gpu.device.destroy();
        }
        return;
    }
  }

  // ---- GPU -----------------------------------------------------------------------------------

  /** The device, requested on first use and again after a loss. */
  gpu(): Promise<Gpu> {
    if (!this.gpuPromise) {
      const request = this.deps.requestGpu ?? defaultRequestGpu;
      const p: Promise<Gpu> = request({
        onLost: (message) => {
          if (this.gpuPromise === p) this.gpuPromise = null;
          this.session.release();
          this.post({ type: 'device-lost', message, recovering: true });
          void this.reacquire();
        },
      });
      this.gpuPromise = p;
      p.catch(() => {
        if (this.gpuPromise === p) this.gpuPromise = null;
      });
    }
    return this.gpuPromise;
  }

  private async currentGpu(): Promise<Gpu | null> {
    try {
      const g = await this.gpu();
      return g.lostMessage === null ? g : null;
    } catch {
      return null;
    }
  }

  /**
   * Times the matmul candidates, then the two training attentions, then a training step in f32 and
   * in mixed precision (where the adapter has shader-f16), for the default run's shapes
   * (the shipped base, batch 4) on this adapter and keeps the fastest, with progress. On request,
   * not before every run: on a CPU
   * adapter it takes a minute or more, which a first visit should not wait for; a GPU takes
   * seconds. Until then (and on a device that has none kept) the built-in choice for the kind of
   * adapter runs.
   */
  private async measureKernels(): Promise<void> {
    const g = await this.gpu();
    const config = makeConfig({ ...DEFAULT_BASE_MODEL });
    const notes: string[] = [];
    const r = await tuneTrainingKernels(g, config, [DEFAULT_CONFIG.finetune.batchSize], config.seqLen, this.tuning, {
      onProgress: (_, done, total) => this.post({ type: 'kernels-progress', done, total }),
      onPhaseDone: (_, line) => notes.push(line),
    });
    this.post({ type: 'kernels', table: kernelTable(r.matmul, attentionKernelRows(r.attention), r.precision.entries), note: notes.join('; ') });
  }

  /** The kernels measured on the current adapter, as kept (null when none are yet); installs them. */
  private async postKernels(): Promise<void> {
    const g = await this.currentGpu();
    if (!g) return;
    const { matmul, attention, precision } = await useKeptKernelTuning(g, this.tuning);
    this.post({ type: 'kernels', table: matmul ? kernelTable(matmul, attention ? attentionKernelRows(attention) : undefined, precision?.entries) : null });
  }

  private async reacquire(): Promise<void> {
    try {
      const g = await this.gpu();
      this.post({ type: 'ready', adapter: g.adapter, granted: limitsRecord(g.limits), recovered: true });
      await this.postKernels();
    } catch (e) {
      this.post({ type: 'error', message: `could not get a new GPU device after the loss: ${(e as Error).message}`, context: 'device' });
    }
  }

  private async probe(): Promise<void> {
    let ok = false;
    try {
      const g = await this.gpu();
      this.post({ type: 'ready', adapter: g.adapter, granted: limitsRecord(g.limits), recovered: this.everReady });
      this.everReady = true;
      ok = true;
      await this.postKernels();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (e instanceof GpuUnavailableError || (e instanceof Error && e.name === 'GpuUnavailableError')) this.post({ type: 'unavailable', reason, fallback: fallbackStatus() });
      else this.post({ type: 'unavailable', reason: `requesting the GPU device failed: ${reason}`, fallback: fallbackStatus() });
    }
    if (this.startedUp) return;
    this.startedUp = true;
    // What a first visit, or a reload, needs: the runs and bases (interrupted ones marked), the
    // shipped base a new run starts from, and a judge.
    await this.training.markInterrupted();
    await this.pretraining.markInterrupted();
    await this.postRuns();
    await this.postBases();
    await this.postShippedBase();
    // Without WebGPU the model still loads (it is parsed on the CPU): the Playground judges on ORT.
    if (ok || fallbackStatus().available) await this.restoreModel();
  }

  // ---- models --------------------------------------------------------------------------------

  private setModel(m: LoadedModel, files: NamedBytes[]): void {
    this.modelFiles = files;
    this.session.release();
    this.ortSession.release();
    this.model = m;
    this.post({ type: 'model', model: m.summary });
  }

  private async modelFromFiles(files: NamedBytes[]): Promise<LoadedModel> {
    if (!isHuggingFace(files)) return modelFromFiles(files, 'file');
    const gpu = await this.currentGpu();
    return hfModelFromFiles(files, gpu?.limits ?? null);
  }

  private async restoreModel(): Promise<void> {
    const stored = await this.deps.kv.get<StoredModel>('model/current');
    try {
      if (stored?.kind === 'files') return this.setModel(await this.modelFromFiles(stored.files), stored.files);
      if (stored?.kind === 'run') return await this.loadRunModel(stored.runId, stored.name);
    } catch (e) {
      this.post({ type: 'notice', message: `The model used last time could not be restored (${(e as Error).message}); the ready judge is loaded instead.` });
    }
    await this.loadReadyJudge();
  }

  private async loadReadyJudge(): Promise<void> {
    this.post({ type: 'model-loading', name: 'the ready judge' });
    const bytes = await this.deps.fetchAsset(READY_JUDGE.checkpoint);
    if (!bytes) throw new Error(`the ready judge (public/${READY_JUDGE.checkpoint}) is missing from this build`);
    const shipped = await this.shippedRun();
    const report = shipped?.report;
    const tractResult = report?.methods['tract-cotrail'];
    const tract = tractResult?.perSeed[0];
    const params = report ? `${(report.parameters / 1e6).toFixed(2)}M-parameter` : 'small';
    const seeds = tractResult?.perSeed.length ?? 0;
    const meanR = tractResult?.mean?.pearson;
    const quality = tract
      ? ` On its run's ${tract.n} ${report!.config.eval.split === 'dev' ? 'dev-split' : 'test'} examples CoT-RAIL reaches Pearson r ${tract.metrics.pearson.value?.toFixed(2) ?? 'n/a'} (RMSE ${tract.metrics.rmse.value.toFixed(2)}) against the gold labels` +
        (seeds > 1 && meanR ? ` (${meanR.mean.toFixed(2)} ± ${meanR.sd.toFixed(2)} over the run's ${seeds} training seeds)` : '')
      : '';
    // Said from the report, not assumed: below r 0.3 it is no judge at all, only the method on show;
    // from 0.7 it agrees well with the gold labels — of Rubric Lab's own families, nothing more.
    const r = meanR?.mean ?? tract?.metrics.pearson.value ?? null;
    const verdict =
      r !== null && r < 0.3
        ? ' — a weak judge, in truth not a working one: its chains of thought have the right form but the wrong operands. It is here so the method can be seen end to end, not to grade real answers.'
        : r !== null && r >= 0.7
          ? ' — good agreement, on Rubric Lab only: a judge of nothing else, made to show the method, not to grade real answers.'
          : ' — a weak judge, made to show the method, not to grade real answers.';
    const origin = report?.seedModel
      ? `the shipped base (public/base/${report.seedModel.name}) fine-tuned with TRACT (stage 2 from the seed)`
      : 'a Llama trained from scratch with TRACT (stage 2 from the seed)';
    const description =
      `The ready judge: ${params === 'small' ? 'a small model,' : `a ${params} model,`} ${origin} on the built-in Rubric Lab data by “npm run tract -- run”, saved in F16.` +
      `${quality}${verdict} It knows Rubric Lab's four task families (arithmetic, letter order, word limits, spelling) and the compact template.`;
    const files = [{ name: 'tract-judge.safetensors', bytes }];
    // Its checkpoint records the prompt fit it was trained with (scripts/ready-judge.ts); an older one's comes from the shipped report.
    this.setModel(withRunFit(modelFromFiles(files, 'ready', description), { report: shipped?.report, where: `the shipped run's ${READY_JUDGE.report}` }), files);
  }

  private async loadRunModel(runId: string, name: string): Promise<void> {
    const meta = await this.storage.meta(runId);
    if (!meta) throw new Error(`no run ${runId}`);
    const bytes = await this.storage.readArtifact(runId, name);
    if (!bytes) throw new Error(`run "${meta.label}" has no ${name}`);
    const files: NamedBytes[] = [{ name: name.split('/').pop()!, bytes }];
    // A run from a loaded seed shares its tokenizer, whose file (tok*.bin, tokenizer.json) is stored with the run.
    for (const f of meta.seedModel?.files ?? []) {
      const b = await this.storage.readArtifact(runId, f);
      if (b) files.push(...tokenizerFilesOf([{ name: f.slice(f.lastIndexOf('/') + 1), bytes: b }]));
    }
    const m = modelFromFiles(files, 'run', `${name} from the run "${meta.label}" trained in this browser.`);
    m.summary.template = meta.config.data.template;
    // The prompt fit it was trained with: its run's report, else the run's config (as runExperiment derives it).
    const reportBytes = await this.storage.readArtifact(runId, 'report.json');
    let report: unknown;
    try {
      report = reportBytes ? JSON.parse(decoder.decode(reportBytes)) : undefined;
    } catch {
      report = undefined;
    }
    this.setModel(withRunFit(m, { report, config: meta.config, where: `the run "${meta.label}"` }), files);
  }

  private async judge(msg: Extract<ToWorker, { type: 'judge' }>): Promise<void> {
    const r = msg.request;
    const gpu = await this.currentGpu();
    if (!this.model) throw new Error('no model is loaded yet');
    if (this.judging) throw new Error('a judgement is already running');
    const model = this.model;
    this.judging = true;
    const t0 = performance.now();
    let pieces: { sample: number; text: string }[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (pieces.length === 0) return;
      this.post({ type: 'judge-text', requestId: r.requestId, pieces });
      pieces = [];
    };
    // Pieces go out at most every 50 ms. A timer alone is not enough: onnxruntime-web's wasm
    // session may resolve every token in microtasks, so no timer fires until the CoT is done and
    // nothing streams; a piece arriving 50 ms after the last post is therefore posted at once.
    let lastPost = performance.now();
    const onText = (sample: number, text: string) => {
      if (text === '') return;
      pieces.push({ sample, text });
      if (performance.now() - lastPost >= 50) {
        flush();
        lastPost = performance.now();
      } else if (timer === null) timer = setTimeout(() => ((lastPost = performance.now()), flush()), 50);
    };
    try {
      // No device (no WebGPU, or one lost and not yet replaced): the same judge on onnxruntime-web.
      const { judgement, tokens } = gpu ? await this.session.judge(gpu, model, r, onText) : await this.ortSession.judge(model, r, onText);
      flush();
      const backend = gpu ? `WebGPU on ${adapterName(gpu.adapter)}` : FALLBACK_BACKEND;
      // Nothing corrupt is shown as a score: a non-finite read-out fails the judgement (issue 16).
      const checked = checkJudgement(judgement, r.renormalize, 'the renormalise option does');
      if (checked.error) throw new Error(checked.error);
      const { note, warnings: fitWarnings } = playgroundCotSettings(model, r);
      const warnings = [...fitWarnings, ...checked.warnings];
      this.post({ type: 'judge-result', requestId: r.requestId, judgement, ms: performance.now() - t0, tokens, gold: r.gold, backend, promptFit: { note, warnings } });
    } finally {
      if (timer !== null) clearTimeout(timer);
      this.judging = false;
    }
  }

  /** Judges the Data view's dataset with the current model (src/worker/file_eval.ts). */
  private async evalFile(r: Extract<ToWorker, { type: 'eval-file' }>['request']): Promise<void> {
    if (this.fileEval) throw new Error('an evaluation is already running');
    const gpu = await this.currentGpu();
    if (!gpu) throw new Error('evaluating a file needs WebGPU (without it the Playground still judges one example at a time on onnxruntime-web)');
    if (!this.model) throw new Error('no model is loaded yet: open one in the Model view');
    const data = this.dataset.summary;
    // An empty dataset is refused by evaluateFile, with the same words.
    if (!data) throw new Error('the Data view has no examples to evaluate: open a file (or generate Rubric Lab) there first');
    const state = { cancel: false };
    this.fileEval = state;
    const t0 = performance.now();
    let last = -Infinity;
    try {
      const result = await evaluateFile(
        gpu,
        this.model,
        { name: data.name, examples: this.dataset.examples, rejected: data.rejected, errors: data.errors },
        r,
        {
          // At most four progress messages a second, and always the last one.
          onProgress: (done, total) => {
            const now = performance.now();
            if (done < total && now - last < 250) return;
            last = now;
            this.post({ type: 'eval-file-progress', done, total, ms: now - t0 });
          },
          cancelled: () => state.cancel,
        },
      );
      this.post({ type: 'eval-file-result', result });
    } finally {
      this.fileEval = null;
    }
  }

  // ---- seeds and bases ----------------------------------------------------------------------

  /** The GPU trains one thing at a time: a run or a pretraining (a paused one still holds it). */
  private onlyOneJob(what: string): void {
    if (this.training.activeId) throw new Error(`a run is training (or paused): cancel it before you ${what}`);
    if (this.pretraining.activeId) throw new Error(`a base is pretraining (or paused): cancel it before you ${what}`);
  }

  private async shippedBase(): Promise<{ bytes: Uint8Array; summary: ShippedBase } | { missing: string }> {
    if (this.shippedBaseFile) return this.shippedBaseFile;
    const bytes = await this.deps.fetchAsset(SHIPPED_BASE);
    if (!bytes) return (this.shippedBaseFile = { missing: `public/${SHIPPED_BASE} is not in this build` });
    try {
      return (this.shippedBaseFile = { bytes, summary: describeBaseFile('base.safetensors', bytes) });
    } catch (e) {
      return (this.shippedBaseFile = { missing: `public/${SHIPPED_BASE} is not a base model: ${(e as Error).message}` });
    }
  }

  private async postShippedBase(): Promise<void> {
    const b = await this.shippedBase();
    this.post('missing' in b ? { type: 'shipped-base', base: null, reason: b.missing } : { type: 'shipped-base', base: b.summary });
  }

  /** The model a new run starts from (undefined: stage 0 from scratch), with the files it is stored as. */
  private async seedFor(seed: RunSeed): Promise<{ model: LoadedModel; files: NamedBytes[]; origin: SeedOrigin } | undefined> {
    switch (seed.kind) {
      case 'scratch':
        return undefined;
      case 'current-model': {
        if (!this.model) throw new Error('no model is loaded to start from');
        if (!this.model.summary.judge.ok) throw new Error(`${this.model.summary.name} cannot be trained as a judge: ${this.model.summary.judge.reason}`);
        return { model: this.model, files: this.modelFiles, origin: 'model' };
      }
      case 'shipped-base': {
        const b = await this.shippedBase();
        if ('missing' in b) throw new Error(`cannot start from the shipped base: ${b.missing}; start from scratch (stage 0) instead`);
        const files = [{ name: 'base.safetensors', bytes: b.bytes }];
        return { model: modelFromFiles(files, 'file'), files, origin: 'shipped-base' };
      }
      case 'base': {
        const meta = await this.storage.baseMeta(seed.baseId);
        if (!meta) throw new Error(`no base ${seed.baseId} in this browser's storage`);
        const bytes = await this.storage.readBase(seed.baseId);
        if (meta.status !== 'done' || !bytes) throw new Error(`"${meta.label}" has not finished pretraining: resume it, or start from another seed`);
        const files = [{ name: `${meta.id}.safetensors`, bytes }];
        const m = modelFromFiles(files, 'file');
        return { model: { ...m, summary: { ...m.summary, name: meta.label } }, files, origin: 'base' };
      }
    }
  }

  private async postBases(): Promise<void> {
    this.post({ type: 'bases', bases: await this.storage.listBases(), active: this.pretraining.activeId });
  }

  private async openBase(baseId: string): Promise<void> {
    const meta = await this.storage.baseMeta(baseId);
    if (!meta) throw new Error(`no base ${baseId} in this browser's storage`);
    const active = baseId === this.pretraining.activeId;
    this.post({ type: 'base-status', meta, active });
    const history = (active ? this.pretraining.activeHistory() : null) ?? (await this.storage.baseHistory(baseId, meta.options.steps));
    this.post({ type: 'base-history', baseId, history });
  }

  // ---- runs ----------------------------------------------------------------------------------

  private async shippedRun(): Promise<{ report: Report; meta: RunMeta } | null> {
    if (this.shipped !== undefined) return this.shipped;
    const bytes = await this.deps.fetchAsset(READY_JUDGE.report);
    if (!bytes) return (this.shipped = null);
    const report = JSON.parse(decoder.decode(bytes)) as Report;
    const meta: RunMeta = {
      id: SHIPPED_RUN_ID,
      label: 'Default run (tract run, shipped with the app)',
      created: 0,
      updated: 0,
      config: report.config,
      status: 'done',
      message: 'made by “npm run tract -- run” on a 2-core CPU; its TRACT model is the ready judge',
      stages: plannedStages(report.config),
      shipped: true,
    };
    // The shipped run says what it started from (its report names the seed; base.safetensors is the shipped base's file).
    if (report.seedModel) meta.seedModel = { name: report.seedModel.name, files: [], origin: report.seedModel.name === 'base.safetensors' ? 'shipped-base' : 'model' };
    return (this.shipped = { report, meta });
  }

  private async postRuns(): Promise<void> {
    const runs = await this.storage.listRuns();
    const shipped = await this.shippedRun().catch(() => null);
    this.post({ type: 'runs', runs: shipped ? [...runs, shipped.meta] : runs, active: this.training.activeId });
  }

  private async openRun(runId: string): Promise<void> {
    if (runId === SHIPPED_RUN_ID) {
      const s = await this.shippedRun();
      if (!s) throw new Error('this build has no shipped run');
      const seed = `seed-${s.report.seeds[0]}`;
      const stages: RunHistory['stages'] = {};
      for (const [name, seconds] of Object.entries(s.report.stageSeconds[seed] ?? {})) stages[name as StageName] = { status: 'done', seconds };
      this.post({ type: 'run-history', runId, history: { points: [], stages, selfCots: [], log: [] }, artifacts: [] });
      const evalBytes = await this.deps.fetchAsset(READY_JUDGE.eval);
      if (evalBytes) {
        const evaluation = evalFromShipped(s.report.config, JSON.parse(decoder.decode(evalBytes)));
        this.post({ type: 'run-results', runId, report: s.report, evaluation });
      }
      return;
    }
    const meta = await this.storage.meta(runId);
    if (!meta) throw new Error(`no run ${runId} in this browser's storage`);
    this.post({ type: 'run-status', meta, active: runId === this.training.activeId });
    const history = (runId === this.training.activeId ? this.training.activeHistory() : null) ?? (await this.storage.history(runId));
    this.post({ type: 'run-history', runId, history, artifacts: await this.storage.artifacts(runId) });
    const reportBytes = await this.storage.readArtifact(runId, 'report.json');
    if (reportBytes) {
      const report = JSON.parse(decoder.decode(reportBytes)) as Report;
      const evaluation = await evalFromArtifacts(meta.config, meta.config.seeds[0], (n) => this.storage.readArtifact(runId, n));
      this.post({ type: 'run-results', runId, report, evaluation });
    }
  }
}
