// The matmul autotuner: for each class of product shapes a run will use (matmulShapeClass), every
// candidate kernel (MATMUL_CANDIDATES) is timed on the actual adapter and the fastest becomes the
// device's choice (setMatmulChoices → matmul()). Timings are kept per adapter in a TuningStore (a
// file in Node, IndexedDB in the browser), so a second start on the same adapter measures nothing;
// a different adapter, or changed kernel sources, has another key and is tuned afresh.
//
// Why measure instead of rules: the best kernel differs by driver more than by shape — on CPU
// drivers the register-blocked kernel wins and workgroup tiling loses (barriers cost more than the
// reuse saves), on GPUs the reverse; among the register kernels, how many invocation columns a
// workgroup has decides how many idle past a narrow output and how the driver vectorises them.
import { adapterName, createBuffer, Recorder, type Gpu } from '../gpu/index.ts';
import { hash32 } from '../data/rng.ts';
import type { AttentionKernelRow } from './attention_tuning.ts';
import { describeMatmulKernel, matmul, MATMUL_CANDIDATES, MATMUL_KERNEL_SOURCES, matmulCandidates, matmulShapeClass, setMatmulChoices, splitKFits, type MatmulKernelChoice, type MatmulShape } from './matmul.ts';

/** Where timings persist between runs: keys are plain strings, values JSON text. */
export interface TuningStore {
  /** What the store calls itself in messages ("~/.cache/tract-web/tuning", "IndexedDB"). */
  readonly where: string;
  read(key: string): Promise<string | null>;
  write(key: string, value: string): Promise<void>;
}

/** One tuned shape class: the winner and every candidate's time. */
export interface MatmulTuningEntry {
  shapeClass: string;
  /** The shape that was timed (a member of the class). */
  shape: { M: number; N: number; K: number; batch: number; transA: boolean; transB: boolean };
  choice: MatmulKernelChoice;
  /** The winner's time per product and its rate. */
  ms: number;
  gflops: number;
  candidates: { choice: MatmulKernelChoice; ms: number }[];
}

export interface MatmulTuning {
  /** The store key: adapter and kernel sources. */
  key: string;
  adapter: string;
  entries: MatmulTuningEntry[];
}

const FORMAT = 1;

/** The store key of a device's matmul timings: its adapter (name, runtime, description) and the
 *  kernels' sources, so a changed adapter or a changed kernel is measured again. */
export function matmulTuningKey(gpu: Gpu): string {
  const a = gpu.adapter;
  return `matmul/${hash32(MATMUL_KERNEL_SOURCES).toString(16)}/${adapterName(a)} | ${a.runtime} | ${a.description}`;
}

/** A record a tuner keeps under `key`: {format, key, adapter, entries}. */
export interface KeptRecord<E> {
  key: string;
  adapter: string;
  entries: E[];
}

/** The record under `key`, or null: none, another format or key, an entry `isEntry` refuses, or
 *  unreadable JSON — a damaged cache is measured again, never trusted. Shared by every tuner. */
export async function readKept<E>(store: TuningStore, key: string, format: number, isEntry: (e: unknown) => e is E): Promise<KeptRecord<E> | null> {
  const text = await store.read(key);
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as { format?: unknown; key?: unknown; adapter?: unknown; entries?: unknown };
    if (parsed.format !== format || parsed.key !== key || !Array.isArray(parsed.entries) || !parsed.entries.every(isEntry)) return null;
    return { key, adapter: String(parsed.adapter), entries: parsed.entries };
  } catch {
    return null;
  }
}

/** The stored timings for this device, or null (see readKept). */
export async function loadMatmulTuning(gpu: Gpu, store: TuningStore): Promise<MatmulTuning | null> {
  return readKept(store, matmulTuningKey(gpu), FORMAT, isEntry);
}

