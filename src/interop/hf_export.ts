// Hugging Face export: a model (a trained judge) as a folder transformers loads with
// AutoModelForCausalLM / AutoTokenizer:
//   config.json             LlamaForCausalLM (hf_config.ts)
//   model.safetensors       HF tensor names (layout.ts hfName); wq/wk rows permuted from our
//                           'interleaved' RoPE to rotate-half (ropePermute.ts) so HF's forward is ours;
//                           no lm_head.weight when tied; metadata format "pt" (transformers requires
//                           it) and tract.rope (the convention to return to on import)
//   generation_config.json  BOS/EOS and the judge's CoT sampling (T = 1, top-p 0.9, 64 new tokens)
//   tokenizer.json          our BPE's own (toTokenizerJson), a llama2.c tokenizer converted and
//   tokenizer_config.json   verified (llama2c_tokenizer_json.ts), or a given Hugging Face one
//   tract_judge.json        the read-out: score token ids, values, the suffix, the template, and
//                           prompt_fit when the judge records the prompt-fit rule it was trained
//                           with (seq_len, max_cot_tokens, eval_cot_tokens: the prompt gets
//                           seq_len + 1 − (max_cot_tokens + suffix + score + EOS) tokens)
//   README.md               how to load it and compute the RAIL score in PyTorch
// Bytes out (no file system): the CLI writes them, a browser can offer them as downloads.
import { BpeTokenizer } from '../data/tokenizers/bpe.ts';
import { Llama2cTokenizer } from '../data/tokenizers/llama2c.ts';
import { levelTokenIds, SCORE_DIGITS, SCORE_PROMPT_SUFFIX, tokenizerFromDescription, type Tokenizer, type TokenizerDescription } from '../data/tokenizers/index.ts';
import { validateConfig, type ModelConfig } from '../model/config.ts';
import { buildLayout, hfName, type ParamLayout } from '../model/layout.ts';
import { convertRopeConvention } from '../model/ropePermute.ts';
import { writeSafetensors, type FloatDtype, type TensorToWrite } from '../model/safetensors.ts';
import { hfConfigFromModel } from './hf_config.ts';
import { HF_FILES, TRACT_ROPE_META } from './hf_import.ts';
import { llama2cTokenizerJson, tokenizerConfigJson, verifyTokenizerJson } from './llama2c_tokenizer_json.ts';
import { InteropError } from './sources.ts';

export interface HfExportInput {
  config: ModelConfig;
  params: Float32Array;
  layout?: ParamLayout;
  /** A tokenizer, or a checkpoint's description of one (our BPE carries its tokenizer.json). */
  tokenizer?: Tokenizer | TokenizerDescription;
}

export interface HfExportOptions {
  /** Stored dtype of the weights (default F32; F16/BF16 halve the file, lossy). */
  dtype?: FloatDtype;
  /** A Hugging Face tokenizer's own tokenizer.json (and tokenizer_config.json), written as given. */
  tokenizerJson?: unknown;
  tokenizerConfig?: unknown;
  /** Texts the converted llama2.c tokenizer must encode exactly as the original (a few defaults). */
  verifyTexts?: readonly string[];
  /** The judge's prompt template, recorded in tract_judge.json (default 'compact'). */
  template?: string;
  /** The prompt-fit rule the judge was trained with (src/data/trained_fit.ts), recorded in tract_judge.json. */
  promptFit?: { seqLen: number; maxCotTokens: number; evalCotTokens?: number };
  /** The score scale it was trained on (its checkpoint's training.scoreLevels; default "1".."5" valued 1..5). */
  scoreLevels?: readonly { label: string; value: number }[];
}

export interface HfExport {
  files: { name: string; data: Uint8Array }[];
  /** What the reader should know (e.g. no tokenizer written, and why). */
  notes: string[];
}

