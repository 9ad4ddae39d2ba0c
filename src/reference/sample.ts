// CPU twin of shaders/sample_token.wgsl: the GPU sampler's counter-based uniform and its choice of
// token, written plainly (a sort for the nucleus, Float64 sums) so tests can check the kernel's
// bisection and scans against it. Same semantics as src/infer/sampling.ts's sampleToken (penalty,
// temperature, top-p nucleus by probability then index), except the draw: the kernel walks the kept
// tokens in index order with u from `counterUniform`, the CPU sampler walks them by probability with
// its own Rng — the same distribution, different tokens for the same seed.

/** PCG hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020), u32 → u32. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The kernel's uniform in [0, 1) (a multiple of 2⁻²⁴) for sequence `seq` at decode step `step`. */
export function counterUniform(seed: number, step: number, seq: number): number {
  const h = pcgHash((pcgHash((pcgHash(seed >>> 0) + (step >>> 0)) >>> 0) + (seq >>> 0)) >>> 0);
  return (h >>> 8) / 16777216;
}

export interface SampleRefOptions {
  temperature: number;
  topP: number;
  repetitionPenalty: number;
}

/** Logits after the repetition penalty, in f32 as the kernel computes them. */
export function penalisedRef(logits: ArrayLike<number>, history: ArrayLike<number>, penalty: number): Float64Array {
  const l = Float64Array.from(logits, (x) => Math.fround(x));
  if (penalty === 1) return l;
  for (const id of new Set(Array.from(history))) {
    if (id < 0 || id >= l.length) continue;
    l[id] = Math.fround(l[id] > 0 ? l[id] / penalty : l[id] * penalty);
  }
  return l;
}

/** Which tokens the nucleus keeps (true/false per token) and their weights e_i = exp((l'_i − max)/T). */
export function nucleusRef(logits: ArrayLike<number>, history: ArrayLike<number>, o: SampleRefOptions): { kept: boolean[]; e: Float64Array } {
  const l = penalisedRef(logits, history, o.repetitionPenalty);
  let mx = -Infinity;
  for (const x of l) mx = Math.max(mx, x);
  const e = l.map((x) => Math.exp((x - mx) / o.temperature));
  const kept = Array.from(e, () => o.topP >= 1);
  if (o.topP < 1) {
    let total = 0;
    for (const x of e) total += x;
    const order = Array.from(e.keys()).sort((a, b) => e[b] - e[a] || a - b);
    let mass = 0;
    for (let k = 0; k < order.length && (k === 0 || mass < o.topP * total); k++) {
      kept[order[k]] = true;
      mass += e[order[k]];
    }
  }
  return { kept, e };
}

/** The token the kernel picks for one row, given its uniform u. */
export function sampleTokenRef(logits: ArrayLike<number>, history: ArrayLike<number>, o: SampleRefOptions, u: number): number {
  if (o.temperature === 0) {
    const l = penalisedRef(logits, history, o.repetitionPenalty);
    let best = 0;
    for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
    return best;
  }
  const { kept, e } = nucleusRef(logits, history, o);
  let total = 0;
  let last = 0;
  kept.forEach((k, i) => {
    if (k) total += e[i];
    if (k && e[i] > 0) last = i;
  });
  const target = u * total;
  let c = 0;
  for (let i = 0; i < e.length; i++) {
    if (!kept[i]) continue;
    c += e[i];
    if (target < c) return i;
  }
  return last;
}
