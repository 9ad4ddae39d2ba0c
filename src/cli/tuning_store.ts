// Where `tract` keeps the autotuner's timings (kernels/matmul_tuning.ts): one JSON file per store
// key in $TRACT_TUNING_DIR, else $XDG_CACHE_HOME/tract-web/tuning, else ~/.cache/tract-web/tuning.
// A file holds its own key (checked when read), and is written atomically, so two runs tuning at
// once leave one whole file. A folder that cannot be written is reported once and tuning goes on
// in memory.
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Gpu } from '../gpu/index.ts';
import type { TuningStore } from '../kernels/matmul_tuning.ts';
import { useKeptKernelTuning } from '../train/kernel_tuning.ts';
import { writeFileAtomic } from './paths.ts';
import { hash32 } from '../data/rng.ts';

export function tuningDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRACT_TUNING_DIR) return env.TRACT_TUNING_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tract-web', 'tuning');
}

/** A file name for a key: readable head plus a hash, no path characters. */
function fileFor(key: string): string {
  const head = key.split('/')[0].replace(/[^A-Za-z0-9_-]/g, '_');
  return `${head}-${hash32(key).toString(16).padStart(8, '0')}.json`;
}

export function fileTuningStore(dir = tuningDir(), warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): TuningStore {
  let warned = false;
  return {
    where: dir,
    async read(key) {
      try {
        return await readFile(join(dir, fileFor(key)), 'utf8');
      } catch {
        return null;
      }
    },
    async write(key, value) {
      try {
        await mkdir(dir, { recursive: true });
        await writeFileAtomic(join(dir, fileFor(key)), value);
      } catch (e) {
        if (!warned) warn(`kernel timings not saved in ${dir} (${(e as Error).message}); they are measured again next time`);
        warned = true;
      }
    },
  };
}

/** Installs the kernels kept for this adapter, if any (judging and generation measure nothing). */
export async function useKeptTuning(gpu: Gpu): Promise<void> {
  const store = cliTuningStore();
  if (store) await useKeptKernelTuning(gpu, store);
}

/** The store `tract run`, `tract pretrain` and `tract info --tune` use: the file store, or none
 *  (the adapter-class defaults, nothing measured) with TRACT_TUNING=off. */
export function cliTuningStore(env: NodeJS.ProcessEnv = process.env): TuningStore | undefined {
  return env.TRACT_TUNING === 'off' ? undefined : fileTuningStore(tuningDir(env));
}
