// Persistence for the app: runs (their settings, status, charted history, checkpoints, self-CoTs,
// evaluations) and the Playground's current model, in IndexedDB through idb-keyval. Everything
// goes through a small key-value interface so the engine also runs (and is tested) in Node with a
// Map behind it.
//
// Keys:
//   run/<id>/meta             RunMeta
//   run/<id>/history          RunHistory (charted steps, stage states, self-CoTs, log)
//   run/<id>/artifacts        { name: bytes } index of the run's artifacts
//   run/<id>/a/<name>         an artifact of runExperiment (seed-1/tract.safetensors, seed-1/eval-tract.json, report.json …)
//   model/current             the Playground's model: { name, files: [{ name, bytes }] } or { runId, name }
//   base/<id>/meta            BaseMeta of a base pretrained in this browser
//   base/<id>/history         BaseHistory (train and dev CE as charted)
//   base/<id>/checkpoint      the resumable pretraining checkpoint (F32 weights, AdamW moments, step, log)
//   base/<id>/base            the finished base: F16 safetensors with config, tokenizer and record
//   tuning/<key>              the matmul and attention autotuners' timings for one adapter (tuning_store.ts)
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import type { ArtifactStore } from '../eval/experiment.ts';
import type { CheckpointStore } from '../train/pretrain.ts';
import type { BaseHistory, BaseMeta, RunArtifact, RunHistory, RunMeta } from './protocol.ts';

export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** IndexedDB (database 'tract-web', object store 'kv'). */
export function idbKeyValue(dbName = 'tract-web'): KeyValue {
  const store: UseStore = createStore(dbName, 'kv');
  return {
    get: <T>(key: string) => get<T>(key, store),
    set: (key, value) => set(key, value, store),
    del: (key) => del(key, store),
    keys: async () => (await keys(store)).map(String),
  };
}

/** In memory (Node tests). */
export function memoryKeyValue(map = new Map<string, unknown>()): KeyValue & { map: Map<string, unknown> } {
  return {
    map,
    get: async <T>(key: string) => map.get(key) as T | undefined,
    set: async (key, value) => void map.set(key, structuredClone(value)),
    del: async (key) => void map.delete(key),
    keys: async () => [...map.keys()],
  };
}

const encoder = new TextEncoder();

/** A copy that owns exactly its bytes (IndexedDB clones a view's whole buffer otherwise). */
function ownBytes(data: Uint8Array): Uint8Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}

export class RunStorage {
  readonly kv: KeyValue;

  constructor(kv: KeyValue) {
    this.kv = kv;
  }

  async listRuns(): Promise<RunMeta[]> {
    const ids = (await this.kv.keys()).filter((k) => k.startsWith('run/') && k.endsWith('/meta'));
    const metas = await Promise.all(ids.map((k) => this.kv.get<RunMeta>(k)));
    return metas.filter((m): m is RunMeta => !!m).sort((a, b) => b.created - a.created);
  }

  meta(id: string): Promise<RunMeta | undefined> {
    return this.kv.get<RunMeta>(`run/${id}/meta`);
  }

  saveMeta(meta: RunMeta): Promise<void> {
    return this.kv.set(`run/${meta.id}/meta`, meta);
  }

  async history(id: string): Promise<RunHistory> {
    return (await this.kv.get<RunHistory>(`run/${id}/history`)) ?? { points: [], stages: {}, selfCots: [], log: [] };
  }

  saveHistory(id: string, h: RunHistory): Promise<void> {
    return this.kv.set(`run/${id}/history`, h);
  }

  async artifacts(id: string): Promise<RunArtifact[]> {
    const index = (await this.kv.get<Record<string, number>>(`run/${id}/artifacts`)) ?? {};
    return Object.entries(index).map(([name, bytes]) => ({ name, bytes }));
  }

  async readArtifact(id: string, name: string): Promise<Uint8Array | null> {
    const v = await this.kv.get<Uint8Array | string>(`run/${id}/a/${name}`);
    if (v === undefined) return null;
    return typeof v === 'string' ? encoder.encode(v) : v;
  }

  /** The ArtifactStore runExperiment writes its checkpoints and evaluations to. */
  artifactStore(id: string): ArtifactStore {
    return {
      read: (name) => this.readArtifact(id, name),
      write: async (name, data) => {
        const value = typeof data === 'string' ? data : ownBytes(data);
        await this.kv.set(`run/${id}/a/${name}`, value);
        const indexKey = `run/${id}/artifacts`;
        const index = (await this.kv.get<Record<string, number>>(indexKey)) ?? {};
        index[name] = typeof value === 'string' ? encoder.encode(value).length : value.byteLength;
        await this.kv.set(indexKey, index);
      },
    };
  }

  async deleteRun(id: string): Promise<void> {
    const prefix = `run/${id}/`;
    for (const k of await this.kv.keys()) if (k.startsWith(prefix)) await this.kv.del(k);
  }

  // ---- bases pretrained in this browser ----

  async listBases(): Promise<BaseMeta[]> {
    const ids = (await this.kv.keys()).filter((k) => k.startsWith('base/') && k.endsWith('/meta'));
    const metas = await Promise.all(ids.map((k) => this.kv.get<BaseMeta>(k)));
    return metas.filter((m): m is BaseMeta => !!m).sort((a, b) => b.created - a.created);
  }

  baseMeta(id: string): Promise<BaseMeta | undefined> {
    return this.kv.get<BaseMeta>(`base/${id}/meta`);
  }

  saveBaseMeta(meta: BaseMeta): Promise<void> {
    return this.kv.set(`base/${meta.id}/meta`, meta);
  }

  async baseHistory(id: string, steps: number): Promise<BaseHistory> {
    return (await this.kv.get<BaseHistory>(`base/${id}/history`)) ?? { ce: [], dev: [], steps };
  }

  saveBaseHistory(id: string, h: BaseHistory): Promise<void> {
    return this.kv.set(`base/${id}/history`, h);
  }

  /** Where pretrainBase keeps the run's resumable checkpoint. */
  baseCheckpointStore(id: string): CheckpointStore {
    return {
      read: async () => (await this.kv.get<Uint8Array>(`base/${id}/checkpoint`)) ?? null,
      write: (bytes) => this.kv.set(`base/${id}/checkpoint`, ownBytes(bytes)),
    };
  }

  async readBase(id: string): Promise<Uint8Array | null> {
    return (await this.kv.get<Uint8Array>(`base/${id}/base`)) ?? null;
  }

  writeBase(id: string, bytes: Uint8Array): Promise<void> {
    return this.kv.set(`base/${id}/base`, ownBytes(bytes));
  }

  async deleteBase(id: string): Promise<void> {
    const prefix = `base/${id}/`;
    for (const k of await this.kv.keys()) if (k.startsWith(prefix)) await this.kv.del(k);
  }
}
