// Text generation on the GPU with a KV cache: the prompt of every sequence runs in one forward
// (prefill), then each new token runs alone at the next position (decode), reading the keys and
// values of all earlier positions from the cache. Several sequences of the same prompt length go
// together (they share positions); `generateMany` groups prompts by length.
//
// The next token is chosen on the GPU (sample_token.wgsl: greedy, temperature, top-p, repetition
// penalty, a counter-based uniform keyed by seed, step and sequence) and written where the next
// decode step reads its input, so a chunk of k tokens is one submit and one readback of the
// sampled ids; k starts small (streaming shows the first tokens soon) and doubles up to maxChunk.
// The next chunk is recorded while the GPU runs the current one, so the CPU's recording is off the
// critical path (it is recorded again if a sequence stopped in between, for the rows still running).
// Stops (stop tokens, the `stop` predicate such as the judge's "So the overall") are checked on
// each chunk's tokens in order, and tokens a sequence sampled past its stop are discarded. On the
// 'layers' form, a sequence that has stopped is not decoded in the chunks after (decode_layer's row
// list): a batch's sequences stop at different lengths, and their rows were most of the work.
// A decode step is 2 + 5·nLayers fused dispatches (src/model/decode.ts) plus the sampler; for small
// models on CPU drivers one dispatch (every layer and the head in decode_layer.wgsl, on a KV cache
// that keeps all layers in one buffer) plus the sampler — and greedy without a penalty, one dispatch
// in all: the step writes its argmax into the history, where the next step reads its input.
// The Generator remembers which tokens fill each cache slot (`cachedTokens`: the prompt and every
// token fed to a decode step, including those sampled past a stop, which a later run overwrites), so
// a read-out can run only the tokens that differ on top of the cache (`continueAndRead`: the CoT's
// suffix " So the overall score is ") instead of a forward over the whole sequence.
// `{ sampler: 'cpu', decode: 'unfused' }` keeps the earlier path — training's forward per token,
// the whole logits row read back and sampled on the CPU (src/infer/sampling.ts, its own Rng) — for
// benchmarks and as the fallback for vocabularies too large for the GPU sampler.
import { createBuffer, readBuffer, Recorder, writeBuffer, type BufferBinding } from '../gpu/index.ts';
import { validateTokenIds } from '../kernels/embedding.ts';
import { MAX_SAMPLE_VOCAB, sampleTokens } from '../kernels/sample.ts';
import { createActivations, destroyActivations, type Activations } from '../model/activations.ts';
import { kvDim } from '../model/config.ts';
import { createDecodeActivations, decodeModeFor, destroyDecodeActivations, recordDecode, type DecodeActivations, type DecodeMode } from '../model/decode.ts';
import { DECODE_MAX_ROWS } from '../kernels/decode.ts';
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
  /** Sampling generator (default a fresh Rng(0)); pass one to continue a seeded stream. The GPU
   *  sampler draws its u32 seed from it once per call (unless `seed` is given). */
  rng?: Rng;
  /** The GPU sampler's seed (u32): the same seed, prompts and options give the same tokens. */
  seed?: number;
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

export interface GeneratorOptions {
  /** Where the next token is chosen: 'gpu' (default; chunked readback) or 'cpu' (one readback of
   *  the logits per token). */
  sampler?: 'gpu' | 'cpu';
  /** Decode step kernels: 'fused' (default) or 'unfused' (training's forward at T = 1). */
  decode?: 'fused' | 'unfused';
  /** Prefill a prompt repeated in one batch once and copy its cache rows (default true). */
  sharePrefill?: boolean;
  /** First chunk of tokens per readback (default 4) and the largest (default 32). */
  firstChunk?: number;
  maxChunk?: number;
  /** Stop decoding a sequence's row once it has stopped (default true; the 'layers' form of the
   *  fused decode only, the others decode every row of the batch to the end). */
  skipStopped?: boolean;
  /** Greedy decoding without a penalty picks each token in the decode step's own dispatch where the
   *  step is one dispatch (the 'layers' form on a flat cache), not in the sampler's (default true). */
  greedyInStep?: boolean;
  /** A prefill or read-out runs the last layer's attention and feed-forward only on each sequence's
   *  last row (HeadRows.rowInSeq), the one its logits come from (default true). */
  trimLastLayer?: boolean;
}

