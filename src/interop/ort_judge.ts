// The judge on onnxruntime-web: the inference path when there is no WebGPU (the app's worker calls
// it), and an independent runtime to check our engine against. It is the GPU Judge
// (src/infer/judge.ts) — same prompts, CoT sampling, cut at "So the overall", read-out and RAIL
// arithmetic (readout()) — driven by an OrtGenerator instead of the WGSL Generator.
//
//   const judge = await OrtJudge.fromCheckpoint(bytes);            // a tract .safetensors (exported to ONNX in memory)
//   const judge = await OrtJudge.fromOnnx(onnxBytes, { tokenizer }); // an .onnx from `tract export --format onnx`
//   const [j] = await judge.cotRail([example], { template: 'compact', nCot: 1, sampling: { temperature: 0 } });
//   j.yhat, j.probs, j.mass, j.decoded, j.cots
//   await judge.release();
// A judge that records the prompt-fit rule it was trained with (a checkpoint's tract.training
// promptFit, carried into the ONNX model as tract.prompt_fit) fits its prompts with that CoT room
// unless promptCotTokens is given, and samples CoTs of its run's evaluation length by default.
import {
  defaultJudgeCotTokens,
  tokenizerFromDescription,
  trainedFitFromTraining,
  type JudgeExample,
  type Tokenizer,
  type TokenizerDescription,
  type TrainedFit,
} from '../data/index.ts';
import { Judge, type JudgeOptions, type Judgement, type PromptOptions } from '../infer/judge.ts';
import { loadCheckpoint } from '../model/checkpoint.ts';
import type { ModelConfig } from '../model/config.ts';
import { exportOnnx, type OnnxVariant } from './onnx_export.ts';
import { OrtError, OrtGenerator, OrtLlama, type OrtExecutionProvider, type OrtLoadOptions } from './ort.ts';

export interface OrtJudgeOptions extends OrtLoadOptions {
  /** The model's tokenizer when the model does not carry one (a llama2.c or Hugging Face tokenizer). */
  tokenizerInstance?: Tokenizer;
  /** Sequences run together (CoTs of one example, read-outs of one length). Default 8. */
  maxBatch?: number;
}

/** What fromCheckpoint accepts: a tract checkpoint's bytes, or its parts. */
export type CheckpointSource = Uint8Array | ArrayBuffer | { config: ModelConfig; params: Float32Array; tokenizer?: TokenizerDescription; training?: unknown };

export class OrtJudge {
  readonly model: OrtLlama;
  readonly tokenizer: Tokenizer;
  private readonly gen: OrtGenerator;
  private readonly judge: Judge;

  private constructor(model: OrtLlama, tokenizer: Tokenizer, maxBatch: number) {
    if (tokenizer.vocabSize !== model.config.vocabSize) throw new OrtError(`tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${model.config.vocabSize}`);
    this.model = model;
    this.tokenizer = tokenizer;
    this.gen = new OrtGenerator(model, maxBatch);
    // OrtGenerator is a SequenceGenerator with Generator's semantics: the GPU judge's algorithm runs unchanged.
    this.judge = new Judge(this.gen, tokenizer);
  }

  /** An .onnx written by exportOnnx (either variant; 'kv' generates much faster). */
  static async fromOnnx(onnx: Uint8Array, o: OrtJudgeOptions = {}): Promise<OrtJudge> {
    const model = await OrtLlama.create(onnx, o);
    let tokenizer = o.tokenizerInstance;
    if (!tokenizer) {
      if (!model.tokenizer) {
        await model.release();
        throw new OrtError('the model carries no tokenizer (tract.tokenizer metadata): pass tokenizerInstance');
      }
      try {
        tokenizer = tokenizerFromDescription(model.tokenizer);
      } catch (e) {
        await model.release();
        throw new OrtError(`${(e as Error).message}: pass tokenizerInstance`);
      }
    }
    return new OrtJudge(model, tokenizer, o.maxBatch ?? 8);
  }

  /** A tract checkpoint, exported to ONNX in memory (the 'kv' variant unless asked otherwise), with
   *  the prompt fit its training record holds. */
  static async fromCheckpoint(source: CheckpointSource, o: OrtJudgeOptions & { variant?: OnnxVariant } = {}): Promise<OrtJudge> {
    const c = source instanceof Uint8Array || source instanceof ArrayBuffer ? loadCheckpoint(source) : source;
    const tokenizer = o.tokenizer ?? (c.tokenizer as TokenizerDescription | undefined);
    const promptFit = trainedFitFromTraining(c.training);
    const onnx = exportOnnx({ config: c.config, params: c.params, tokenizer, promptFit }, { variant: o.variant ?? 'kv' });
    return OrtJudge.fromOnnx(onnx, { ...o, tokenizer });
  }

  get config(): ModelConfig {
    return this.model.config;
  }

  /** The prompt-fit rule the model was trained with (tract.prompt_fit), when its export recorded it. */
  get trainedFit(): TrainedFit | undefined {
    const f = this.model.promptFit;
    return f && { ...f, source: 'tract.prompt_fit in the ONNX model' };
  }

  /** `o` with the trained CoT room for the prompts when it is known and no room is given. */
  private withTrainedRoom<T extends PromptOptions>(o: T): T {
    const t = this.trainedFit;
    if (!t || o.promptCotTokens !== undefined) return o;
    const maxCotTokens = o.maxCotTokens ?? defaultJudgeCotTokens(t);
    return { ...o, maxCotTokens, promptCotTokens: Math.max(t.maxCotTokens, maxCotTokens) };
  }

  /** The execution provider asked for first ('webgpu' in a browser with WebGPU, else 'wasm'). */
  get executionProvider(): OrtExecutionProvider {
    return this.model.executionProvider;
  }

  /** CoT-RAIL and decoding: n sampled CoTs per example, each read out (as Judge.cotRail). Give
   *  promptCotTokens the CoT room the model was trained with, so its prompts are training's. */
  cotRail(examples: readonly JudgeExample[], o: JudgeOptions): Promise<Judgement[]> {
    return this.judge.cotRail(examples, this.withTrainedRoom(o));
  }

  /** ŷ given CoTs ('' for label-only RAIL), as Judge.withCots (prompts under the rule with o's CoT room). */
  withCots(examples: readonly JudgeExample[], cots: readonly string[], o: PromptOptions & { renormalize?: boolean }): Promise<Judgement[]> {
    return this.judge.withCots(examples, cots, this.withTrainedRoom(o));
  }

  /** Label-only RAIL: the read-out right after the prompt. */
  labelOnly(examples: readonly JudgeExample[], o: PromptOptions & { renormalize?: boolean }): Promise<Judgement[]> {
    return this.judge.labelOnly(examples, this.withTrainedRoom(o));
  }

  /** The logits at the last position of each token sequence (any lengths). */
  async lastLogits(seqs: number[][]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const s of seqs) out.push((await this.gen.lastLogits([s]))[0]);
    return out;
  }

  release(): Promise<void> {
    return this.model.release();
  }
}
