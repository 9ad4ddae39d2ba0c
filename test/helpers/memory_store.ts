// A TuningStore in memory for the autotuner tests, counting writes (a second start must write nothing).
import type { TuningStore } from '../../src/kernels/matmul_tuning.ts';

export function memoryStore(): TuningStore & { data: Map<string, string>; writes: number } {
  const data = new Map<string, string>();
  const s = {
    where: 'memory',
    data,
    writes: 0,
    async read(k: string) {
      return data.get(k) ?? null;
    },
    async write(k: string, v: string) {
      s.writes++;
      data.set(k, v);
    },
  };
  return s;
}
