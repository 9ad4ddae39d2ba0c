// Training runs in the worker: runExperiment with an IndexedDB ArtifactStore, cooperative pause,
// resume and cancel (through the awaited event handler: a step or stage boundary waits while
// paused; cancel throws), the charted history kept and saved as it grows, and recovery from a lost
// GPU device: the run starts again on a new device and continues after its last finished stage
// (every finished stage is a checkpoint in the store).
import { validateExperimentConfig, type ExperimentConfig } from '../eval/config.ts';
import { checkSeedModel, plannedStages, runExperiment, type ExperimentEvent, type SeedModel } from '../eval/experiment.ts';
import { renderMarkdown } from '../eval/report.ts';
import type { Gpu } from '../gpu/index.ts';
import { emptyHistory, recordEvent, trimUnfinished } from './history.ts';
import type { FromWorker, RunHistory, RunMeta, RunStatus, SeedOrigin } from './protocol.ts';
import { hfModelFromFiles, isHuggingFace, modelFromFiles, type LoadedModel, type NamedBytes } from './models.ts';
import { evalFromArtifacts, readRunData, RUN_DATA_ARTIFACT } from './results.ts';
import type { UserRun } from './user_data.ts';
import type { RunStorage } from './storage.ts';

export class Cancelled extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'Cancelled';
  }
}

export interface TrainingHost {
  /** The current device (a new one after a loss). */
  gpu(): Promise<Gpu>;
  post(msg: FromWorker): void;
  /** Queues an event for the UI (sent in batches). */
  queueEvent(runId: string, t: number, e: ExperimentEvent): void;
  storage: RunStorage;
}

interface Active {
  meta: RunMeta;
  history: RunHistory;
  paused: boolean;
  cancelled: boolean;
  wake: (() => void) | null;
  lastSave: number;
}

/** How often the growing history is written to IndexedDB while steps arrive (ms). */
const SAVE_EVERY_MS = 2000;
/** Device losses one run recovers from before it gives up. */
const MAX_RECOVERIES = 3;

export class TrainingController {
  private readonly host: TrainingHost;
  active: Active | null = null;
  /** A debug request: destroy the device at this stage's next step (then forgotten). */
  private loseAt: string | null = null;

  constructor(host: TrainingHost) {
    this.host = host;
  }

  get activeId(): string | null {
    return this.active?.meta.id ?? null;
  }

  /** The active run's history as it stands (ahead of what is saved). */
  activeHistory(): RunHistory | null {
    return this.active?.history ?? null;
  }

  /** `seed`: a loaded model (the files it came from, and what it is) to start from instead of stage 0. */
  async start(config: ExperimentConfig, label: string, seed?: { model: LoadedModel; files: NamedBytes[]; origin: SeedOrigin }, user?: UserRun): Promise<void> {
    if (this.active) throw new Error(`"${this.active.meta.label}" is training: pause or cancel it before starting another run`);
    validateExperimentConfig(config, 'run settings');
    if (config.seeds.length !== 1) throw new Error('the app trains one seed per run; for several seeds use `npm run tract -- run --seeds 1,2,3`');
    if (seed) checkSeedModel(seedOf(seed.model));
    const now = Date.now();
    const id = `run-${now.toString(36)}`;
    const meta: RunMeta = { id, label: label || id, created: now, updated: now, config, status: 'running', stages: plannedStages(config) };
    if (seed) {
      // The seed's own files go with the run, so a resume after a reload starts from the same model.
      const store = this.host.storage.artifactStore(id);
      const files = seed.files.map((f) => `seed-model/${f.name}`);
      for (const f of seed.files) await store.write(`seed-model/${f.name}`, f.bytes);
      meta.seedModel = { name: seed.model.summary.name, files, origin: seed.origin };
    }
    if (user) {
      // The split examples go with the run: a resume, and the Evaluate view, read the same ones.
      await this.host.storage.artifactStore(id).write(RUN_DATA_ARTIFACT, JSON.stringify(user.data));
      meta.data = user.meta;
    }
    const history = emptyHistory();
    await this.host.storage.saveMeta(meta);
    await this.host.storage.saveHistory(id, history);
    void this.run(meta, history);
  }