/** Counts since construction (benchmarks read them). */
export interface GeneratorStats {
  submits: number;
  dispatches: number;
  /** GPU → CPU readbacks (chunks of sampled ids, or logits rows). */
  readbacks: number;
  /** Decode steps run (one new token position for the sequences of a batch). */
  decodeSteps: number;
  /** Sequence rows those steps decoded (a step decodes B rows, or on the 'layers' form only the
   *  sequences not yet stopped when its chunk began). */
  decodeRows: number;
  /** Dispatches recorded by those decode steps (with their sampler). */
  decodeDispatches: number;
}

export class Generator {
  readonly model: DeviceModel;
  readonly maxBatch: number;
  /** Cache capacity per sequence: prompt + new tokens ≤ Tmax ≤ model seqLen. */
  readonly Tmax: number;
  readonly sampler: 'gpu' | 'cpu';
  readonly decode: 'fused' | 'unfused';
  /** The fused decode's form for this model on this device (model/decode.ts), decided once. */
  private readonly decodeMode: DecodeMode;
  readonly stats: GeneratorStats = { submits: 0, dispatches: 0, readbacks: 0, decodeSteps: 0, decodeRows: 0, decodeDispatches: 0 };
  private readonly sharePrefill: boolean;
  /** Whether decode steps run only the sequences that have not stopped (decode_layer's row list). */
  private readonly skipStopped: boolean;
  private readonly greedyInStep: boolean;
  private readonly trimLastLayer: boolean;
  private readonly firstChunk: number;
  private readonly maxChunk: number;
  private readonly cache: KvCache;
  private readonly tokenBuf: GPUBuffer;
  /** Row of each sequence's last prompt position (a prefill's logits are needed only there). */
  private readonly lastRowsBuf: GPUBuffer;
  /** [maxBatch, Tmax] u32: prompt and sampled tokens of each sequence (the GPU sampler's output). */
  private readonly historyBuf: GPUBuffer;
  /** [maxBatch] u32: the last sampled token of each sequence, the next decode step's input. */
  private readonly nextBuf: GPUBuffer;
  /** [maxBatch, V] f32: the sampler's scratch. */
  private readonly workBuf: GPUBuffer;
  private readonly acts = new Map<string, Activations>();
  /** Scratch for copying one sequence's prefill to another (made on first use). */
  private copyBuf: GPUBuffer | null = null;
  private readonly decodeActs = new Map<number, DecodeActivations>();
  /** Activations of the last continuation (one shape kept; T is rounded up to limit new shapes). */
  private contActs: Activations | null = null;
  /** Per cache slot of the last run: the tokens whose keys and values fill its rows 0…n−1. */
  private cached: number[][] = [];

