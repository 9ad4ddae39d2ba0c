// The engine (src/worker/engine.ts) driven in Node through its message protocol, as the worker's
// port would: messages in with send, every message out recorded, and waits for the next message
// of a type. Storage is an in-memory key-value store (a "reload" is a new harness on the same one);
// files under public/ are served as the app serves them, unless `assets` overrides a path.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { GpuUnavailableError, requestGpu, type Gpu } from '../../src/gpu/index.ts';
import { Engine } from '../../src/worker/engine.ts';
import type { FromWorker, RunMeta, ToWorker } from '../../src/worker/protocol.ts';
import { memoryKeyValue, type KeyValue } from '../../src/worker/storage.ts';

export const PUBLIC = new URL('../../public/', import.meta.url);
const devices: Gpu[] = [];

afterAll(() => {
  for (const d of devices) if (d.lostMessage === null) d.destroy();
});

export type Msg<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

export interface HarnessOptions {
  noWebGpu?: boolean;
  /** Files served instead of public/'s (null: missing from the build). */
  assets?: Record<string, Uint8Array | null>;
}

export function harness(kv: KeyValue = memoryKeyValue(), o: HarnessOptions = {}) {
  const msgs: FromWorker[] = [];
  let waiters: { pred: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }[] = [];
  const engine = new Engine({
    post: (m) => {
      msgs.push(m);
      const hit = waiters.filter((w) => w.pred(m));
      waiters = waiters.filter((w) => !w.pred(m));
      hit.forEach((w) => w.resolve(m));
    },
    kv,
    fetchAsset: async (path) => {
      if (o.assets && path in o.assets) return o.assets[path];
      const url = new URL(path, PUBLIC);
      return existsSync(url) ? new Uint8Array(readFileSync(url)) : null;
    },
    requestGpu: async (opts) => {
      if (o.noWebGpu) throw new GpuUnavailableError('navigator.gpu is undefined (this test hides WebGPU)');
      const g = await requestGpu(opts);
      devices.push(g);
      return g;
    },
    eventIntervalMs: 10,
  });
  const send = (m: ToWorker) => engine.handle(m);
  /** The first message (already posted or still to come) of a type that satisfies `pred`. */
  const next = <T extends FromWorker['type']>(type: T, pred: (m: Msg<T>) => boolean = () => true, after = 0): Promise<Msg<T>> => {
    const ok = (m: FromWorker): m is Msg<T> => m.type === type && pred(m as Msg<T>);
    const seen = msgs.slice(after).find(ok);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.push({ pred: ok, resolve: (m) => resolve(m as Msg<T>) }));
  };
  const status = (runId: string, s: RunMeta['status'], after = 0) => next('run-status', (m) => m.meta.id === runId && m.meta.status === s, after);
  return { engine, msgs, send, next, status, kv };
}