  async resume(runId: string): Promise<void> {
    const a = this.active;
    if (a) {
      if (a.meta.id !== runId) throw new Error(`"${a.meta.label}" is training: pause or cancel it before resuming another run`);
      a.paused = false;
      if (a.wake) a.wake();
      else await this.setStatus(a, 'running');
      return;
    }
    const meta = await this.host.storage.meta(runId);
    if (!meta) throw new Error(`no run ${runId} in this browser's storage`);
    if (meta.shipped) throw new Error('the shipped run is read-only');
    if (meta.status === 'done') throw new Error(`"${meta.label}" has finished`);
    const history = await this.host.storage.history(runId);
    trimUnfinished(history);
    void this.run(meta, history);
  }

  async pause(): Promise<void> {
    const a = this.active;
    if (!a) throw new Error('no run is training');
    if (a.paused) return;
    a.paused = true;
    // Takes effect at the next training step or stage boundary (sampling stages run to their end).
    await this.setStatus(a, 'pausing', 'pausing at the next step or stage boundary');
  }

  /** Debug: the device is lost at the next training step of `stage` (any run, any seed). */
  loseDeviceAt(stage: string): void {
    this.loseAt = stage;
  }

  cancel(): void {
    const a = this.active;
    if (!a) throw new Error('no run is training');
    a.cancelled = true;
    a.wake?.();
  }

  /** The run's seed model, from the files stored with it. */
  private async loadSeed(meta: RunMeta): Promise<SeedModel> {
    const spec = meta.seedModel!;
    const files: NamedBytes[] = [];
    for (const name of spec.files) {
      const bytes = await this.host.storage.readArtifact(meta.id, name);
      if (!bytes) throw new Error(`run "${meta.label}" lost its seed model file ${name}`);
      files.push({ name: name.slice('seed-model/'.length), bytes });
    }
    const loaded = isHuggingFace(files) ? await hfModelFromFiles(files, null) : modelFromFiles(files, 'file');
    return seedOf({ ...loaded, summary: { ...loaded.summary, name: spec.name } });
  }

  /** Marks runs left 'running' by a closed or reloaded page as interrupted (once, at start-up). */
  async markInterrupted(): Promise<void> {
    for (const m of await this.host.storage.listRuns()) {
      if (m.id === this.activeId) continue;
      if (m.status === 'running' || m.status === 'pausing' || m.status === 'recovering') {
        await this.host.storage.saveMeta({ ...m, status: 'interrupted', message: 'the page was closed or reloaded while it trained', updated: Date.now() });
      }
    }
  }

  private async setStatus(a: Active, status: RunStatus, message?: string): Promise<void> {
    a.meta = { ...a.meta, status, message, updated: Date.now() };
    const ended = status === 'done' || status === 'failed' || status === 'cancelled';
    // Free the GPU before saying so: a request answering the message must not find it still busy.
    if (ended && this.active === a) this.active = null;
    await this.host.storage.saveMeta(a.meta);
    this.host.post({ type: 'run-status', meta: a.meta, active: !ended });
  }

  private saveHistory(a: Active): Promise<void> {
    a.lastSave = Date.now();
    return this.host.storage.saveHistory(a.meta.id, a.history);
  }

  private onEvent(a: Active, e: ExperimentEvent): void | Promise<void> {
    const t = Date.now();
    recordEvent(a.history, e, t);
    this.host.queueEvent(a.meta.id, t, e);
    if (a.cancelled) throw new Cancelled();
    // Only step and stage events are awaited by runExperiment: pause there.
    if (e.type === 'stage') return this.boundary(a, e.status !== 'start');
    if (e.type === 'step') {
      if (this.loseAt === e.stage) {
        this.loseAt = null;
        return this.host.gpu().then((g) => g.device.destroy());
      }
      if (t - a.lastSave > SAVE_EVERY_MS) void this.saveHistory(a).catch(() => {});
      if (a.paused) return this.waitWhilePaused(a);
    }
  }

