// Pretraining a base in the worker (the Train view's "Pretrain a base"): pretrainBase with its
// checkpoint in IndexedDB (so a reload, a cancel or a lost GPU device resumes from the last
// checkpoint and ends with the weights an uninterrupted run would have), cooperative pause and
// cancel through the awaited event handler (as training.ts does for runs), the charted history
// kept and saved as it grows, and at the end the F16 base file a TRACT run can start from.
import type { Gpu } from '../gpu/index.ts';
import { DeviceModel } from '../model/device_model.ts';
import { checkActivationLimits } from '../model/activations.ts';
import { parameterCount } from '../model/config.ts';
import { pretrainBase, type PretrainEvent } from '../train/pretrain.ts';
import { baseConfig, baseTokenizer, makeBaseFile, pretrainOptions } from './base_file.ts';
import { emptyBaseHistory, recordPretrainEvent } from './pretrain_history.ts';
import type { BaseHistory, BaseMeta, FromWorker, PretrainRequest, RunStatus } from './protocol.ts';
import type { RunStorage } from './storage.ts';
import { Cancelled } from './training.ts';

export interface PretrainHost {
  /** The current device (a new one after a loss). */
  gpu(): Promise<Gpu>;
  post(msg: FromWorker): void;
  storage: RunStorage;
  /** Batching interval of pretraining events (ms). */
  eventIntervalMs?: number;
}

interface Active {
  meta: BaseMeta;
  history: BaseHistory;
  paused: boolean;
  cancelled: boolean;
  wake: (() => void) | null;
  lastSave: number;
  /** No event of this attempt yet (the first one says whether it resumed from a checkpoint). */
  fresh: boolean;
}

/** How often the growing history is written while steps arrive (ms). */
const SAVE_EVERY_MS = 2000;
/** Device losses one pretraining recovers from before it gives up. */
const MAX_RECOVERIES = 3;

export class PretrainController {
  private readonly host: PretrainHost;
  private active: Active | null = null;
  private events: { t: number; e: PretrainEvent }[] = [];
  /** The base the queued events are of. */
  private eventsOf: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(host: PretrainHost) {
    this.host = host;
  }

  get activeId(): string | null {
    return this.active?.meta.id ?? null;
  }

  /** The active base's history as it stands (ahead of what is saved). */
  activeHistory(): BaseHistory | null {
    return this.active?.history ?? null;
  }

  async start(request: PretrainRequest): Promise<void> {
    if (this.active) throw new Error(`"${this.active.meta.label}" is pretraining: pause or cancel it before starting another`);
    const options = pretrainOptions(request);
    const tokenizer = baseTokenizer(options.corpusSeed, request.shape.vocabSize);
    const config = baseConfig(request, tokenizer.vocabSize);
    // Fail here, with the reason, rather than at the first step.
    checkActivationLimits(await this.host.gpu(), config, options.batchSize, options.seqLen);
    const now = Date.now();
    const id = `base-${now.toString(36)}`;
    const meta: BaseMeta = {
      id,
      label: request.label || id,
      created: now,
      updated: now,
      request,
      options,
      config,
      parameters: parameterCount(config),
      tokenizer: tokenizer.name,
      status: 'running',
      checkpointStep: 0,
    };
    const history = emptyBaseHistory(options.steps);
    await this.host.storage.saveBaseMeta(meta);
    await this.host.storage.saveBaseHistory(id, history);
    void this.run(meta, history);
  }

  async resume(baseId: string): Promise<void> {
    const a = this.active;
    if (a) {
      if (a.meta.id !== baseId) throw new Error(`"${a.meta.label}" is pretraining: pause or cancel it before resuming another`);
      a.paused = false;
      if (a.wake) a.wake();
      else await this.setStatus(a, 'running');
      return;
    }
    const meta = await this.host.storage.baseMeta(baseId);
    if (!meta) throw new Error(`no base ${baseId} in this browser's storage`);
    if (meta.status === 'done') throw new Error(`"${meta.label}" has finished`);
    void this.run(meta, await this.host.storage.baseHistory(baseId, meta.options.steps));
  }

  async pause(): Promise<void> {
    const a = this.active;
    if (!a) throw new Error('no base is pretraining');
    if (a.paused) return;
    a.paused = true;
    await this.setStatus(a, 'pausing', 'pausing after this step');
  }

  cancel(): void {
    const a = this.active;
    if (!a) throw new Error('no base is pretraining');
    a.cancelled = true;
    a.wake?.();
  }

  /** Marks bases left pretraining by a closed or reloaded page as interrupted (once, at start-up). */
  async markInterrupted(): Promise<void> {
    for (const m of await this.host.storage.listBases()) {
      if (m.id === this.activeId) continue;
      if (m.status === 'running' || m.status === 'pausing' || m.status === 'recovering') {
        await this.host.storage.saveBaseMeta({ ...m, status: 'interrupted', message: `the page was closed or reloaded while it pretrained; Resume continues from ${fromCheckpoint(m.checkpointStep)}`, updated: Date.now() });
      }
    }
  }

  // ---- messages ------------------------------------------------------------------------------

  /** Sends a message after the events queued before it. */
  private post(msg: FromWorker): void {
    this.flush();
    this.host.post(msg);
  }

