// Choosing the next token from one row of logits on the CPU: greedy, temperature, top-p (nucleus)
// and a repetition penalty. The GPU Generator samples with shaders/sample_token.wgsl instead (same
// rules, its own counter-based random stream); this sampler serves onnxruntime-web's generator,
// the CPU reference model, and the Generator's earlier path ({ sampler: 'cpu' }).
import { Rng } from '../model/rng.ts';

export interface SamplingOptions {
  /** 0 → greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep the smallest set of tokens whose probability sums to ≥ topP (1 = no cut). Default 1. */
  topP?: number;
  /** > 1 discourages tokens already generated (CTRL / Hugging Face rule: positive logits are divided
   *  by it, negative ones multiplied). Default 1 (off). */
  repetitionPenalty?: number;
}

export function validateSampling(o: SamplingOptions): void {
  const t = o.temperature ?? 1;
  const p = o.topP ?? 1;
  const r = o.repetitionPenalty ?? 1;
  if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`temperature must be a finite number ≥ 0, got ${t}`);
  if (!(p > 0 && p <= 1)) throw new Error(`top-p must be in (0, 1], got ${p}`);
  if (!(r > 0) || !Number.isFinite(r)) throw new Error(`repetition penalty must be a finite number > 0, got ${r}`);
}

/** Index of the largest value (the first one on ties, as llama2.c's argmax). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Applies the repetition penalty in place to the logits of tokens in `seen`. */
export function applyRepetitionPenalty(logits: Float32Array | Float64Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    if (id < 0 || id >= logits.length) continue;
    logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
  }
}

/** Softmax of logits / temperature, in Float64. */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i] - max) / temperature);
    sum += p[i];
  }
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/**
 * The next token. `logits` is modified only by the repetition penalty (pass a copy to keep it).
 * Top-p keeps the most probable tokens until their mass reaches topP (at least one), renormalises,
 * and samples among them with `rng`.
 */
export function sampleToken(logits: Float32Array | Float64Array, opts: SamplingOptions, rng: Rng, seen: Iterable<number> = []): number {
  applyRepetitionPenalty(logits, seen, opts.repetitionPenalty ?? 1);
  const temperature = opts.temperature ?? 1;
  if (temperature === 0) return argmax(logits);
  const p = softmaxWithTemperature(logits, temperature);
  const topP = opts.topP ?? 1;
  const u = rng.next();
  if (topP >= 1) {
    let c = 0;
    for (let i = 0; i < p.length; i++) {
      c += p[i];
      if (u < c) return i;
    }
    return argmax(p); // rounding left u ≥ Σp
  }
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP)) {
    mass += p[order[kept]];
    kept++;
  }
  const target = u * mass;
  let c = 0;
  for (let i = 0; i < kept; i++) {
    c += p[order[i]];
    if (target < c) return order[i];
  }
  return order[kept - 1];
}
