// The Playground's judge: the current model on the GPU (kept between requests), CoT-RAIL on one
// example with n sampled CoTs, every CoT streamed piece by piece as it is generated. Prompts are fit
// with the CoT room the model was trained with (ModelSummary.promptFit), on either backend.
import { judgeCotSettings, type JudgeCotSettings, type JudgeExample, type TemplateName } from '../data/index.ts';
import type { Gpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Judge, type JudgeOptions, type Judgement } from '../infer/judge.ts';
import { DeviceModel } from '../model/device_model.ts';
import type { LoadedModel } from './models.ts';
import type { JudgeRequest } from './protocol.ts';
import { readableTokenizer } from './readable_tokenizer.ts';

/** Most CoTs one Playground judgement samples (they run as one batch). */
export const MAX_N_COT = 8;

export class JudgeSession {
  private model: DeviceModel | null = null;
  private gen: Generator | null = null;
  private for: { gpu: Gpu; loaded: LoadedModel } | null = null;

  private ensure(gpu: Gpu, loaded: LoadedModel): Judge {
    if (!loaded.tokenizer) throw new Error(`${loaded.summary.name} has no tokenizer`);
    if (!this.for || this.for.gpu !== gpu || this.for.loaded !== loaded || !this.gen) {
      this.release();
      const model = new DeviceModel(gpu, loaded.config);
      model.upload(loaded.params);
      this.model = model;
      this.gen = new Generator(model, MAX_N_COT, loaded.config.seqLen);
      this.for = { gpu, loaded };
    }
    return new Judge(this.gen, readableTokenizer(loaded.tokenizer));
  }

  /** Frees the GPU copies (a new model, or the device was lost). */
  release(): void {
    try {
      this.gen?.destroy();
      this.model?.destroy();
    } catch {
      // the device is gone: nothing to free
    }
    this.gen = null;
    this.model = null;
    this.for = null;
  }

  async judge(gpu: Gpu, loaded: LoadedModel, r: JudgeRequest, onText: (sample: number, text: string) => void): Promise<{ judgement: Judgement; tokens: number }> {
    const example = playgroundExample(loaded, r);
    return judgeStreaming(this.ensure(gpu, loaded), example, loaded, r, onText);
  }
}

/** What judgeStreaming needs of a judge: the GPU Judge or onnxruntime-web's OrtJudge. */
export interface CotRailJudge {
  cotRail(examples: readonly JudgeExample[], o: JudgeOptions): Promise<Judgement[]>;
}

/** CoT-RAIL on one Playground example, each new piece of CoT text passed on as it is generated. */
export async function judgeStreaming(
  judge: CotRailJudge,
  example: JudgeExample,
  loaded: LoadedModel,
  r: JudgeRequest,
  onText: (sample: number, text: string) => void,
): Promise<{ judgement: Judgement; tokens: number }> {
  let tokens = 0;
  const [judgement] = await judge.cotRail([example], {
    ...judgeOptions(loaded, r),
    onText: (_example, sample, text) => {
      tokens++;
      onText(sample, text);
    },
  });
  return { judgement, tokens };
}

/** The Playground's fields as one example to judge, after checking the request (either backend). */
export function playgroundExample(loaded: LoadedModel, r: JudgeRequest): JudgeExample {
  if (!loaded.summary.judge.ok) throw new Error(`${loaded.summary.name} cannot judge: ${loaded.summary.judge.reason}`);
  if (!Number.isInteger(r.nCot) || r.nCot < 1 || r.nCot > MAX_N_COT) throw new Error(`n CoTs must be 1..${MAX_N_COT}, got ${r.nCot}`);
  const f = r.fields;
  for (const [k, v] of Object.entries({ instruction: f.instruction, response: f.response, criteria: f.rubric.criteria })) {
    if (v.trim() === '') throw new Error(`the ${k} is empty`);
  }
  return {
    id: 'playground',
    instruction: f.instruction,
    response: f.response,
    referenceAnswer: f.referenceAnswer,
    rubric: f.rubric,
    scores: [3],
    label: 3,
    source: 'tract-jsonl',
  };
}

/**
 * The CoT length and prompt room of a Playground request: the prompts get the CoT room the model was
 * trained with when it is known (else the CoT length, as before), widened (and said) when the request
 * asks for longer CoTs than that room.
 */
export function playgroundCotSettings(loaded: LoadedModel, r: Pick<JudgeRequest, 'maxCotTokens'>): JudgeCotSettings {
  return judgeCotSettings({
    trained: loaded.summary.promptFit,
    missing: loaded.summary.promptFitMissing,
    seqLen: loaded.config.seqLen,
    maxCotTokens: r.maxCotTokens,
    names: { maxCot: 'max CoT tokens', promptCot: 'the prompt room' },
  });
}

/** The CoT-RAIL options of a Playground request (without the streaming callback), for the GPU or the ORT judge. */
export function judgeOptions(loaded: LoadedModel, r: JudgeRequest): Omit<JudgeOptions, 'onText'> {
  return cotRailOptions(loaded.summary.template, playgroundCotSettings(loaded, r), r);
}

/** CoT-RAIL options from CoT settings and the app's sampling choices (T 1, top-p 0.9; greedy: T 0): the Playground's and the file evaluation's. */
export function cotRailOptions(template: TemplateName, cot: Pick<JudgeCotSettings, 'maxCotTokens' | 'promptCotTokens'>, r: { nCot: number; seed: number; renormalize: boolean; greedy: boolean }): Omit<JudgeOptions, 'onText'> {
  return {
    template,
    nCot: r.nCot,
    maxCotTokens: cot.maxCotTokens,
    promptCotTokens: cot.promptCotTokens,
    seed: r.seed,
    renormalize: r.renormalize,
    sampling: r.greedy ? { temperature: 0 } : { temperature: 1, topP: 0.9 },
  };
}