const TORCH_DTYPE: Record<FloatDtype, 'float32' | 'float16' | 'bfloat16'> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const DEFAULT_VERIFY = ['Once upon a time, there was a little girl named Lily.', 'What is 62 - 31?', '62 - 31 = 31. The response gives 25, off by 6. So the overall score is 2', 'émigré café, 日本 😀', 'tab\tand\nnewline  two spaces', ''];

function isTokenizer(t: Tokenizer | TokenizerDescription): t is Tokenizer {
  return typeof (t as Tokenizer).encode === 'function';
}

const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 2) + '\n');

export function exportHf(model: HfExportInput, o: HfExportOptions = {}): HfExport {
  const config = validateConfig(model.config);
  const layout = model.layout ?? buildLayout(config);
  if (model.params.length !== layout.size) throw new InteropError(`HF export: params have ${model.params.length} floats, the layout needs ${layout.size}`);
  const { params } = convertRopeConvention(layout, model.params, 'half');
  const dtype = o.dtype ?? 'F32';
  const notes: string[] = [];

  // The tokenizer: an instance, or rebuilt from a description that carries it (our BPE).
  let tok: Tokenizer | undefined;
  if (model.tokenizer) {
    if (isTokenizer(model.tokenizer)) tok = model.tokenizer;
    else if (model.tokenizer.kind === 'bpe') tok = tokenizerFromDescription(model.tokenizer);
    else if (o.tokenizerJson === undefined) notes.push(`the checkpoint's ${model.tokenizer.kind} tokenizer (${model.tokenizer.name}) is not stored in it: no tokenizer.json written (give the tokenizer file to export it)`);
  }
  let tokJson: unknown;
  let tokConfig: unknown;
  if (o.tokenizerJson !== undefined) {
    tokJson = o.tokenizerJson;
    tokConfig = o.tokenizerConfig ?? (tok ? tokenizerConfigJson(tok, tokJson, config.seqLen) : undefined);
  } else if (tok instanceof BpeTokenizer) {
    tokJson = tok.toTokenizerJson();
    tokConfig = tokenizerConfigJson(tok, tokJson, config.seqLen);
  } else if (tok instanceof Llama2cTokenizer) {
    const converted = llama2cTokenizerJson(tok);
    const mismatch = verifyTokenizerJson(tok, converted, o.verifyTexts ?? DEFAULT_VERIFY);
    if (mismatch) notes.push(`${tok.name} is not exportable as tokenizer.json: the converted tokenizer differs from llama2.c's (${mismatch}); no tokenizer.json written`);
    else {
      tokJson = converted;
      tokConfig = tokenizerConfigJson(tok, converted, config.seqLen);
    }
  } else if (tok) {
    notes.push(`a ${tok.kind} tokenizer needs its own tokenizer.json to be exported; none written`);
  }
  if (tok && tok.vocabSize > config.vocabSize) throw new InteropError(`the tokenizer has ${tok.vocabSize} tokens, more than the model's vocabulary (${config.vocabSize})`);

  const tensors: TensorToWrite[] = layout.tensors.map((t) => ({ name: hfName(t.name), shape: t.shape, data: params.subarray(t.offset, t.offset + t.size) }));
  const weights = writeSafetensors(tensors, { format: 'pt', [TRACT_ROPE_META]: config.rope, 'tract.config': JSON.stringify(config) }, { dtype, order: 'sorted' });

  const ids = tok ? { bosTokenId: tok.bos, eosTokenId: tok.eos, padTokenId: tok.pad } : {};
  const files: HfExport['files'] = [
    { name: HF_FILES.config, data: json(hfConfigFromModel(config, { ...ids, torchDtype: TORCH_DTYPE[dtype] })) },
    { name: HF_FILES.weights, data: weights },
  ];
  const gen: Record<string, unknown> = { do_sample: true, temperature: 1.0, top_p: 0.9, max_new_tokens: 64 };
  if (tok) Object.assign(gen, { bos_token_id: tok.bos, eos_token_id: tok.eos, pad_token_id: tok.pad });
  files.push({ name: HF_FILES.generationConfig, data: json(gen) });
  if (tokJson !== undefined) files.push({ name: HF_FILES.tokenizer, data: json(tokJson) });
  if (tokConfig !== undefined) files.push({ name: HF_FILES.tokenizerConfig, data: json(tokConfig) });

  // The score scale as the score head reads it (scoreScaleOf): the trained scale's label tokens and
  // values (the digits "1".."5" valued 1..5 unless the judge was trained on another scale).
  let scale: { ids: number[]; values: number[]; labels: string[] } | undefined;
  if (tok) {
    try {
      const levels = o.scoreLevels ?? SCORE_DIGITS.map((d) => ({ label: d, value: Number(d) }));
      scale = { ids: levelTokenIds(tok, levels), values: levels.map((l) => l.value), labels: levels.map((l) => l.label) };
    } catch (e) {
      notes.push(`no RAIL read-out recorded: ${(e as Error).message}`);
    }
  }
  if (scale) {
    files.push({
      name: 'tract_judge.json',
      data: json({
        score_token_ids: scale.ids,
        score_values: scale.values,
        score_labels: scale.labels,
        score_prompt_suffix: SCORE_PROMPT_SUFFIX,
        template: o.template ?? 'compact',
        cot_cut: 'So the overall',
        ...(o.promptFit
          ? {
              prompt_fit: {
                seq_len: o.promptFit.seqLen,
                max_cot_tokens: o.promptFit.maxCotTokens,
                ...(o.promptFit.evalCotTokens !== undefined ? { eval_cot_tokens: o.promptFit.evalCotTokens } : {}),
              },
            }
          : {}),
      }),
    });
  }
  files.push({ name: 'README.md', data: new TextEncoder().encode(readme(config, dtype, scale?.ids, scale ? o.promptFit : undefined)) });
  return { files, notes };
}