function isEntry(e: unknown): e is MatmulTuningEntry {
  const x = e as MatmulTuningEntry;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.shapeClass === 'string' &&
    typeof x.ms === 'number' &&
    typeof x.gflops === 'number' &&
    isCandidate(x.choice) &&
    Array.isArray(x.candidates) &&
    x.candidates.every((c) => typeof c?.ms === 'number' && typeof c.choice?.variant === 'string')
  );
}

function isCandidate(c: unknown): c is MatmulKernelChoice {
  const x = c as MatmulKernelChoice;
  return MATMUL_CANDIDATES.some((k) => k.variant === x?.variant && k.wgx === x?.wgx && k.splits === x?.splits);
}

/** Installs the kept timings' choices on this device without measuring anything (a judge, an
 *  evaluation: the shapes a training run measured serve them too); returns them, or null. */
export async function useKeptMatmulTuning(gpu: Gpu, store: TuningStore): Promise<MatmulTuning | null> {
  const t = await loadMatmulTuning(gpu, store);
  if (t) setMatmulChoices(gpu, t.entries.map((e) => [e.shapeClass, e.choice]));
  return t;
}

export interface TuneOptions {
  store?: TuningStore;
  /** Products per timed round (default: enough for ~2 ms of work, 1 to 16). */
  reps?: number;
  /** Timed rounds per candidate; the fastest round counts (default 3). */
  rounds?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Makes sure every class of `shapes` has a measured choice on this device: classes in the store
 * are installed as stored; the others are timed now (every candidate, `rounds` rounds of `reps`
 * products each, on scratch buffers of the shape) and the store is updated. Returns the device's
 * table for these shapes, and how many classes were measured now.
 */
export async function tuneMatmul(gpu: Gpu, shapes: readonly MatmulShape[], o: TuneOptions = {}): Promise<{ tuning: MatmulTuning; measured: number }> {
  const key = matmulTuningKey(gpu);
  const stored = o.store ? await loadMatmulTuning(gpu, o.store) : null;
  const byClass = new Map((stored?.entries ?? []).map((e) => [e.shapeClass, e]));
  const todo = new Map<string, MatmulShape>();
  for (const s of shapes) {
    const c = matmulShapeClass(s);
    if (!byClass.has(c) && !todo.has(c)) todo.set(c, s);
  }
  let done = 0;
  for (const [shapeClass, s] of todo) {
    byClass.set(shapeClass, await timeCandidates(gpu, shapeClass, s, o));
    o.onProgress?.(++done, todo.size);
  }
  const tuning: MatmulTuning = { key, adapter: adapterName(gpu.adapter), entries: [...byClass.values()] };
  setMatmulChoices(gpu, tuning.entries.map((e) => [e.shapeClass, e.choice]));
  if (o.store && todo.size > 0) await o.store.write(key, JSON.stringify({ format: FORMAT, ...tuning }));
  return { tuning, measured: todo.size };
}

async function timeCandidates(gpu: Gpu, shapeClass: string, s: MatmulShape, o: TuneOptions): Promise<MatmulTuningEntry> {
  const batch = s.batch ?? 1;
  const { M, N, K } = s;
  const flops = 2 * M * N * K * batch;
  const A = createBuffer(gpu, 'tune.A', batch * M * K * 4);
  const B = createBuffer(gpu, 'tune.B', batch * K * N * 4);
  const C = createBuffer(gpu, 'tune.C', batch * M * N * 4);
  const shape: MatmulShape = { M, N, K, batch, transA: s.transA, transB: s.transB };
  // ~2 ms of work per round at 10 GFLOP/s, so a tiny product is not all submit overhead.
  const reps = o.reps ?? Math.max(1, Math.min(16, Math.round(2e7 / flops)));
  const rounds = o.rounds ?? 3;
  try {
    const candidates: { choice: MatmulKernelChoice; ms: number }[] = [];
    // A split whose partials would not fit the scratch runs unsplit: timing it again would only let
    // noise crown a duplicate under a name that is not what runs.
    for (const choice of matmulCandidates(gpu).filter((c) => !c.splits || splitKFits(gpu, shape, c.splits))) {
      const run = async () => {
        const rec = new Recorder(gpu, 'matmul tuning');
        for (let r = 0; r < reps; r++) matmul(rec, C, A, B, { ...shape, ...choice });
        const t0 = performance.now();
        rec.submit();
        await gpu.sync();
        return (performance.now() - t0) / reps;
      };
      await run(); // pipeline creation and first-touch
      let best = Infinity;
      for (let r = 0; r < rounds; r++) best = Math.min(best, await run());
      candidates.push({ choice, ms: best });
    }
    const win = candidates.reduce((a, b) => (b.ms < a.ms ? b : a));
    return {
      shapeClass,
      shape: { M, N, K, batch, transA: !!s.transA, transB: !!s.transB },
      choice: win.choice,
      ms: win.ms,
      gflops: flops / (win.ms * 1e6),
      candidates,
    };
  } finally {
    for (const b of [A, B, C]) b.destroy();
  }
}

/** What the app's adapter panel shows: one row per shape class. Plain data (posted between threads). */
export interface KernelTable {
  adapter: string;
  rows: { shapeClass: string; shape: string; kernel: string; gflops: number }[];
  /** The training attention measured per shape class (kernels/attention_tuning.ts), if it was. */
  attention?: AttentionKernelRow[];
  /** The training precision measured per model shape and batch size (train/precision_tuning.ts),
   *  if it was (never on an adapter without shader-f16). */
  precision?: PrecisionRow[];
}

/** One measured training precision: the choice and a whole step's time in each. Plain data. */
export interface PrecisionRow {
  shapeClass: string;
  choice: 'f32' | 'mixed';
  f32Ms: number;
  mixedMs: number;
}

export function kernelTable(t: MatmulTuning, attention?: AttentionKernelRow[], precision?: PrecisionRow[]): KernelTable {
  return {
    adapter: t.adapter,
    ...(attention && attention.length > 0 ? { attention } : {}),
    ...(precision && precision.length > 0 ? { precision: precision.map((p) => ({ shapeClass: p.shapeClass, choice: p.choice, f32Ms: p.f32Ms, mixedMs: p.mixedMs })) } : {}),
    rows: [...t.entries]
      .sort((a, b) => a.shapeClass.localeCompare(b.shapeClass))
      .map((e) => ({ shapeClass: e.shapeClass, shape: `${e.shape.M}×${e.shape.N}×${e.shape.K}`, kernel: describeMatmulKernel(e.choice), gflops: e.gflops })),
  };
}

/** Lines for `tract info` and the app: class, winner, rate, and the runner-up's time. */
export function describeMatmulTuning(t: MatmulTuning): string[] {
  return [...t.entries]
    .sort((a, b) => a.shapeClass.localeCompare(b.shapeClass))
    .map((e) => {
      const others = e.candidates.filter((c) => describeMatmulKernel(c.choice) !== describeMatmulKernel(e.choice)).map((c) => c.ms);
      const next = others.length ? Math.min(...others) : NaN;
      const sh = e.shape;
      return `${e.shapeClass.padEnd(22)} ${describeMatmulKernel(e.choice).padEnd(28)} ${e.gflops.toFixed(2).padStart(8)} GFLOP/s at ${sh.M}×${sh.N}×${sh.K}${sh.batch > 1 ? `×${sh.batch}` : ''}${Number.isFinite(next) ? `  (next best ${(next / e.ms).toFixed(2)}× slower)` : ''}`;
    });
}

/** One line on what a tuneMatmul call did, for logs. */
export function tuneSummary(r: { tuning: MatmulTuning; measured: number }, seconds: number, store: TuningStore): string {
  return r.measured > 0
    ? `matmul kernels: ${r.measured} shape classes timed in ${seconds.toFixed(1)} s (kept in ${store.where})`
    : `matmul kernels: the timings of ${r.tuning.entries.length} shape classes reused from ${store.where}`;
}
