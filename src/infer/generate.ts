// Text generation on the GPU with a KV cache: the prompt of every sequence runs in one forward
// (prefill), then each new token runs alone at the next position (decode), reading the keys and
// values of all earlier positions from the cache. Several sequences of the same prompt length go
// together (they share positions); `generateMany` groups prompts by length. The next token is
// chosen on the CPU from the logits row read back (greedy, temperature, top-p, repetition penalty).
import { createBuffer, readBuffer, Recorder, writeBuffer } from '../gpu/index.ts';
import { validateTokenIds } from '../kernels/embedding.ts';
import { createActivations, destroyActivations, type Activations } from '../model/activations.ts';
import { kvDim } from '../model/config.ts';
import type { DeviceModel } from '../model/device_model.ts';
import { recordForward, type HeadRows, type KvCache } from '../model/forward.ts';
import { Rng } from '../model/rng.ts';
import { sampleToken, validateSampling, type SamplingOptions } from './sampling.ts';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Stop a sequence after it generates one of these token ids (included in its output). */
  stopTokens?: number[];
  /** Stop a sequence when this returns true for its tokens so far (e.g. a stop string decoded). */
  stop?: (seq: number, generated: readonly number[]) => boolean;
  /** Called for every new token of every unfinished sequence, in order (streaming). */
  onToken?: (seq: number, token: number) => void;
  /** Sampling generator (default a fresh Rng(0)); pass one to continue a seeded stream. */
  rng?: Rng;
}

export interface Generation {
  /** New tokens per sequence (without the prompt). */
  tokens: number[][];
  /** Why each sequence ended. */
  finish: ('stop' | 'length')[];
}

/**
 * What the judge and generateMany need of a generator: the GPU Generator below, or onnxruntime-web's
 * OrtGenerator (src/interop/ort.ts) when there is no WebGPU.
 */
export type SequenceGenerator = Pick<Generator, 'Tmax' | 'maxBatch' | 'lastLogits' | 'generate'>;

export class Generator {
  readonly model: DeviceModel;
  readonly maxBatch: number;
  /** Cache capacity per sequence: prompt + new tokens ≤ Tmax ≤ model seqLen. */
  readonly Tmax: number;
  private readonly cache: KvCache;
  private readonly tokenBuf: GPUBuffer;
  /** Row of each sequence's last prompt position (a prefill's logits are needed only there). */
  private readonly lastRowsBuf: GPUBuffer;
  private readonly acts = new Map<string, Activations>();

  constructor(model: DeviceModel, maxBatch: number, Tmax = model.config.seqLen) {
    const c = model.config;
    if (Tmax > c.seqLen) throw new Error(`generation length ${Tmax} exceeds the model's seqLen ${c.seqLen}`);
    if (Tmax > model.maxPositions) throw new Error(`generation length ${Tmax} exceeds the RoPE table (${model.maxPositions} positions)`);
    this.model = model;
    this.maxBatch = maxBatch;
    this.Tmax = Tmax;
    const kv = kvDim(c) * maxBatch * Tmax * 4;
    const make = (n: string) => Array.from({ length: c.nLayers }, (_, l) => createBuffer(model.gpu, `kv_cache.${n}.${l}`, kv));
    this.cache = { k: make('k'), v: make('v'), Tmax, posOffset: 0 };
    this.tokenBuf = createBuffer(model.gpu, 'generate.tokens', maxBatch * Tmax * 4);
    this.lastRowsBuf = createBuffer(model.gpu, 'generate.last_rows', maxBatch * 4);
  }

  /** Activations for B sequences × T new tokens (kept: the decode shape repeats every token). */
  private activations(B: number, T: number): Activations {
    const key = `${B}x${T}`;
    let a = this.acts.get(key);
    if (!a) {
      // One prefill shape per prompt length: keep the cache small.
      if (T > 1) for (const [k, old] of this.acts) if (!k.endsWith('x1')) (destroyActivations(old), this.acts.delete(k));
      a = createActivations(this.model.gpu, this.model.config, B, T, this.Tmax);
      this.acts.set(key, a);
    }
    return a;
  }