  constructor(model: DeviceModel, maxBatch: number, Tmax = model.config.seqLen, o: GeneratorOptions = {}) {
    const c = model.config;
    if (Tmax > c.seqLen) throw new Error(`generation length ${Tmax} exceeds the model's seqLen ${c.seqLen}`);
    if (Tmax > model.maxPositions) throw new Error(`generation length ${Tmax} exceeds the RoPE table (${model.maxPositions} positions)`);
    this.model = model;
    this.maxBatch = maxBatch;
    this.Tmax = Tmax;
    this.sampler = o.sampler ?? (c.vocabSize <= MAX_SAMPLE_VOCAB ? 'gpu' : 'cpu');
    if (this.sampler === 'gpu' && c.vocabSize > MAX_SAMPLE_VOCAB) throw new Error(`the GPU sampler takes vocabularies up to ${MAX_SAMPLE_VOCAB}; this model has ${c.vocabSize}`);
    this.decode = o.decode ?? 'fused';
    this.sharePrefill = o.sharePrefill ?? true;
    this.firstChunk = o.firstChunk ?? 4;
    this.maxChunk = o.maxChunk ?? 32;
    for (const [k, v] of Object.entries({ firstChunk: this.firstChunk, maxChunk: this.maxChunk })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`generator ${k} must be a positive integer, got ${v}`);
    }
    const kv = kvDim(c) * maxBatch * Tmax * 4;
    // Models decoded a layer per workgroup keep every layer's cache in one buffer (layer l at
    // l · layerFloats): a decode step is then one dispatch (model/decode.ts). Others, one per layer.
    const layerFloats = Math.ceil((kv / 4) / 64) * 64; // 256-byte aligned slices
    const flatBytes = c.nLayers * layerFloats * 4;
    this.decodeMode = decodeModeFor(model.gpu, c);
    this.greedyInStep = o.greedyInStep ?? true;
    this.trimLastLayer = o.trimLastLayer ?? true;
    this.skipStopped = (o.skipStopped ?? true) && this.decode === 'fused' && this.decodeMode === 'layers' && maxBatch <= DECODE_MAX_ROWS;
    if (this.decode === 'fused' && this.decodeMode === 'layers' && flatBytes <= Math.min(model.gpu.limits.maxStorageBufferBindingSize, model.gpu.limits.maxBufferSize)) {
      const flat = { k: createBuffer(model.gpu, 'kv_cache.k', flatBytes), v: createBuffer(model.gpu, 'kv_cache.v', flatBytes), layerFloats };
      const slices = (buffer: GPUBuffer) => Array.from({ length: c.nLayers }, (_, l) => ({ buffer, offset: l * layerFloats * 4, size: kv }));
      this.cache = { k: slices(flat.k), v: slices(flat.v), Tmax, posOffset: 0, flat };
    } else {
      const make = (n: string) => Array.from({ length: c.nLayers }, (_, l) => createBuffer(model.gpu, `kv_cache.${n}.${l}`, kv));
      this.cache = { k: make('k'), v: make('v'), Tmax, posOffset: 0 };
    }
    this.tokenBuf = createBuffer(model.gpu, 'generate.tokens', maxBatch * Tmax * 4);
    this.lastRowsBuf = createBuffer(model.gpu, 'generate.last_rows', maxBatch * 4);
    this.historyBuf = createBuffer(model.gpu, 'generate.history', maxBatch * Tmax * 4);
    this.nextBuf = createBuffer(model.gpu, 'generate.next', maxBatch * 4);
    this.workBuf = createBuffer(model.gpu, 'generate.sampler_work', maxBatch * c.vocabSize * 4);
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

  private decodeActivations(B: number): DecodeActivations {
    let a = this.decodeActs.get(B);
    if (!a) {
      a = createDecodeActivations(this.model.gpu, this.model.config, B);
      this.decodeActs.set(B, a);
    }
    return a;
  }

  /** Records the forward of T tokens [B][T] (written to tokenBuf) at positions posOffset…; returns
   *  the buffer whose first B rows of V are each sequence's last-position logits. */
  private recordPrompt(rec: Recorder, tokens: number[][], posOffset: number): GPUBuffer {
    const B = tokens.length;
    const T = tokens[0].length;
    const flat = new Uint32Array(B * T);
    tokens.forEach((t, b) => flat.set(t, b * T));
    writeBuffer(this.model.gpu, this.tokenBuf, flat);
    const acts = this.activations(B, T);
    // A prefill needs logits only at each sequence's last position: the head runs on those B rows.
    let head: HeadRows | undefined;
    if (T > 1) {
      writeBuffer(this.model.gpu, this.lastRowsBuf, Uint32Array.from({ length: B }, (_, b) => b * T + T - 1));
      head = { rows: this.lastRowsBuf, count: B, ...(this.trimLastLayer ? { rowInSeq: T - 1 } : {}) };
    }
    recordForward(rec, this.model, acts, this.tokenBuf, { ...this.cache, posOffset }, head);
    return acts.logits;
  }

