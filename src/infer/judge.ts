// The judge: scores examples with a trained model (DESIGN.md §1).
//   CoT-RAIL: sample a CoT after the prompt (T = 1, top-p 0.9 by default; greedy as an option),
//     cut it at "So the overall", append " So the overall score is ", read p at the next position,
//     ŷ = Σ_k s_k p_k; with n CoTs, the mean of the n ŷ.
//   Label RAIL (no CoT): the read-out right after the prompt and "So the overall score is ".
//   Standard decoding: the score token the model generates there (argmax).
// It runs on any SequenceGenerator: the GPU engine (Generator), or onnxruntime-web without WebGPU
// (src/interop/ort.ts). The read-out is computed from the logits row read
// back at the score position, which the decode's argmax needs anyway.
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
  type JudgeExample,
  type TemplateName,
  type Tokenizer,
} from '../data/index.ts';
import { scoreExpectationRef } from '../reference/score.ts';
import { generateMany, type SequenceGenerator } from './generate.ts';
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
  /** Streaming: every new token of example i's sample j, as text. */
  onText?: (example: number, sample: number, text: string) => void;
  /** Every CoT as soon as its sample stops (cut at "So the overall"), in the order they finish. */
  onCot?: (example: number, sample: number, cot: string) => void;
  /** Progress: examples done (counted as CoTs finished / nCot). */
  onProgress?: (done: number, total: number) => void;
}

/** One read-out at a score position. */
export interface ScoreReadout {
  /** p_k of "1".."5" over the whole vocabulary (or q_k when renormalising). */
  probs: number[];
  /** Σ_k p_k. */
  mass: number;
  /** RAIL: Σ_k s_k p_k (or Σ_k s_k q_k). */
  yhat: number;
  /** The score token with the highest probability (decoding among the score tokens). */
  decoded: number;
  /** Whether the argmax over the whole vocabulary is a score token (else plain decoding would not
   *  have produced a score here). */
  argmaxIsScore: boolean;
}

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

const SCORE_VALUES = [1, 2, 3, 4, 5];

/** RAIL read-out of one logits row. */
export function readout(row: Float32Array, scoreIds: number[], renormalize: boolean): ScoreReadout {
  const V = row.length;
  const probs = new Float64Array(5);
  const mass = new Float64Array(1);
  const yhat = new Float64Array(1);
  scoreExpectationRef(probs, mass, yhat, row, 1, V, scoreIds, SCORE_VALUES, renormalize);
  let best = 0;
  for (let k = 1; k < 5; k++) if (probs[k] > probs[best]) best = k;
  let argmax = 0;
  for (let j = 1; j < V; j++) if (row[j] > row[argmax]) argmax = j;
  return { probs: Array.from(probs), mass: mass[0], yhat: yhat[0], decoded: best + 1, argmaxIsScore: scoreIds.includes(argmax) };
}

/** The logits at the last position of every sequence (any lengths), grouped by length. */
export async function lastLogitsMany(gen: SequenceGenerator, seqs: number[][]): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(seqs.length);
  const byLength = new Map<number, number[]>();
  seqs.forEach((s, i) => byLength.set(s.length, [...(byLength.get(s.length) ?? []), i]));
  for (const idx of byLength.values()) {
    for (let s = 0; s < idx.length; s += gen.maxBatch) {
      const group = idx.slice(s, s + gen.maxBatch);
      const rows = await gen.lastLogits(group.map((i) => seqs[i]));
      group.forEach((i, b) => (out[i] = rows[b]));
    }
  }
  return out;
}

function summarize(cots: string[], samples: ScoreReadout[]): Judgement {
  const n = samples.length;
  const mean = (f: (s: ScoreReadout) => number) => samples.reduce((a, s) => a + f(s), 0) / n;
  return {
    cots,
    samples,
    yhat: mean((s) => s.yhat),
    probs: [0, 1, 2, 3, 4].map((k) => mean((s) => s.probs[k])),
    mass: mean((s) => s.mass),
    decoded: samples[0].decoded,
  };
}

export class Judge {
  readonly gen: SequenceGenerator;
  readonly tokenizer: Tokenizer;
  private readonly scoreIds: number[];

  constructor(gen: SequenceGenerator, tokenizer: Tokenizer) {
    this.gen = gen;
    this.tokenizer = tokenizer;
    this.scoreIds = tokenizer.scoreTokenIds();
  }

  /** The prompt ids of an example under the prompt-fit rule (seqLen = Tmax, CoT room of `o`). */
  promptIds(ex: JudgeExample, o: PromptOptions): number[] {
    const fit = { seqLen: this.gen.Tmax, maxCotTokens: promptCotRoom(o) };
    const p = fitJudgePrompt(ex, this.tokenizer, o.template, fit);
    if (!p) throw new Error(`example ${ex.id}: even an emptied prompt does not fit the prompt budget (seqLen ${fit.seqLen}, CoT room ${fit.maxCotTokens} tokens)`);
    return p.ids;
  }

  /** Reads out each (prompt, CoT); the CoTs are cut to `room` tokens first, as training cuts them. */
  private async readAll(prompts: number[][], cots: string[], room: number, renormalize: boolean): Promise<{ cots: string[]; reads: ScoreReadout[] }> {
    const fitted = cots.map((c) => fitCot(c, this.tokenizer, room).cot);
    const seqs = prompts.map((p, i) => {
      const ids = Array.from(readoutIds(p, fitted[i], this.tokenizer).ids);
      if (ids.length > this.gen.Tmax) throw new Error(`a read-out of ${ids.length} tokens exceeds the model's ${this.gen.Tmax} positions (prompt ${p.length})`);
      return ids;
    });
    const rows = await lastLogitsMany(this.gen, seqs);
    return { cots: fitted, reads: rows.map((r) => readout(r, this.scoreIds, renormalize)) };
  }

  /** ŷ given given CoTs (reference CoTs for the CoT-shift diagnostic; '' for label-only RAIL). */
  async withCots(examples: readonly JudgeExample[], cots: readonly string[], o: PromptOptions & Pick<JudgeOptions, 'renormalize'>): Promise<Judgement[]> {
    const prompts = examples.map((ex) => this.promptIds(ex, o));
    const r = await this.readAll(prompts, [...cots], promptCotRoom(o), o.renormalize ?? false);
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
    await generateMany(this.gen, seqPrompts, {
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
    });
    for (let s = 0; s < seqPrompts.length; s++) if (final[s] === null) finish(s);
    o.onProgress?.(examples.length, examples.length);
    const cots: string[][] = examples.map(() => []);
    owner.forEach(([i], s) => cots[i].push(cotFromFeedback(final[s]!)));
    return { prompts, cots };
  }

  /** CoT-RAIL (and decoding at the same position): n sampled CoTs per example, each read out. */
  async cotRail(examples: readonly JudgeExample[], o: JudgeOptions): Promise<Judgement[]> {
    const n = o.nCot ?? 1;
    const { prompts, cots } = await this.sampleCots(examples, o);
    const flatPrompts: number[][] = [];
    const flatCots: string[] = [];
    examples.forEach((_, i) => cots[i].forEach((c) => (flatPrompts.push(prompts[i]), flatCots.push(c))));
    const r = await this.readAll(flatPrompts, flatCots, promptCotRoom(o), o.renormalize ?? false);
    return examples.map((_, i) => summarize(r.cots.slice(i * n, (i + 1) * n), r.reads.slice(i * n, (i + 1) * n)));
  }
}