  private queue(baseId: string, e: PretrainEvent, t: number): void {
    if (this.eventsOf !== baseId) this.flush();
    this.eventsOf = baseId;
    this.events.push({ t, e });
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.host.eventIntervalMs ?? 100);
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.events.length === 0 || !this.eventsOf) return;
    this.host.post({ type: 'pretrain-events', baseId: this.eventsOf, events: this.events.splice(0) });
  }

  private async setStatus(a: Active, status: RunStatus, message?: string): Promise<void> {
    a.meta = { ...a.meta, status, message, updated: Date.now() };
    const ended = status === 'done' || status === 'failed' || status === 'cancelled';
    // Free the GPU before saying so: a request answering the message must not find it still busy.
    if (ended && this.active === a) this.active = null;
    await this.host.storage.saveBaseMeta(a.meta);
    this.post({ type: 'base-status', meta: a.meta, active: !ended });
  }

  private saveHistory(a: Active): Promise<void> {
    a.lastSave = Date.now();
    return this.host.storage.saveBaseHistory(a.meta.id, a.history);
  }

  private record(a: Active, e: PretrainEvent, t: number): void {
    recordPretrainEvent(a.history, e, t);
    this.queue(a.meta.id, e, t);
  }

  private onEvent(a: Active, e: PretrainEvent): void | Promise<void> {
    const t = Date.now();
    // An attempt that does not begin with 'resumed' found no checkpoint: it starts at step 0.
    if (a.fresh && e.type !== 'resumed') this.record(a, { type: 'resumed', step: 0 }, t);
    a.fresh = false;
    this.record(a, e, t);
    if (a.cancelled) throw new Cancelled();
    if (e.type === 'checkpoint') return this.checkpointed(a, e.step);
    if (e.type === 'step') {
      if (t - a.lastSave > SAVE_EVERY_MS) void this.saveHistory(a).catch(() => {});
      if (a.paused) return this.waitWhilePaused(a);
    }
  }

  private async checkpointed(a: Active, step: number): Promise<void> {
    a.meta = { ...a.meta, checkpointStep: step, updated: Date.now() };
    await this.host.storage.saveBaseMeta(a.meta);
    await this.saveHistory(a);
  }

  private async waitWhilePaused(a: Active): Promise<void> {
    await this.saveHistory(a);
    await this.setStatus(a, 'paused', `paused at step ${a.history.ce.length}: Resume continues from here (after a reload, from ${fromCheckpoint(a.meta.checkpointStep)})`);
    while (a.paused && !a.cancelled) await new Promise<void>((resolve) => (a.wake = resolve));
    a.wake = null;
    if (a.cancelled) throw new Cancelled();
    await this.setStatus(a, 'running');
  }

  private async run(meta: BaseMeta, history: BaseHistory): Promise<void> {
    const a: Active = { meta, history, paused: false, cancelled: false, wake: null, lastSave: Date.now(), fresh: true };
    this.active = a;
    const storage = this.host.storage;
    const store = storage.baseCheckpointStore(meta.id);
    let recoveries = 0;
    try {
      await this.setStatus(a, 'running', history.ce.length > 0 ? `resuming from ${fromCheckpoint(meta.checkpointStep)}` : undefined);
      this.post({ type: 'base-history', baseId: meta.id, history: a.history });
      for (;;) {
        let gpu: Gpu;
        try {
          gpu = await this.host.gpu();
        } catch (e) {
          await this.setStatus(a, 'failed', `no GPU: ${(e as Error).message}`);
          return;
        }
        if (a.meta.status === 'recovering') await this.setStatus(a, 'running', 'continuing on a new GPU device after the loss');
        let model: DeviceModel | null = null;
        try {
          const o = a.meta.options;
          const tokenizer = baseTokenizer(o.corpusSeed, a.meta.request.shape.vocabSize);
          model = new DeviceModel(gpu, a.meta.config, { training: true });
          a.fresh = true;
          const log = await pretrainBase(model, tokenizer, o, store, (e) => this.onEvent(a, e));
          const { bytes, record } = await makeBaseFile(gpu, model, tokenizer, o, log);
          await storage.writeBase(a.meta.id, bytes);
          a.meta = { ...a.meta, result: { bytes: bytes.byteLength, trainCe: record.trainCe, devCe: record.devCe, seconds: record.seconds } };
          await this.saveHistory(a);
          await this.setStatus(a, 'done', `finished ${o.steps} steps in ${Math.round(record.seconds)} s of training: train CE ${record.trainCe.toFixed(3)}, dev CE ${record.devCe.toFixed(3)} (F16 weights)`);
          return;
        } catch (e) {
          if (e instanceof Cancelled || a.cancelled) {
            await this.saveHistory(a);
            await this.setStatus(a, 'cancelled', `cancelled: Resume continues from ${fromCheckpoint(a.meta.checkpointStep)}`);
            return;
          }
          // A lost device shows itself as some failed GPU call; give the loss a moment to be reported.
          if (gpu.lostMessage === null) await Promise.race([gpu.device.lost, new Promise((r) => setTimeout(r, 1000))]);
          if (gpu.lostMessage !== null && recoveries < MAX_RECOVERIES) {
            recoveries++;
            await this.saveHistory(a);
            await this.setStatus(a, 'recovering', `GPU device lost (${gpu.lostMessage}): continuing from ${fromCheckpoint(a.meta.checkpointStep)} on a new device`);
            continue;
          }
          await this.saveHistory(a);
          await this.setStatus(a, 'failed', (e as Error).message ?? String(e));
          return;
        } finally {
          model?.destroy();
        }
      }
    } finally {
      this.flush();
      if (this.active === a) this.active = null;
    }
  }
}

function fromCheckpoint(step: number): string {
  return step > 0 ? `the checkpoint at step ${step}` : 'the start (no checkpoint yet)';
}
