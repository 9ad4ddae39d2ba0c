// Which attention a training step runs on a device, chosen by measurement: the split kernels (three
// dispatches forward, five backward, through a [B, H, T, T] matrix) or the fused ones (online softmax
// with lse, one forward and two backward, nothing of size T² written). Neither wins everywhere
// (`tract bench attention`): on lavapipe the split kernels train 1.1–2× faster (the fused backward
// holds up to 48 vec4s per invocation), on SwiftShader the fused ones 2.3–2.9× (the split kernels'
// private arrays live in memory there). Forwards that nothing differentiates take the fused kernel
// on every device measured (1.3–3.6× faster) and are not tuned.
// Timings are kept per adapter in the matmul tuner's TuningStore, under their own key. The adapter's
// default stays unless the other variant is ATTENTION_MARGIN faster (a stable choice across runs).
import { adapterName, createBuffer, Recorder, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { hash32 } from '../data/rng.ts';
import scoresForwardWgsl from '../../shaders/attention_scores_forward.wgsl?raw';
import fusedForwardWgsl from '../../shaders/attention_fused_forward.wgsl?raw';
import fusedBackwardQWgsl from '../../shaders/attention_fused_backward_q.wgsl?raw';
import fusedBackwardKvWgsl from '../../shaders/attention_fused_backward_kv.wgsl?raw';
import fusedBackwardInputsWgsl from '../../shaders/common/attention_fused_backward_inputs.wgsl?raw';
import qkvF32Wgsl from '../../shaders/common/attention_qkv_f32.wgsl?raw';
import valuesBackwardWgsl from '../../shaders/attention_values_backward.wgsl?raw';
import { attentionBackward, attentionForward, attentionFusedBackward, attentionFusedForward, fusedAttentionFits, type AttentionShape } from './attention.ts';
import { readKept, type TuningStore } from './matmul_tuning.ts';

export type AttentionVariant = 'split' | 'fused';

/** The training attention before measurement: SwiftShader fused, other CPU drivers split, GPUs fused
 *  (the FlashAttention form is the GPU-shaped one; unmeasured there). */
export function attentionVariantFor(gpu: Gpu): AttentionVariant {
  const a = gpu.adapter;
  const text = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
  if (/swiftshader/i.test(text)) return 'fused';
  return /llvmpipe|lavapipe|software|\bcpu\b/i.test(text) ? 'split' : 'fused';
}

/** The other variant must be at least this much faster (time ratio) to replace the adapter's
 *  default: on lavapipe the two are within 15% at most lengths, and two runs minutes apart chose
 *  differently for 3 of 6 classes when the faster simply won, so which attention trained (and the
 *  run's last bits) depended on the moment's timing noise. */
export const ATTENTION_MARGIN = 1.1;

/** The choice from two measured times: the adapter-class default unless the other variant is
 *  ATTENTION_MARGIN times faster. */
export function attentionChoice(gpu: Gpu, splitMs: number, fusedMs: number): AttentionVariant {
  const def = attentionVariantFor(gpu);
  const [mine, other] = def === 'split' ? [splitMs, fusedMs] : [fusedMs, splitMs];
  return other * ATTENTION_MARGIN <= mine ? (def === 'split' ? 'fused' : 'split') : def;
}

/** The class one measured choice serves: the heads (hs, H/KH) and B and T rounded up to powers of
 *  two (a trimmed step's T varies step to step). */
export function attentionShapeClass(s: Pick<AttentionShape, 'B' | 'T' | 'H' | 'KH' | 'hs'>): string {
  const p = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
  return `attention hs${s.hs} ${s.H}/${s.KH} b${p(s.B)} t${p(s.T)}`;
}

const tuned = new WeakMap<Gpu, Map<string, AttentionVariant>>();

export function setAttentionChoices(gpu: Gpu, choices: Iterable<[string, AttentionVariant]>): void {
  let m = tuned.get(gpu);
  if (!m) tuned.set(gpu, (m = new Map()));
  for (const [k, c] of choices) m.set(k, c);
}

/** The attention a training step of this shape runs on this device: split where the fused kernels
 *  cannot hold the head, else the measured choice for its class, else the adapter-class default. */
export function trainingAttentionFor(gpu: Gpu, s: AttentionShape): AttentionVariant {
  if (!fusedAttentionFits(s.hs)) return 'split';
  return tuned.get(gpu)?.get(attentionShapeClass(s)) ?? attentionVariantFor(gpu);
}

export interface AttentionTuningEntry {
  shapeClass: string;
  shape: { B: number; T: number; H: number; KH: number; hs: number };
  choice: AttentionVariant;
  /** Forward + backward, ms: the winner's, and each variant's. */
  ms: number;
  splitMs: number;
  fusedMs: number;
}

export interface AttentionTuning {
  key: string;
  adapter: string;
  entries: AttentionTuningEntry[];
}

// 2: choices made with ATTENTION_MARGIN (format 1 kept the plain fastest).
const FORMAT = 2;

/** The store key: adapter and the kernels' sources (a changed kernel is measured again). */
export function attentionTuningKey(gpu: Gpu): string {
  const a = gpu.adapter;
  const src = scoresForwardWgsl + valuesBackwardWgsl + fusedForwardWgsl + fusedBackwardQWgsl + fusedBackwardKvWgsl + fusedBackwardInputsWgsl + qkvF32Wgsl;
  return `attention/${hash32(src).toString(16)}/${adapterName(a)} | ${a.runtime} | ${a.description}`;
}

function isEntry(e: unknown): e is AttentionTuningEntry {
  const x = e as AttentionTuningEntry;
  return typeof x === 'object' && x !== null && typeof x.shapeClass === 'string' && (x.choice === 'split' || x.choice === 'fused') && [x.ms, x.splitMs, x.fusedMs].every((n) => typeof n === 'number');
}

/** The stored timings for this device, or null (none, another format, damaged: measured again). */
export async function loadAttentionTuning(gpu: Gpu, store: TuningStore): Promise<AttentionTuning | null> {
  return readKept(store, attentionTuningKey(gpu), FORMAT, isEntry);
}

/** Installs the kept choices without measuring; returns them, or null. */
export async function useKeptAttentionTuning(gpu: Gpu, store: TuningStore): Promise<AttentionTuning | null> {
  const t = await loadAttentionTuning(gpu, store);
  if (t) setAttentionChoices(gpu, t.entries.map((e) => [e.shapeClass, e.choice]));
  return t;
}

/**
 * Makes sure every class of `shapes` (training shapes, posOffset 0) whose heads the fused kernels
 * hold has a measured choice on this device: stored ones are installed, the others timed now
 * (forward + backward of each variant, the fastest of `rounds` rounds) and stored.
 */
export async function tuneAttention(gpu: Gpu, shapes: readonly AttentionShape[], o: { store?: TuningStore; rounds?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<{ tuning: AttentionTuning; measured: number }> {
  const key = attentionTuningKey(gpu);
  const stored = o.store ? await loadAttentionTuning(gpu, o.store) : null;
  const byClass = new Map((stored?.entries ?? []).map((e) => [e.shapeClass, e]));
  const todo = new Map<string, AttentionShape>();
  for (const s of shapes) {
    const c = attentionShapeClass(s);
    if (fusedAttentionFits(s.hs) && !byClass.has(c) && !todo.has(c)) todo.set(c, s);
  }
  let done = 0;
  for (const [shapeClass, s] of todo) {
    byClass.set(shapeClass, await timeVariants(gpu, shapeClass, s, o.rounds ?? 3));
    o.onProgress?.(++done, todo.size);
  }
  const tuning: AttentionTuning = { key, adapter: adapterName(gpu.adapter), entries: [...byClass.values()] };
  setAttentionChoices(gpu, tuning.entries.map((e) => [e.shapeClass, e.choice]));
  if (o.store && todo.size > 0) await o.store.write(key, JSON.stringify({ format: FORMAT, ...tuning }));
  return { tuning, measured: todo.size };
}

/**
 * One attention of `shape` on each variant, recorded on demand over buffers of its own (q, k, v and
 * dout filled with sine waves): the forward, and with `backward` the backward after it (training
 * shapes only). What the tuner times here and `tract bench attention` times at its shapes.
 */
export function attentionWorkload(gpu: Gpu, shape: AttentionShape, backward: boolean): { record: Record<AttentionVariant, (rec: Recorder) => void>; destroy(): void } {
  const { B, T, H, KH, hs } = shape;
  const kvT = shape.kvT ?? T;
  const nq = B * T * H * hs, nk = B * kvT * KH * hs, na = B * H * T * kvT;
  const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f));
  const q = uploadBuffer(gpu, 'attention.q', wave(nq, 1.7));
  const k = uploadBuffer(gpu, 'attention.k', wave(nk, 2.3));
  const v = uploadBuffer(gpu, 'attention.v', wave(nk, 0.9));
  const dout = uploadBuffer(gpu, 'attention.dout', wave(nq, 0.3));
  const [out, dq, dk, dv, att, datt] = (
    [['out', nq], ['dq', nq], ['dk', nk], ['dv', nk], ['att', na], ['datt', na]] as const
  ).map(([n, f]) => createBuffer(gpu, `attention.${n}`, f * 4));
  return {
    record: {
      split: (rec) => {
        attentionForward(rec, { out, att }, q, k, v, shape);
        if (backward) attentionBackward(rec, { dq, dk, dv, datt }, dout, q, k, v, att, shape);
      },
      fused: (rec) => {
        attentionFusedForward(rec, { out, lse: att }, q, k, v, shape);
        if (backward) attentionFusedBackward(rec, { dq, dk, dv, dsum: datt }, dout, { q, k, v, out, lse: att }, shape);
      },
    },
    destroy: () => [q, k, v, dout, out, dq, dk, dv, att, datt].forEach((b) => b.destroy()),
  };
}

async function timeVariants(gpu: Gpu, shapeClass: string, s: AttentionShape, rounds: number): Promise<AttentionTuningEntry> {
  const { B, T, H, KH, hs } = s;
  const shape = { B, T, H, KH, hs };
  const work = attentionWorkload(gpu, shape, true);
  try {
    const ms = { split: Infinity, fused: Infinity };
    const run = async (v: AttentionVariant) => {
      const rec = new Recorder(gpu, 'attention tuning');
      work.record[v](rec);
      const t0 = performance.now();
      rec.submit();
      await gpu.sync();
      return performance.now() - t0;
    };
    for (const v of ['split', 'fused'] as const) await run(v); // pipelines, first touch
    // Interleaved rounds, so drift in the machine's speed affects both alike.
    for (let r = 0; r < rounds; r++) for (const v of ['split', 'fused'] as const) ms[v] = Math.min(ms[v], await run(v));
    const choice = attentionChoice(gpu, ms.split, ms.fused);
    return { shapeClass, shape, choice, ms: ms[choice], splitMs: ms.split, fusedMs: ms.fused };
  } finally {
    work.destroy();
  }
}

/** Lines for `tract info`: class, winner, and both times. */
export function describeAttentionTuning(t: AttentionTuning): string[] {
  return [...t.entries]
    .sort((a, b) => a.shape.B - b.shape.B || a.shape.T - b.shape.T || a.shapeClass.localeCompare(b.shapeClass))
    .map((e) => `${e.shapeClass.padEnd(30)} ${e.choice.padEnd(6)} fwd+bwd ${e.ms.toFixed(2)} ms  (split ${e.splitMs.toFixed(2)}, fused ${e.fusedMs.toFixed(2)})`);
}

/** The training attention shapes of a model at batch sizes Bs and sequence length T: a trimmed
 *  step (train/step.ts) runs at any length up to T, so one per power-of-two class from minT up. */
export function trainingAttentionShapes(c: { nHeads: number; nKvHeads: number; dim: number }, Bs: readonly number[], T: number, minT = 16): AttentionShape[] {
  const lengths = new Set<number>([T]);
  for (let t = 2 ** Math.ceil(Math.log2(Math.max(1, Math.min(minT, T)))); t < T; t *= 2) lengths.add(t);
  const out: AttentionShape[] = [];
  for (const B of new Set(Bs)) for (const t of [...lengths].sort((a, b) => a - b)) out.push({ B, T: t, H: c.nHeads, KH: c.nKvHeads, hs: c.dim / c.nHeads });
  return out;
}

/** One line on what a tuneAttention call did, for logs. */
export function attentionTuneSummary(r: { tuning: AttentionTuning; measured: number }, seconds: number, store: TuningStore): string {
  const fused = r.tuning.entries.filter((e) => e.choice === 'fused').length;
  const what = `fused in ${fused} of ${r.tuning.entries.length} shape classes`;
  return r.measured > 0
    ? `attention: ${r.measured} shape classes timed in ${seconds.toFixed(1)} s, ${what} (kept in ${store.where})`
    : `attention: the timings reused from ${store.where}, ${what}`;
}

/** What the app's adapter panel shows for attention: one row per shape class. Plain data. */
export interface AttentionKernelRow {
  shapeClass: string;
  shape: string;
  kernel: AttentionVariant;
  splitMs: number;
  fusedMs: number;
}

export function attentionKernelRows(t: AttentionTuning): AttentionKernelRow[] {
  return [...t.entries]
    .sort((a, b) => a.shape.B - b.shape.B || a.shape.T - b.shape.T || a.shapeClass.localeCompare(b.shapeClass))
    .map((e) => ({ shapeClass: e.shapeClass, shape: `B ${e.shape.B}, T ${e.shape.T}`, kernel: e.choice, splitMs: e.splitMs, fusedMs: e.fusedMs }));
}