  /**
   * Records the prefill of B prompts where several are the same (n CoTs of one example): each
   * distinct prompt runs once, in slot u (its rank among distinct prompts), then its KV-cache rows
   * and logits row are copied to every sequence b that has it, from the last b down — a distinct
   * prompt's first sequence is at or after its slot, so no slot is overwritten before it is read.
   * Returns the logits buffer with B rows, as recordPrompt does.
   */
  private recordSharedPrompts(rec: Recorder, prompts: number[][]): GPUBuffer {
    const B = prompts.length;
    const P = prompts[0].length;
    const slot = new Map<string, number>();
    const src = prompts.map((p) => {
      const key = p.join(',');
      if (!slot.has(key)) slot.set(key, slot.size);
      return slot.get(key)!;
    });
    const U = slot.size;
    // The prefill's logits buffer holds U·P rows: sharing needs room for B of them.
    if (!this.sharePrefill || U === B || U * P < B) return this.recordPrompt(rec, prompts, 0);
    const unique = prompts.filter((_, b) => !src.slice(0, b).includes(src[b]));
    const logits = this.recordPrompt(rec, unique, 0);
    const row = kvDim(this.model.config) * 4;
    const V4 = this.model.config.vocabSize * 4;
    // A buffer cannot be copied onto itself: each copy goes through a scratch buffer.
    if (!this.copyBuf) this.copyBuf = createBuffer(this.model.gpu, 'generate.copy', Math.max(this.Tmax * row, V4));
    const via = (b: BufferBinding, from: number, to: number, bytes: number) => {
      const { buffer, base } = 'buffer' in b ? { buffer: b.buffer, base: b.offset ?? 0 } : { buffer: b, base: 0 };
      rec.copy(buffer, base + from, this.copyBuf!, 0, bytes);
      rec.copy(this.copyBuf!, 0, buffer, base + to, bytes);
    };
    for (let b = B - 1; b >= 0; b--) {
      const u = src[b];
      if (u === b) continue;
      for (const buf of [...this.cache.k, ...this.cache.v]) via(buf, u * this.Tmax * row, b * this.Tmax * row, P * row);
      via(logits, u * V4, b * V4, V4);
    }
    return logits;
  }

  /** Records one decode step of the B tokens in `tokens` (u32 [B]) at position pos (of the rows
   *  listed, where the decode form can skip the others); returns the logits buffer ([B, V]). */
  private recordStep(rec: Recorder, B: number, tokens: GPUBuffer, pos: number, rows?: readonly number[], greedy = false): GPUBuffer {
    const cache = { ...this.cache, posOffset: pos };
    if (this.decode === 'fused') {
      const acts = this.decodeActivations(B);
      recordDecode(rec, this.model, acts, tokens, cache, this.decodeMode, rows, greedy);
      return acts.logits;
    }
    const acts = this.activations(B, 1);
    recordForward(rec, this.model, acts, tokens, cache);
    return acts.logits;
  }

  private submit(rec: Recorder): void {
    rec.submit();
    this.stats.submits++;
    this.stats.dispatches += rec.dispatches;
  }

  /** Runs T new tokens of B sequences at positions posOffset…; returns the last row of logits of
   *  each sequence ([B][V]). */
  private async forward(tokens: number[][], posOffset: number): Promise<Float32Array[]> {
    const B = tokens.length;
    const V = this.model.config.vocabSize;
    const rec = new Recorder(this.model.gpu, tokens[0].length > 1 ? 'prefill' : 'decode');
    const logits = this.recordPrompt(rec, tokens, posOffset);
    this.submit(rec);
    const all = new Float32Array(await readBuffer(this.model.gpu, logits, B * V * 4));
    this.stats.readbacks++;
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
    this.cached = [];
    const rows = await this.forward(prompts, 0);
    this.cached = prompts.map((p) => [...p]);
    return rows;
  }

  /** The tokens whose keys and values fill rows 0…n−1 of each cache slot of the last run (copies;
   *  a generation's slot holds its prompt and every token fed to a decode step, so not the last
   *  token sampled, and tokens sampled past a stop within a chunk are there too). */
  cachedTokens(): number[][] {
    return this.cached.map((t) => [...t]);
  }

