// The browser's place for the autotuner's timings (kernels/matmul_tuning.ts): IndexedDB through
// idb-keyval, one entry per store key. A browser without IndexedDB (private windows of some) keeps
// them for the page's life only.
import { createStore, get, set } from 'idb-keyval';
import type { TuningStore } from '../kernels/matmul_tuning.ts';

export function indexedDbTuningStore(): TuningStore {
  const memory = new Map<string, string>();
  let db: ReturnType<typeof createStore> | null = null;
  try {
    db = typeof indexedDB === 'undefined' ? null : createStore('tract-web-tuning', 'timings');
  } catch {
    db = null;
  }
  return {
    where: db ? 'IndexedDB (tract-web-tuning)' : 'memory',
    async read(key) {
      if (memory.has(key)) return memory.get(key)!;
      if (!db) return null;
      try {
        const v = await get<string>(key, db);
        return typeof v === 'string' ? v : null;
      } catch {
        return null;
      }
    },
    async write(key, value) {
      memory.set(key, value);
      if (!db) return;
      try {
        await set(key, value, db);
      } catch {
        // Quota or a closed database: the timings stay in memory for this page.
      }
    },
  };
}
