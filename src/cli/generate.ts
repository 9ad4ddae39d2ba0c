// `tract generate`: text from a model on WebGPU, streamed to stdout.
import { useKeptTuning } from './tuning_store.ts';
import { requestGpu } from '../gpu/index.ts';
import { Generator } from '../infer/generate.ts';
import { Rng } from '../model/rng.ts';
import { validateSampling } from '../infer/sampling.ts';
import { DeviceModel } from '../model/device_model.ts';
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { loadModelFile, tokenizerForModel } from './files.ts';
import type { Command } from './main.ts';

const USAGE = `usage: tract generate --checkpoint <file> [--tokenizer <file>] [--prompt <text>] [--temperature T]
                     [--top-p P] [--repetition-penalty R] [--max-tokens N] [--seed S] [--stop <text>]... [--json]

  Generates text with a model on WebGPU and prints it (the prompt included) to stdout as it comes.
    --checkpoint          a llama2.c .bin (e.g. ../shared/models/stories260K/stories260K.bin) or a tract
                          checkpoint (.safetensors)
    --tokenizer           tok*.bin or tokenizer.json (default: the checkpoint's own, or tok<vocab>.bin
                          beside a llama2.c .bin)
    --prompt              text to continue (default: empty — generation starts from BOS)
    --temperature         0 = greedy (default 1)
    --top-p               nucleus sampling, in (0, 1] (default 0.9)
    --repetition-penalty  > 1 discourages repeats (default 1: off)
    --max-tokens          new tokens (default 256, at most the model's sequence length minus the prompt)
    --seed                sampling seed (default 0)
    --stop                stop once the generated text contains this string (repeatable)
    --json                print one object {text, tokens, tokensPerSec} instead`;

export const command: Command = {
  summary: 'generate text with a model (llama2.c .bin or tract checkpoint)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      checkpoint: { type: 'string' },
      tokenizer: { type: 'string' },
      prompt: { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'repetition-penalty': { type: 'string' },
      'max-tokens': { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (!values.checkpoint) throw new UsageError('--checkpoint is required');
    const sampling = {
      temperature: numberFlag('temperature', values.temperature, 1, { min: 0 }),
      topP: numberFlag('top-p', values['top-p'], 0.9, { min: 1e-9, max: 1 }),
      repetitionPenalty: numberFlag('repetition-penalty', values['repetition-penalty'], 1, { min: 1e-9 }),
    };
    validateSampling(sampling);
    const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
    const stops = (values.stop ?? []).filter((t) => t.length > 0);
    const loaded = await loadModelFile(values.checkpoint);
    const tokenizer = await tokenizerForModel(loaded, values.checkpoint, values.tokenizer);
    const promptText = values.prompt ?? '';
    const prompt = tokenizer.encode(promptText, { bos: true });
    const room = loaded.config.seqLen - prompt.length;
    if (room < 1) throw new UsageError(`--prompt is ${prompt.length} tokens; the model's sequence length is ${loaded.config.seqLen}`);
    const maxTokens = numberFlag('max-tokens', values['max-tokens'], Math.min(256, room), { integer: true, min: 1 });
    if (maxTokens > room) throw new UsageError(`--max-tokens ${maxTokens} does not fit: the prompt takes ${prompt.length} of the model's ${loaded.config.seqLen} positions`);

    const gpu = await requestGpu();
    await useKeptTuning(gpu);
    const model = new DeviceModel(gpu, loaded.config);
    model.upload(loaded.params);
    const gen = new Generator(model, 1, prompt.length + maxTokens);
    const decoder = tokenizer.streamDecoder({ prev: prompt[prompt.length - 1] });
    let text = promptText;
    if (!values.json) process.stdout.write(promptText);
    const t0 = performance.now();
    const r = await gen.generate([prompt], {
      ...sampling,
      maxNewTokens: maxTokens,
      rng: new Rng(seed),
      stopTokens: [tokenizer.eos],
      stop: stops.length > 0 ? () => stops.some((t) => text.slice(promptText.length).includes(t)) : undefined,
      onToken: (_, id) => {
        if (id === tokenizer.eos) return;
        const piece = decoder.push(id);
        text += piece;
        if (!values.json) process.stdout.write(piece);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const tail = decoder.flush();
    text += tail;
    const tokens = r.tokens[0];
    if (values.json) {
      console.log(JSON.stringify({ text, tokens: tokens.length, tokensPerSec: Math.round((tokens.length / seconds) * 10) / 10 }));
    } else {
      process.stdout.write(`${tail}\n`);
      process.stderr.write(`[${tokens.length} tokens, ${(tokens.length / seconds).toFixed(1)} tokens/s on ${gpu.adapter.description || gpu.adapter.vendor}]\n`);
    }
    gen.destroy();
    model.destroy();
    return 0;
  },
};