  /**
   * Runs seqs[b] on top of cache slot b (slots of the last run, b < its batch), records `then` on
   * the logits at each sequence's last position — B rows of the returned buffer, in order — submits
   * once and reads back `bytes` of `out`. Each sequence's longest prefix already in its slot is not
   * run again (at least its last token is): the B tails run as one forward at the positions from
   * the earliest tail start s, right-padded to the longest (causal: a last position never sees the
   * padding after it), so the keys and values of rows ≥ s are rewritten from seqs. Afterwards slot
   * b holds seqs[b] (then the padding).
   */
  async continueAndRead(seqs: readonly number[][], then: (rec: Recorder, logits: GPUBuffer, B: number) => void, out: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const B = seqs.length;
    const V = this.model.config.vocabSize;
    if (B === 0) throw new Error('continue: no sequences');
    if (B > this.cached.length) throw new Error(`continue: ${B} sequences, but the cache holds ${this.cached.length} from the last run`);
    const starts = seqs.map((q, b) => {
      if (q.length === 0) throw new Error(`continue: sequence ${b} is empty (it needs at least BOS)`);
      if (q.length > this.Tmax) throw new Error(`continue: sequence ${b} has ${q.length} tokens, more than the ${this.Tmax} positions of the cache`);
      validateTokenIds(q, V, `sequence ${b}`);
      const c = this.cached[b];
      let n = 0;
      while (n < q.length - 1 && n < c.length && c[n] === q[n]) n++;
      return n;
    });
    const s = Math.min(...starts);
    const end = Math.max(...seqs.map((q) => q.length));
    // Round the width up (to 8) so that judgements of similar CoT lengths share one activation shape.
    const T = Math.min(this.Tmax - s, Math.ceil((end - s) / 8) * 8);
    const flat = new Uint32Array(B * T);
    seqs.forEach((q, b) => flat.set(q.slice(s), b * T));
    const gpu = this.model.gpu;
    writeBuffer(gpu, this.tokenBuf, flat);
    writeBuffer(gpu, this.lastRowsBuf, Uint32Array.from(seqs, (q, b) => b * T + q.length - 1 - s));
    if (!this.contActs || this.contActs.B !== B || this.contActs.T !== T) {
      if (this.contActs) destroyActivations(this.contActs);
      this.contActs = null;
      this.contActs = createActivations(gpu, this.model.config, B, T, this.Tmax);
    }
    const acts = this.contActs;
    const rec = new Recorder(gpu, 'continue');
    // One last row per sequence at the same index of its tail: the last layer can run on those rows alone.
    const tails = new Set(seqs.map((q) => q.length - 1 - s));
    const rowInSeq = this.trimLastLayer && tails.size === 1 ? { rowInSeq: [...tails][0] } : {};
    recordForward(rec, this.model, acts, this.tokenBuf, { ...this.cache, posOffset: s }, { rows: this.lastRowsBuf, count: B, ...rowInSeq });
    then(rec, acts.logits, B);
    this.submit(rec);
    this.cached = seqs.map((q, b) => [...q, ...flat.subarray(b * T + q.length - s, (b + 1) * T)]).concat(this.cached.slice(B));
    const data = await readBuffer(gpu, out, bytes);
    this.stats.readbacks++;
    return data;
  }