  /** Runs T new tokens of B sequences at positions posOffset…; returns the last row of logits of
   *  each sequence ([B][V]). */
  private async forward(tokens: number[][], posOffset: number): Promise<Float32Array[]> {
    const B = tokens.length;
    const T = tokens[0].length;
    const V = this.model.config.vocabSize;
    const flat = new Uint32Array(B * T);
    tokens.forEach((t, b) => flat.set(t, b * T));
    writeBuffer(this.model.gpu, this.tokenBuf, flat);
    const acts = this.activations(B, T);
    // A prefill needs logits only at each sequence's last position: the head runs on those B rows.
    let head: HeadRows | undefined;
    if (T > 1) {
      writeBuffer(this.model.gpu, this.lastRowsBuf, Uint32Array.from({ length: B }, (_, b) => b * T + T - 1));
      head = { rows: this.lastRowsBuf, count: B };
    }
    const rec = new Recorder(this.model.gpu, T > 1 ? 'prefill' : 'decode');
    recordForward(rec, this.model, acts, this.tokenBuf, { ...this.cache, posOffset }, head);
    rec.submit();
    // Either way acts.logits now starts with B rows of V: one per sequence.
    const all = new Float32Array(await readBuffer(this.model.gpu, acts.logits, B * V * 4));
    return Array.from({ length: B }, (_, b) => all.subarray(b * V, (b + 1) * V));
  }

  private check(prompts: number[][], extra: number): void {
    if (prompts.length === 0) throw new Error('generate: no prompts');
    if (prompts.length > this.maxBatch) throw new Error(`generate: ${prompts.length} sequences, this generator holds at most ${this.maxBatch}`);
    const P = prompts[0].length;
    if (P === 0) throw new Error('generate: a prompt needs at least one token (e.g. BOS)');
    prompts.forEach((p, i) => {
      if (p.length !== P) throw new Error(`generate: prompts of one batch must have the same length (${P}); prompt ${i} has ${p.length} — use generateMany`);
      validateTokenIds(p, this.model.config.vocabSize, `prompt ${i}`);
    });
    if (P + extra > this.Tmax) throw new Error(`generate: prompt (${P}) + ${extra} new tokens exceeds the ${this.Tmax} positions of the cache`);
  }

  /** The logits at the last position of each prompt (one forward, no sampling): the RAIL read-out. */
  async lastLogits(prompts: number[][]): Promise<Float32Array[]> {
    this.check(prompts, 0);
    return this.forward(prompts, 0);
  }

  /** Generates after each prompt (all the same length) until a stop or maxNewTokens. */
  async generate(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    validateSampling(o);
    if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer, got ${o.maxNewTokens}`);
    this.check(prompts, o.maxNewTokens);
    const rng = o.rng ?? new Rng(0);
    const stopTokens = new Set(o.stopTokens ?? []);
    const B = prompts.length;
    const P = prompts[0].length;
    const out: number[][] = prompts.map(() => []);
    const finish: ('stop' | 'length')[] = prompts.map(() => 'length');
    const done = prompts.map(() => false);
    let logits = await this.forward(prompts, 0);
    for (let step = 0; step < o.maxNewTokens; step++) {
      const next: number[][] = [];
      for (let b = 0; b < B; b++) {
        if (done[b]) {
          next.push([0]); // keeps the batch in lockstep; its output is ignored
          continue;
        }
        const tok = sampleToken(Float32Array.from(logits[b]), o, rng, [...prompts[b], ...out[b]]);
        out[b].push(tok);
        o.onToken?.(b, tok);
        if (stopTokens.has(tok) || o.stop?.(b, out[b])) {
          done[b] = true;
          finish[b] = 'stop';
        }
        next.push([tok]);
      }
      if (done.every(Boolean) || step === o.maxNewTokens - 1) break;
      logits = await this.forward(next, P + step);
    }
    return { tokens: out, finish };
  }

  destroy(): void {
    for (const a of this.acts.values()) destroyActivations(a);
    for (const b of [...this.cache.k, ...this.cache.v, this.tokenBuf, this.lastRowsBuf]) b.destroy();
  }
}

/** Generates for prompts of any lengths: groups them by length into batches of at most the
 *  generator's size, keeping the callbacks' sequence indices those of `prompts`. */
export async function generateMany(gen: SequenceGenerator, prompts: number[][], o: GenerateOptions): Promise<Generation> {
  const byLength = new Map<number, number[]>();
  prompts.forEach((p, i) => byLength.set(p.length, [...(byLength.get(p.length) ?? []), i]));
  const tokens: number[][] = prompts.map(() => []);
  const finish: ('stop' | 'length')[] = prompts.map(() => 'length');
  const rng = o.rng ?? new Rng(0);
  for (const [, idx] of [...byLength].sort((a, b) => a[0] - b[0])) {
    for (let s = 0; s < idx.length; s += gen.maxBatch) {
      const group = idx.slice(s, s + gen.maxBatch);
      const r = await gen.generate(
        group.map((i) => prompts[i]),
        {
          ...o,
          rng,
          onToken: o.onToken && ((b, t) => o.onToken!(group[b], t)),
          stop: o.stop && ((b, g) => o.stop!(group[b], g)),
        },
      );
      group.forEach((i, b) => {
        tokens[i] = r.tokens[b];
        finish[i] = r.finish[b];
      });
    }
  }
  return { tokens, finish };
}
