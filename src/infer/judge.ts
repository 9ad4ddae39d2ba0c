// The judge: scores examples with a trained model (DESIGN.md §1).
//   CoT-RAIL: sample a CoT after the prompt (T = 1, top-p 0.9 by default; greedy as an option),
//     cut it at "So the overall", append " So the overall score is ", read p at the next position,
//     ŷ = Σ_k s_k p_k; with n CoTs, the mean of the n ŷ.
//   Label RAIL (no CoT): the read-out right after the prompt and "So the overall score is ".
//   Standard decoding: the score token the model generates there (argmax).
// It runs on any SequenceGenerator: the GPU engine (Generator), or onnxruntime-web without WebGPU
// (src/interop/ort.ts). Read-outs come from a ScoreReader (src/infer/readout.ts): with the GPU
// Generator, the score head's fused kernel reads out on the GPU and only K + 4 floats per read-out
// come back (never a logits row); otherwise the generator's logits rows are read out on the host.
// CoT-RAIL on the GPU Generator reads out on its KV cache by default (readout: 'cache'): after each
// batch of CoTs, only the tokens the cache does not hold (the suffix, and any CoT tokens re-encoded
// differently from those sampled or sampled past the stop) run, on top of the prompt and CoT already
// there; readout: 'sequence' runs the forward over the whole read-out sequence (the earlier path).
//
// Prompts follow the prompt-fit rule (src/data/example.ts) with seqLen = the generator's Tmax and
// the CoT room `promptCotTokens` (default maxCotTokens): label-only read-outs, CoT sampling and
// read-outs given CoTs all see the same prompt ids, the ones training used with the same room. Every
// CoT read out is cut to that room as training cuts it (fitCot).
import {
  fitCot,
  fitJudgePrompt,
  readoutIds,
  referenceCot,
  cotFromFeedback,
  isDefaultScale,
  scaleConflict,
  type JudgeExample,
  type TemplateName,
  type Tokenizer,
} from '../data/index.ts';
import { readoutOnHost, scoreScaleOf, type ReadoutRow, type ScoreScale } from '../model/score_head.ts';
import { Generator, generateMany, type SequenceGenerator } from './generate.ts';
import { GpuScoreReader, HostScoreReader, lastLogitsMany, type ScoreReader } from './readout.ts';
import { Rng } from '../model/rng.ts';
import type { SamplingOptions } from './sampling.ts';

export interface JudgeOptions {
  template: TemplateName;
  /** CoTs sampled per example (CoT-RAIL averages their ŷ). Default 1. */
  nCot?: number;
  /** CoT sampling (default temperature 1, top-p 0.9). temperature 0 = greedy. */
  sampling?: SamplingOptions;
  /** Longest CoT in tokens (default 64). */
  maxCotTokens?: number;
  /** The CoT room of the prompt-fit rule (default maxCotTokens, never less): give training's value so
   *  that the prompts are the ones the model was trained on. */
  promptCotTokens?: number;
  /** Renormalise over the score tokens (default false: the whole-vocabulary probabilities). */
  renormalize?: boolean;
  seed?: number;
  /** CoT-RAIL read-outs on the GPU Generator: 'cache' (default; only the tokens after what the KV
   *  cache holds) or 'sequence' (a forward over prompt + CoT + suffix). Other generators: 'sequence'. */
  readout?: 'cache' | 'sequence';
  /** Streaming: every new token of example i's sample j, as text. */
  onText?: (example: number, sample: number, text: string) => void;
  /** Every CoT as soon as its sample stops (cut at "So the overall"), in the order they finish. */
  onCot?: (example: number, sample: number, cot: string) => void;
  /** Progress: examples done (counted as CoTs finished / nCot). */
  onProgress?: (done: number, total: number) => void;
}

/** One read-out at a score position (see ReadoutRow): p_k of the score tokens over the whole
 *  vocabulary (or q_k when renormalising), Σ_k p_k, RAIL ŷ, the decoded score s_{k*} (decoding among
 *  the score tokens) and whether a score token is the whole-vocabulary argmax (else plain decoding
 *  would not have produced a score here). */
export type ScoreReadout = ReadoutRow;

