// The app's place for the autotuner's timings (kernels/matmul_tuning.ts): the engine's key-value
// store (IndexedDB in the browser, a Map in tests) under tuning/<store key>, so a second visit on
// the same adapter measures nothing. See storage.ts for the other keys.
import type { TuningStore } from '../kernels/matmul_tuning.ts';
import type { KeyValue } from './storage.ts';

export const TUNING_PREFIX = 'tuning/';

export function kvTuningStore(kv: KeyValue): TuningStore {
  return {
    where: 'this browser (IndexedDB)',
    async read(key) {
      try {
        const v = await kv.get<string>(TUNING_PREFIX + key);
        return typeof v === 'string' ? v : null;
      } catch {
        return null;
      }
    },
    async write(key, value) {
      // A full quota or a closed database: the timings still serve this session (tuneMatmul has
      // installed them); they are measured again next time.
      await kv.set(TUNING_PREFIX + key, value).catch(() => undefined);
    },
  };
}