function readme(c: ModelConfig, dtype: FloatDtype, scoreIds: number[] | undefined, fit?: { seqLen: number; maxCotTokens: number }): string {
  const lines = [
    '# A tract-web judge in Hugging Face format',
    '',
    `Llama (LlamaForCausalLM): dim ${c.dim}, ${c.nLayers} layers, ${c.nHeads} heads (${c.nKvHeads} KV), FFN ${c.hiddenDim}, vocabulary ${c.vocabSize}, ${c.seqLen} positions, weights ${dtype}.`,
    'Exported by `tract export --format hf`; `tract judge --checkpoint <this folder>` loads it back.',
    '',
    '```python',
    'import torch',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    'model = AutoModelForCausalLM.from_pretrained(".")',
    'tok = AutoTokenizer.from_pretrained(".")',
  ];
  if (scoreIds) {
    lines.push(
      '# CoT-RAIL: generate a chain of thought after the prompt, cut it at "So the overall",',
      '# append " So the overall score is " and read the next-token distribution:',
      `score_ids = ${JSON.stringify(scoreIds)}  # the tokens "1".."5"`,
      'ids = tok(prompt_and_cot + " So the overall score is ", return_tensors="pt").input_ids',
      'p = torch.softmax(model(ids).logits[0, -1], -1)',
      'yhat = sum((k + 1) * p[t] for k, t in enumerate(score_ids))  # RAIL (no renormalisation)',
    );
  }
  lines.push('```', '');
  if (fit) {
    lines.push(
      `It was trained with prompts of at most ${fit.seqLen} + 1 − (${fit.maxCotTokens} + the tokens of " So the overall score is " + score + EOS) tokens (tract_judge.json prompt_fit): ` +
        'a longer prompt was cut (the response and the reference answer shortened first, each cut marked "..."). Cut prompts the same way to judge as it was trained.',
      '',
    );
  }
  return lines.join('\n');
}