export interface Judgement {
  /** One CoT per sample ('' for label-only read-outs). */
  cots: string[];
  samples: ScoreReadout[];
  /** Mean of the samples' ŷ (CoT-RAIL). */
  yhat: number;
  /** Mean of the samples' probabilities and mass. */
  probs: number[];
  mass: number;
  /** Standard decoding: the first sample's decoded score. */
  decoded: number;
}

/** The options that decide a prompt under the prompt-fit rule. */
export type PromptOptions = Pick<JudgeOptions, 'template' | 'maxCotTokens' | 'promptCotTokens'>;

/** The rule's CoT room for these options (promptCotTokens, else maxCotTokens, else 64). */
export function promptCotRoom(o: Pick<JudgeOptions, 'maxCotTokens' | 'promptCotTokens'>): number {
  return o.promptCotTokens ?? o.maxCotTokens ?? 64;
}

/** RAIL read-out of one logits row on the host, the tokenizer's score scale ("1".."5" valued 1..5). */
export function readout(row: Float32Array, scoreIds: number[], renormalize: boolean): ScoreReadout {
  return readoutOnHost(row, scoreScaleOf({ scoreTokenIds: () => scoreIds }), renormalize);
}

export { lastLogitsMany };

function summarize(cots: string[], samples: ScoreReadout[]): Judgement {
  const n = samples.length;
  const mean = (f: (s: ScoreReadout) => number) => samples.reduce((a, s) => a + f(s), 0) / n;
  return {
    cots,
    samples,
    yhat: mean((s) => s.yhat),
    probs: samples[0].probs.map((_, k) => mean((s) => s.probs[k])),
    mass: mean((s) => s.mass),
    decoded: samples[0].decoded,
  };
}

/** One GPU reader per Generator (a judge is made per request in the app; its buffers live as long
 *  as the generator is referenced). */
const gpuReaders = new WeakMap<Generator, GpuScoreReader>();
function gpuReaderFor(gen: Generator, scale: ScoreScale): GpuScoreReader {
  let r = gpuReaders.get(gen);
  const same = r && r.head.scale && r.head.scale.ids.join() === scale.ids.join() && r.head.scale.values.join() === scale.values.join();
  if (!r || !same) {
    r?.destroy();
    r = new GpuScoreReader(gen.model, scale, gen.maxBatch, gen.Tmax);
    gpuReaders.set(gen, r);
  }
  return r;
}

export class Judge {
  readonly gen: SequenceGenerator;
  readonly tokenizer: Tokenizer;
  /** The default scale, "1".."5" valued 1..5; examples whose rubric has other levels are read out
   *  on theirs (every example of one call must share a scale). */
  readonly scale: ScoreScale;
  /** Where read-outs come from: the GPU score head with the GPU Generator (unless `reader` is
   *  given), else the host read-out of the generator's logits rows. */
  readonly reader: ScoreReader;
  private readonly fixedReader: boolean;

  constructor(gen: SequenceGenerator, tokenizer: Tokenizer, reader?: ScoreReader) {
    this.gen = gen;
    this.tokenizer = tokenizer;
    this.scale = scoreScaleOf(tokenizer);
    this.fixedReader = reader !== undefined;
    this.reader = reader ?? (gen instanceof Generator ? gpuReaderFor(gen, this.scale) : new HostScoreReader(gen, this.scale));
  }

  /** The score scale of a call's examples (their rubric's levels), the same for all of them. */
  scaleOf(examples: readonly JudgeExample[]): ScoreScale {
    if (examples.length === 0) return this.scale;
    const conflict = scaleConflict(examples.map((ex) => ({ id: ex.id, levels: ex.rubric.levels })));
    if (conflict) throw new Error(`${conflict}: judge them in separate calls`);
    return isDefaultScale(examples[0].rubric.levels) ? this.scale : scoreScaleOf(this.tokenizer, examples[0].rubric.levels);
  }

  /** The reader for a scale: the judge's own for its default scale, else one made for it. */
  private readerFor(scale: ScoreScale): ScoreReader {
    const same = (a: ScoreScale) => a.ids.join() === scale.ids.join() && a.values.join() === scale.values.join();
    if (same(this.reader.scale)) return this.reader;
    if (this.fixedReader) throw new Error('this judge reads out on a fixed score scale; examples on another scale need a judge of their own');
    return this.gen instanceof Generator ? gpuReaderFor(this.gen, scale) : new HostScoreReader(this.gen, scale);
  }

