// Running an exported model (onnx_export.ts) with onnxruntime-web: in Node with the wasm backend, in
// a browser with the webgpu execution provider where there is one and wasm otherwise. ORT is loaded
// on first use (a dynamic import), so code that never runs ONNX does not pay for it.
//
// OrtLlama   one InferenceSession plus the model's config and tokenizer from metadata_props;
//            logits(ids) for whole sequences (either variant).
// OrtGenerator  generation and read-outs with the surface of src/infer/generate.ts's Generator
//            (Tmax, maxBatch, lastLogits, generate), so the GPU Judge's algorithm runs unchanged on
//            ORT (ort_judge.ts). With the 'kv' variant the prompt runs once and each new token alone
//            against the cache; with 'logits' every step re-runs the whole sequence.
import type * as OrtModule from 'onnxruntime-web';
import type { Generation, GenerateOptions, SequenceGenerator } from '../infer/generate.ts';
import { sampleToken, validateSampling } from '../infer/sampling.ts';
import { headSize, validateConfig, type ModelConfig } from '../model/config.ts';
import { Rng } from '../model/rng.ts';
import type { TokenizerDescription } from '../data/tokenizers/types.ts';
import { asPromptFit } from '../data/trained_fit.ts';
import { onnxMetadata } from './onnx_graph.ts';
import { ONNX_META, ONNX_NAMES, type OnnxVariant } from './onnx_export.ts';

export type Ort = typeof OrtModule;
export type OrtExecutionProvider = 'webgpu' | 'wasm';

let ortPromise: Promise<Ort> | null = null;

/** The onnxruntime-web module (imported once). */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-web');
  return ortPromise;
}

export interface OrtEnvOptions {
  /** Threads of the wasm backend (1: no worker threads; 0: ORT decides). */
  numThreads?: number;
  /** Where the .wasm (and .mjs) files are served from (browser builds; ort_browser.ts sets it). */
  wasmPaths?: OrtModule.Env.WasmPrefixOrFilePaths;
}

/** Sets ORT's global wasm options; call before the first session is created. */
export async function configureOrt(o: OrtEnvOptions): Promise<Ort> {
  const ort = await loadOrt();
  if (o.numThreads !== undefined) ort.env.wasm.numThreads = o.numThreads;
  if (o.wasmPaths !== undefined) ort.env.wasm.wasmPaths = o.wasmPaths;
  return ort;
}