  /** Generates after each prompt (all the same length) until a stop or maxNewTokens. */
  async generate(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    validateSampling(o);
    if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer, got ${o.maxNewTokens}`);
    if (o.seed !== undefined && (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)) throw new Error(`seed must be an integer in 0..2^32−1, got ${o.seed}`);
    this.check(prompts, o.maxNewTokens);
    return this.sampler === 'gpu' ? this.generateOnGpu(prompts, o) : this.generateOnCpu(prompts, o);
  }

  /** Sampling on the GPU: chunks of k decode steps per submit, one readback of the ids per chunk. */
  private async generateOnGpu(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    const gpu = this.model.gpu;
    const seed = o.seed ?? (o.rng ? Math.floor(o.rng.next() * 4294967296) : 0);
    const sampling = { temperature: o.temperature ?? 1, topP: o.topP ?? 1, repetitionPenalty: o.repetitionPenalty ?? 1, seed };
    const stopTokens = new Set(o.stopTokens ?? []);
    const B = prompts.length;
    const P = prompts[0].length;
    const V = this.model.config.vocabSize;
    const Tmax = this.Tmax;
    const history = new Uint32Array(B * Tmax);
    prompts.forEach((p, b) => history.set(p, b * Tmax));
    writeBuffer(gpu, this.historyBuf, history);
    const out: number[][] = prompts.map(() => []);
    const finish: ('stop' | 'length')[] = prompts.map(() => 'length');
    const done = prompts.map(() => false);
    const sample = (rec: Recorder, logits: GPUBuffer, t: number) =>
      sampleTokens(rec, { next: this.nextBuf, history: this.historyBuf }, logits, this.workBuf, { B, V, Tmax, len: P + t }, { ...sampling, step: t });
    // Greedy without a penalty on the one-dispatch step: the step itself writes the argmax into the
    // history, where the next step reads its input (no sampler dispatch; the sampler still picks the
    // first token, from the prefill's logits).
    const inStep = this.greedyInStep && sampling.temperature === 0 && sampling.repetitionPenalty === 1 && this.decode === 'fused' && this.decodeMode === 'layers' && this.cache.flat !== undefined;
    let produced = 0;
    let chunk = this.firstChunk;
    let ids = history;
    this.cached = [];
    // Per sequence, the decode steps that fed it: step t feeds the token sampled at t − 1 into cache
    // position P + t − 1. A sequence stopped before a chunk is not decoded in it (skipStopped): its
    // cache keeps the rows of its own steps, and the sampler's tokens for it are ignored.
    const fed = new Array<number>(B).fill(0);
    const rowsNow = () => {
      const running = done.flatMap((d, b) => (d ? [] : [b]));
      return this.skipStopped && running.length < B ? running : undefined;
    };
    // A chunk of n steps from `start`, recorded but not submitted: the next chunk is recorded while
    // the GPU runs this one (its recording is then off the critical path), on the rows running
    // before this chunk's tokens are seen; if a sequence stops in it, the next chunk is recorded
    // again for the rows still running (an unsubmitted recording is simply dropped).
    type Chunk = { rec: Recorder; start: number; n: number; rows: readonly number[] | undefined; steps: number; dispatches: number };
    const recordChunk = (start: number, n: number, rows: readonly number[] | undefined): Chunk => {
      const rec = new Recorder(gpu, 'generate');
      let steps = 0;
      let dispatches = 0;
      for (let t = start; t < start + n; t++) {
        if (t === 0) {
          sample(rec, this.recordSharedPrompts(rec, prompts), 0);
        } else {
          const before = rec.dispatches;
          if (inStep) this.recordStep(rec, B, this.historyBuf, P + t - 1, rows, true);
          else sample(rec, this.recordStep(rec, B, this.nextBuf, P + t - 1, rows), t);
          steps++;
          dispatches += rec.dispatches - before;
        }
      }
      return { rec, start, n, rows, steps, dispatches };
    };
    let pending: Chunk | null = recordChunk(0, Math.min(chunk, o.maxNewTokens), rowsNow());
    while (pending) {
      const { rec, start, n, rows, steps, dispatches }: Chunk = pending;
      this.submit(rec);
      const last = start + n - 1;
      if (last >= 1) for (const b of rows ?? prompts.keys()) fed[b] = last;
      this.stats.decodeSteps += steps;
      this.stats.decodeRows += steps * (rows?.length ?? B);
      this.stats.decodeDispatches += dispatches;
      const read = readBuffer(gpu, this.historyBuf, B * Tmax * 4);
      produced = start + n;
      chunk = Math.min(2 * chunk, this.maxChunk);
      const nextN = Math.min(chunk, o.maxNewTokens - produced);
      let ahead: Chunk | null = nextN > 0 ? recordChunk(produced, nextN, rows) : null;
      ids = new Uint32Array(await read);
      this.stats.readbacks++;
      // Step-major, as one token at a time would have delivered them.
      for (let t = start; t < start + n; t++) {
        for (let b = 0; b < B; b++) {
          if (done[b]) continue;
          const tok = ids[b * Tmax + P + t];
          out[b].push(tok);
          o.onToken?.(b, tok);
          if (stopTokens.has(tok) || o.stop?.(b, out[b])) {
            done[b] = true;
            finish[b] = 'stop';
          }
        }
      }
      if (done.every(Boolean)) ahead = null;
      else if (ahead) {
        const running = rowsNow();
        if (String(running) !== String(ahead.rows)) ahead = recordChunk(produced, nextN, running);
      }
      pending = ahead;
    }
    // The cache holds the prompt and the tokens fed to the steps that decoded the sequence: all those
    // sampled but the last (some past a stop included).
    this.cached = prompts.map((p, b) => [...p, ...ids.subarray(b * Tmax + P, b * Tmax + P + fed[b])]);
    return { tokens: out, finish };
  }

  /** The earlier path: the logits row of every sequence read back after each token, sampled on
   *  the CPU with `o.rng`. */
  private async generateOnCpu(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    const rng = o.rng ?? new Rng(0);
    const stopTokens = new Set(o.stopTokens ?? []);
    const B = prompts.length;
    const P = prompts[0].length;
    const V = this.model.config.vocabSize;
    const out: number[][] = prompts.map(() => []);
    const finish: ('stop' | 'length')[] = prompts.map(() => 'length');
    const done = prompts.map(() => false);
    this.cached = [];
    let logits = await this.forward(prompts, 0);
    const fed = prompts.map((p) => [...p]);
    for (let step = 0; step < o.maxNewTokens; step++) {
      const next = new Uint32Array(B);
      for (let b = 0; b < B; b++) {
        if (done[b]) continue; // token 0 keeps the batch in lockstep; its output is ignored
        const tok = sampleToken(Float32Array.from(logits[b]), o, rng, [...prompts[b], ...out[b]]);
        out[b].push(tok);
        o.onToken?.(b, tok);
        if (stopTokens.has(tok) || o.stop?.(b, out[b])) {
          done[b] = true;
          finish[b] = 'stop';
        }
        next[b] = tok;
      }
      if (done.every(Boolean) || step === o.maxNewTokens - 1) break;
      writeBuffer(this.model.gpu, this.nextBuf, next);
      const rec = new Recorder(this.model.gpu, 'decode');
      const before = rec.dispatches;
      const buf = this.recordStep(rec, B, this.nextBuf, P + step);
      this.stats.decodeSteps++;
      this.stats.decodeRows += B;
      this.stats.decodeDispatches += rec.dispatches - before;
      this.submit(rec);
      next.forEach((t, b) => fed[b].push(t));
      const all = new Float32Array(await readBuffer(this.model.gpu, buf, B * V * 4));
      this.stats.readbacks++;
      logits = Array.from({ length: B }, (_, b) => all.subarray(b * V, (b + 1) * V));
    }
    this.cached = fed;
    return { tokens: out, finish };
  }

  /** The cache's own buffers (one per layer, or the two flat ones). */
  private cacheBuffers(): GPUBuffer[] {
    if (this.cache.flat) return [this.cache.flat.k, this.cache.flat.v];
    return [...this.cache.k, ...this.cache.v] as GPUBuffer[];
  }

  destroy(): void {
    for (const a of this.acts.values()) destroyActivations(a);
    for (const a of this.decodeActs.values()) destroyDecodeActivations(a);
    if (this.contActs) destroyActivations(this.contActs);
    for (const b of [...this.cacheBuffers(), this.tokenBuf, this.lastRowsBuf, this.historyBuf, this.nextBuf, this.workBuf]) b.destroy();
    this.copyBuf?.destroy();
  }
}

/** Generates for prompts of any lengths: groups them by length into batches of at most the
 *  generator's size, keeping the callbacks' sequence indices those of `prompts`. `afterBatch` runs
 *  after each batch with its prompts' indices in cache-slot order, while the generator's cache still
 *  holds that batch (the judge reads out there). */
export async function generateMany(gen: SequenceGenerator, prompts: number[][], o: GenerateOptions, afterBatch?: (batch: number[]) => Promise<void>): Promise<Generation> {
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
      await afterBatch?.(group);
    }
  }
  return { tokens, finish };
}
