// Timing for benchmarks: wall-clock per submit (record → submit → wait), median over repeats, in
// this one process. Variants compared with each other are timed interleaved (A, B, A, B, ...) so
// that drift in the machine's speed (a shared VM's neighbours) affects them alike. `inner` repeats
// the recorded work inside one submit so that per-submit overhead (~0.1 ms on a CPU driver) does
// not swamp short kernels.
import { Recorder, type Gpu } from '../../gpu/index.ts';

export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

export interface Variant {
  label: string;
  record: (rec: Recorder) => void;
}

export async function timeInterleaved(gpu: Gpu, variants: Variant[], opts: { reps?: number; inner?: number; warmup?: number } = {}): Promise<Timing[]> {
  const reps = opts.reps ?? 15;
  const inner = opts.inner ?? 1;
  const once = async (v: Variant) => {
    const rec = new Recorder(gpu, v.label);
    for (let i = 0; i < inner; i++) v.record(rec);
    const t0 = performance.now();
    rec.submit();
    await gpu.sync();
    return (performance.now() - t0) / inner;
  };
  for (let i = 0; i < (opts.warmup ?? 2); i++) for (const v of variants) await once(v);
  const times = variants.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < variants.length; i++) times[i].push(await once(variants[i]));
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { medianMs: t[Math.floor(t.length / 2)], minMs: t[0], runs: reps };
  });
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