/** Whether this runtime offers WebGPU to ORT's webgpu execution provider (browsers only). */
export async function webgpuAvailable(): Promise<boolean> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator;
  if (isNode || !nav?.gpu) return false;
  try {
    return (await nav.gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

export interface OrtLoadOptions {
  /** Execution providers in order of preference. Default: ['webgpu', 'wasm'] where WebGPU exists, else ['wasm']. */
  executionProviders?: OrtExecutionProvider[];
  /** A tokenizer description to use instead of (or where there is no) tract.tokenizer in the metadata. */
  tokenizer?: TokenizerDescription;
}

export class OrtError extends Error {
  constructor(message: string) {
    super(`onnxruntime: ${message}`);
    this.name = 'OrtError';
  }
}

/** An exported tract model in an ORT session. */
export class OrtLlama {
  readonly ort: Ort;
  readonly session: OrtModule.InferenceSession;
  readonly config: ModelConfig;
  readonly variant: OnnxVariant;
  readonly tokenizer: TokenizerDescription | undefined;
  /** The prompt-fit rule the judge was trained with (tract.prompt_fit), when the export recorded it. */
  readonly promptFit: { seqLen: number; maxCotTokens: number; evalCotTokens?: number } | undefined;
  /** The execution provider asked for first (ORT falls back down the list silently). */
  readonly executionProvider: OrtExecutionProvider;

  private constructor(
    ort: Ort,
    session: OrtModule.InferenceSession,
    config: ModelConfig,
    variant: OnnxVariant,
    tokenizer: TokenizerDescription | undefined,
    ep: OrtExecutionProvider,
    promptFit: OrtLlama['promptFit'],
  ) {
    this.ort = ort;
    this.session = session;
    this.config = config;
    this.variant = variant;
    this.tokenizer = tokenizer;
    this.executionProvider = ep;
    this.promptFit = promptFit;
  }

  /** Loads an .onnx written by exportOnnx (bytes: ORT reads nothing from disk or the network). */
  static async create(bytes: Uint8Array, o: OrtLoadOptions = {}): Promise<OrtLlama> {
    const meta = onnxMetadata(bytes);
    const rawConfig = meta.metadata[ONNX_META.config];
    if (rawConfig === undefined) throw new OrtError(`this ONNX model has no ${ONNX_META.config} metadata: it was not exported by tract (producer '${meta.producer}')`);
    const config = validateConfig(JSON.parse(rawConfig));
    const variant = meta.metadata[ONNX_META.variant];
    if (variant !== 'logits' && variant !== 'kv') throw new OrtError(`unknown ${ONNX_META.variant} ${JSON.stringify(variant)} (expected 'logits' or 'kv')`);
    const tokText = meta.metadata[ONNX_META.tokenizer];
    const tokenizer = o.tokenizer ?? (tokText !== undefined ? (JSON.parse(tokText) as TokenizerDescription) : undefined);
    const fitText = meta.metadata[ONNX_META.promptFit];
    const fitJson: unknown = fitText !== undefined ? JSON.parse(fitText) : undefined;
    const fit = asPromptFit(fitJson);
    const evalCot = (fitJson as { evalCotTokens?: unknown } | undefined)?.evalCotTokens;
    const promptFit = fit && { ...fit, ...(typeof evalCot === 'number' && Number.isInteger(evalCot) && evalCot > 0 ? { evalCotTokens: evalCot } : {}) };
    const eps = o.executionProviders ?? ((await webgpuAvailable()) ? ['webgpu', 'wasm'] : ['wasm']);
    if (eps.length === 0) throw new OrtError('no execution provider given');
    const ort = await loadOrt();
    let session: OrtModule.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: eps, graphOptimizationLevel: 'all' });
    } catch (e) {
      throw new OrtError(`could not create a session (${eps.join(', ')}): ${(e as Error).message}`);
    }
    return new OrtLlama(ort, session, config, variant, tokenizer, eps[0], promptFit);
  }

  private idsTensor(seqs: readonly (readonly number[])[]): OrtModule.Tensor {
    const B = seqs.length;
    const T = seqs[0].length;
    const data = new BigInt64Array(B * T);
    seqs.forEach((s, b) => {
      if (s.length !== T) throw new OrtError(`sequences of one batch must have the same length (${T}); sequence ${b} has ${s.length}`);
      s.forEach((id, t) => {
        if (!(Number.isInteger(id) && id >= 0 && id < this.config.vocabSize)) throw new OrtError(`token ${id} at [${b}, ${t}] is not in [0, ${this.config.vocabSize})`);
        data[b * T + t] = BigInt(id);
      });
    });
    return new this.ort.Tensor('int64', data, [B, T]);
  }

  private emptyCache(B: number): Record<string, OrtModule.Tensor> {
    const feeds: Record<string, OrtModule.Tensor> = {};
    const shape = [B, this.config.nKvHeads, 0, headSize(this.config)];
    for (let l = 0; l < this.config.nLayers; l++) {
      feeds[ONNX_NAMES.pastKey(l)] = new this.ort.Tensor('float32', new Float32Array(0), shape);
      feeds[ONNX_NAMES.pastValue(l)] = new this.ort.Tensor('float32', new Float32Array(0), shape);
    }
    return feeds;
  }

  /**
   * Runs token ids [B][T] (positions past … past+T−1); returns logits [B·T·V] and, for the 'kv'
   * variant, the caches to pass to the next call. `cache` null = positions from 0.
   */
  async run(seqs: readonly (readonly number[])[], cache: OrtCache | null = null): Promise<{ logits: Float32Array; cache: OrtCache | null }> {
    if (seqs.length === 0 || seqs[0].length === 0) throw new OrtError('run: no tokens');
    const B = seqs.length;
    const T = seqs[0].length;
    const past = cache?.length ?? 0;
    if (past + T > this.config.seqLen) throw new OrtError(`${past + T} positions exceed the model's seqLen ${this.config.seqLen}`);
    const feeds: Record<string, OrtModule.Tensor> = { [ONNX_NAMES.inputIds]: this.idsTensor(seqs) };
    if (this.variant === 'kv') Object.assign(feeds, cache ? cache.feeds : this.emptyCache(B));
    else if (cache) throw new OrtError("the 'logits' variant has no cache: run whole sequences");
    const out = await this.session.run(feeds);
    const logits = out[ONNX_NAMES.logits].data as Float32Array;
    if (this.variant !== 'kv') return { logits, cache: null };
    const next: Record<string, OrtModule.Tensor> = {};
    for (let l = 0; l < this.config.nLayers; l++) {
      next[ONNX_NAMES.pastKey(l)] = out[ONNX_NAMES.presentKey(l)];
      next[ONNX_NAMES.pastValue(l)] = out[ONNX_NAMES.presentValue(l)];
    }
    return { logits, cache: { feeds: next, length: past + T, batch: B } };
  }

  /** Logits [B·T·V] of whole sequences at positions 0 … T−1. */
  async logits(seqs: readonly (readonly number[])[]): Promise<Float32Array> {
    return (await this.run(seqs)).logits;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Keys and values after `length` positions of `batch` sequences (the 'kv' variant's present outputs). */
export interface OrtCache {
  feeds: Record<string, OrtModule.Tensor>;
  length: number;
  batch: number;
}


/** Generation on ORT with Generator's semantics (same options, same sampling, same stops). */
export class OrtGenerator implements SequenceGenerator {
  readonly model: OrtLlama;
  readonly maxBatch: number;
  readonly Tmax: number;

  constructor(model: OrtLlama, maxBatch = 16, Tmax = model.config.seqLen) {
    if (Tmax > model.config.seqLen) throw new OrtError(`generation length ${Tmax} exceeds the model's seqLen ${model.config.seqLen}`);
    this.model = model;
    this.maxBatch = maxBatch;
    this.Tmax = Tmax;
  }

  private check(prompts: number[][], extra: number): void {
    if (prompts.length === 0) throw new OrtError('generate: no prompts');
    if (prompts.length > this.maxBatch) throw new OrtError(`generate: ${prompts.length} sequences, this generator holds at most ${this.maxBatch}`);
    const P = prompts[0].length;
    if (P === 0) throw new OrtError('generate: a prompt needs at least one token (e.g. BOS)');
    prompts.forEach((p, i) => {
      if (p.length !== P) throw new OrtError(`generate: prompts of one batch must have the same length (${P}); prompt ${i} has ${p.length}`);
    });
    if (P + extra > this.Tmax) throw new OrtError(`generate: prompt (${P}) + ${extra} new tokens exceeds the ${this.Tmax} positions`);
  }

  private lastRows(logits: Float32Array, B: number, T: number): Float32Array[] {
    const V = this.model.config.vocabSize;
    return Array.from({ length: B }, (_, b) => logits.slice((b * T + T - 1) * V, (b * T + T) * V));
  }

  async lastLogits(prompts: number[][]): Promise<Float32Array[]> {
    this.check(prompts, 0);
    const { logits } = await this.model.run(prompts);
    return this.lastRows(logits, prompts.length, prompts[0].length);
  }

  async generate(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    validateSampling(o);
    if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1) throw new OrtError(`maxNewTokens must be a positive integer, got ${o.maxNewTokens}`);
    this.check(prompts, o.maxNewTokens);
    const rng = o.rng ?? new Rng(0);
    const stopTokens = new Set(o.stopTokens ?? []);
    const B = prompts.length;
    const out: number[][] = prompts.map(() => []);
    const finish: ('stop' | 'length')[] = prompts.map(() => 'length');
    const done = prompts.map(() => false);
    const kv = this.model.variant === 'kv';
    let r = await this.model.run(prompts);
    let logits = this.lastRows(r.logits, B, prompts[0].length);
    for (let step = 0; step < o.maxNewTokens; step++) {
      const next: number[] = [];
      for (let b = 0; b < B; b++) {
        if (done[b]) {
          next.push(0); // keeps the batch in lockstep; its output is ignored
          continue;
        }
        const tok = sampleToken(Float32Array.from(logits[b]), o, rng, [...prompts[b], ...out[b]]);
        out[b].push(tok);
        o.onToken?.(b, tok);
        if (stopTokens.has(tok) || o.stop?.(b, out[b])) {
          done[b] = true;
          finish[b] = 'stop';
        }
        next.push(tok);
      }
      if (done.every(Boolean) || step === o.maxNewTokens - 1) break;
      if (kv) {
        r = await this.model.run(
          next.map((t) => [t]),
          r.cache,
        );
        logits = this.lastRows(r.logits, B, 1);
      } else {
        // Done sequences are padded with the tokens they were fed, as in the lockstep above.
        const seqs = prompts.map((p, b) => [...p, ...out[b], ...Array(step + 1 - out[b].length).fill(0)]);
        r = await this.model.run(seqs);
        logits = this.lastRows(r.logits, B, seqs[0].length);
      }
    }
    return { tokens: out, finish };
  }
}