  private async boundary(a: Active, save: boolean): Promise<void> {
    if (save) await this.saveHistory(a);
    if (a.paused) await this.waitWhilePaused(a);
  }

  private async waitWhilePaused(a: Active): Promise<void> {
    await this.saveHistory(a);
    await this.setStatus(a, 'paused', 'paused: Resume continues from here');
    while (a.paused && !a.cancelled) await new Promise<void>((resolve) => (a.wake = resolve));
    a.wake = null;
    if (a.cancelled) throw new Cancelled();
    await this.setStatus(a, 'running');
  }

  private async run(meta: RunMeta, history: RunHistory): Promise<void> {
    const a: Active = { meta, history, paused: false, cancelled: false, wake: null, lastSave: Date.now() };
    this.active = a;
    const storage = this.host.storage;
    const store = storage.artifactStore(meta.id);
    let recoveries = 0;
    try {
      await this.setStatus(a, 'running', history.points.length > 0 || Object.keys(history.stages).length > 0 ? 'resumed after the last finished stage' : undefined);
      this.host.post({ type: 'run-history', runId: meta.id, history: a.history, artifacts: await storage.artifacts(meta.id) });
      for (;;) {
        let gpu: Gpu;
        try {
          gpu = await this.host.gpu();
        } catch (e) {
          await this.setStatus(a, 'failed', `no GPU: ${(e as Error).message}`);
          return;
        }
        if (a.meta.status === 'recovering') await this.setStatus(a, 'running', 'continuing on a new GPU device after the loss');
        try {
          const seedModel = meta.seedModel ? await this.loadSeed(meta) : undefined;
          const data = meta.data ? await readRunData((n) => storage.readArtifact(meta.id, n)) : undefined;
          if (meta.data && !data) throw new Error(`run "${meta.label}" lost its data (${RUN_DATA_ARTIFACT})`);
          const report = await runExperiment(gpu, meta.config, store, (e) => this.onEvent(a, e), { seedModel, data: data ?? undefined });
          await store.write('report.json', JSON.stringify(report));
          await store.write('report.md', renderMarkdown(report, `tract-web in the browser: run "${meta.label}"`));
          const evaluation = await evalFromArtifacts(meta.config, meta.config.seeds[0], (n) => storage.readArtifact(meta.id, n));
          await this.saveHistory(a);
          this.host.post({ type: 'run-results', runId: meta.id, report, evaluation });
          this.host.post({ type: 'run-history', runId: meta.id, history: a.history, artifacts: await storage.artifacts(meta.id) });
          await this.setStatus(a, 'done', `finished in ${report.wallSeconds.toFixed(1)} s`);
          return;
        } catch (e) {
          if (e instanceof Cancelled || a.cancelled) {
            await this.saveHistory(a);
            await this.setStatus(a, 'cancelled', 'cancelled: the finished stages are kept, and Resume continues after them');
            return;
          }
          // A lost device shows itself as some failed GPU call; give the loss a moment to be reported.
          if (gpu.lostMessage === null) await Promise.race([gpu.device.lost, new Promise((r) => setTimeout(r, 1000))]);
          if (gpu.lostMessage !== null && recoveries < MAX_RECOVERIES) {
            recoveries++;
            trimUnfinished(a.history);
            await this.saveHistory(a);
            await this.setStatus(a, 'recovering', `GPU device lost (${gpu.lostMessage}): continuing from the last finished stage on a new device`);
            this.host.post({ type: 'run-history', runId: meta.id, history: a.history, artifacts: await storage.artifacts(meta.id) });
            continue;
          }
          await this.saveHistory(a);
          await this.setStatus(a, 'failed', (e as Error).message ?? String(e));
          return;
        }
      }
    } finally {
      if (this.active === a) this.active = null;
    }
  }
}

/** A loaded model as the experiment's seed. */
function seedOf(m: LoadedModel): SeedModel {
  if (!m.tokenizer) throw new Error(`${m.summary.name} has no tokenizer: open its tokenizer file together with it`);
  return { name: m.summary.name, config: m.config, params: m.params, tokenizer: m.tokenizer };
}