  /** The prompt ids of an example under the prompt-fit rule (seqLen = Tmax, CoT room of `o`). */
  promptIds(ex: JudgeExample, o: PromptOptions): number[] {
    const fit = { seqLen: this.gen.Tmax, maxCotTokens: promptCotRoom(o) };
    const p = fitJudgePrompt(ex, this.tokenizer, o.template, fit);
    if (!p) throw new Error(`example ${ex.id}: even an emptied prompt does not fit the prompt budget (seqLen ${fit.seqLen}, CoT room ${fit.maxCotTokens} tokens)`);
    return p.ids;
  }

  /** Reads out each (prompt, CoT); the CoTs are cut to `room` tokens first, as training cuts them. */
  private async readAll(reader: ScoreReader, prompts: number[][], cots: string[], room: number, renormalize: boolean): Promise<{ cots: string[]; reads: ScoreReadout[] }> {
    const fitted = cots.map((c) => fitCot(c, this.tokenizer, room).cot);
    const seqs = prompts.map((p, i) => {
      const ids = Array.from(readoutIds(p, fitted[i], this.tokenizer).ids);
      if (ids.length > this.gen.Tmax) throw new Error(`a read-out of ${ids.length} tokens exceeds the model's ${this.gen.Tmax} positions (prompt ${p.length})`);
      return ids;
    });
    return { cots: fitted, reads: await reader.readouts(seqs, renormalize) };
  }

  /** ŷ given given CoTs (reference CoTs for the CoT-shift diagnostic; '' for label-only RAIL). */
  async withCots(examples: readonly JudgeExample[], cots: readonly string[], o: PromptOptions & Pick<JudgeOptions, 'renormalize'>): Promise<Judgement[]> {
    const reader = this.readerFor(this.scaleOf(examples));
    const prompts = examples.map((ex) => this.promptIds(ex, o));
    const r = await this.readAll(reader, prompts, [...cots], promptCotRoom(o), o.renormalize ?? false);
    return r.reads.map((s, i) => summarize([r.cots[i]], [s]));
  }

  /** Label-only RAIL and decoding: the read-out right after the prompt. */
  async labelOnly(examples: readonly JudgeExample[], o: PromptOptions & Pick<JudgeOptions, 'renormalize'>): Promise<Judgement[]> {
    return this.withCots(examples, examples.map(() => ''), o);
  }

  /** The reference CoT of each example (its feedback cut at "So the overall"). */
  static referenceCots(examples: readonly JudgeExample[]): string[] {
    return examples.map((ex) => referenceCot(ex));
  }

  /** Samples CoTs: n per example, cut at "So the overall" (text only; no read-out). */
  async sampleCots(examples: readonly JudgeExample[], o: JudgeOptions): Promise<{ prompts: number[][]; cots: string[][] }> {
    const r = await this.sample(examples, o, false);
    return { prompts: r.prompts, cots: r.cots };
  }

  /** The GPU reader when CoT read-outs can run on the Generator's cache. */
  private cacheReader(o: JudgeOptions, reader: ScoreReader): { gen: Generator; reader: GpuScoreReader } | null {
    if ((o.readout ?? 'cache') !== 'cache') return null;
    const gen = this.gen;
    if (!(gen instanceof Generator) || !(reader instanceof GpuScoreReader) || reader.model !== gen.model || reader.maxBatch < gen.maxBatch) return null;
    return { gen, reader };
  }

  /** Samples n CoTs per example; with `readOnCache`, reads each batch out on the generator's cache
   *  as soon as it stops (reads[i][j]: example i's sample j, its fitted CoT in cots[i][j]). */
  private async sample(
    examples: readonly JudgeExample[],
    o: JudgeOptions,
    readOnCache: boolean,
  ): Promise<{ prompts: number[][]; cots: string[][]; reads: ScoreReadout[][] }> {
    const n = o.nCot ?? 1;
    const maxCot = o.maxCotTokens ?? 64;
    if (promptCotRoom(o) < maxCot) throw new Error(`promptCotTokens (${o.promptCotTokens}) is less than maxCotTokens (${maxCot}): the prompts would leave no room for the CoTs sampled`);
    const prompts = examples.map((ex) => this.promptIds(ex, o));
    const seqPrompts: number[][] = [];
    const owner: [number, number][] = [];
    examples.forEach((_, i) => {
      for (let j = 0; j < n; j++) {
        seqPrompts.push(prompts[i]);
        owner.push([i, j]);
      }
    });
    const decoders = seqPrompts.map((p) => this.tokenizer.streamDecoder({ prev: p[p.length - 1] }));
    const texts = seqPrompts.map(() => '');
    /** A sample's whole text, set (its decoder flushed) once it stops. */
    const final: (string | null)[] = seqPrompts.map(() => null);
    const finish = (s: number) => {
      final[s] = texts[s] + decoders[s].flush();
      o.onCot?.(owner[s][0], owner[s][1], cotFromFeedback(final[s]!));
    };
    let finished = 0;
    const stop = (s: number, generated: readonly number[]) => {
      const last = generated[generated.length - 1];
      const done = last === this.tokenizer.eos || /So the overall/.test(texts[s]);
      if (done) {
        finished++;
        finish(s);
        o.onProgress?.(Math.floor(finished / n), examples.length);
      }
      return done;
    };
    const room = promptCotRoom(o);
    const onCache = readOnCache ? this.cacheReader(o, this.readerFor(this.scaleOf(examples))) : null;
    const reads: ScoreReadout[][] = examples.map(() => new Array(n));
    const fitted: string[][] = examples.map(() => new Array(n));
    // The batch just generated: its stopped-by-length samples finish here, then (on the cache) its
    // read-outs run while the cache still holds it.
    const afterBatch = async (batch: number[]) => {
      for (const s of batch) if (final[s] === null) finish(s);
      if (!onCache) return;
      const seqs = batch.map((s) => {
        const [i, j] = owner[s];
        fitted[i][j] = fitCot(cotFromFeedback(final[s]!), this.tokenizer, room).cot;
        const ids = Array.from(readoutIds(seqPrompts[s], fitted[i][j], this.tokenizer).ids);
        if (ids.length > this.gen.Tmax) throw new Error(`a read-out of ${ids.length} tokens exceeds the model's ${this.gen.Tmax} positions (prompt ${seqPrompts[s].length})`);
        return ids;
      });
      const rows = await onCache.reader.readoutsOnCache(onCache.gen, seqs, o.renormalize ?? false);
      batch.forEach((s, b) => (reads[owner[s][0]][owner[s][1]] = rows[b]));
    };
    await generateMany(
      this.gen,
      seqPrompts,
      {
        temperature: 1,
        topP: 0.9,
        ...o.sampling,
        maxNewTokens: maxCot,
        rng: new Rng(o.seed ?? 0),
        onToken: (s, id) => {
          if (id === this.tokenizer.eos) return;
          const piece = decoders[s].push(id);
          texts[s] += piece;
          o.onText?.(owner[s][0], owner[s][1], piece);
        },
        stop,
      },
      afterBatch,
    );
    for (let s = 0; s < seqPrompts.length; s++) if (final[s] === null) finish(s);
    o.onProgress?.(examples.length, examples.length);
    const cots: string[][] = examples.map(() => []);
    owner.forEach(([i], s) => cots[i].push(cotFromFeedback(final[s]!)));
    if (!onCache) return { prompts, cots, reads: [] };
    // On the cache: the CoTs as read out (cut to the room, as readAll cuts them).
    return { prompts, cots: fitted, reads };
  }

  /** CoT-RAIL (and decoding at the same position): n sampled CoTs per example, each read out. */
  async cotRail(examples: readonly JudgeExample[], o: JudgeOptions): Promise<Judgement[]> {
    const n = o.nCot ?? 1;
    const reader = this.readerFor(this.scaleOf(examples));
    if (this.cacheReader(o, reader)) {
      const r = await this.sample(examples, o, true);
      return examples.map((_, i) => summarize(r.cots[i], r.reads[i]));
    }
    const { prompts, cots } = await this.sampleCots(examples, o);
    const flatPrompts: number[][] = [];
    const flatCots: string[] = [];
    examples.forEach((_, i) => cots[i].forEach((c) => (flatPrompts.push(prompts[i]), flatCots.push(c))));
    const r = await this.readAll(reader, flatPrompts, flatCots, promptCotRoom(o), o.renormalize ?? false);
    return examples.map((_, i) => summarize(r.cots.slice(i * n, (i + 1) * n), r.reads.slice(i * n, (i + 1) * n)));
  }
}
