// Any Hugging Face tokenizer.json, through @huggingface/tokenizers (pure JS, runs in a worker).
// Special ids come from, in order: the options, tokenizer_config.json (bos_token / eos_token /
// pad_token), then the usual names among the added tokens. A tokenizer without an end-of-sequence
// token is refused; without BOS, EOS is used; without pad, EOS is used.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { fingerprint, findScoreTokenIds } from './scoreTokens.ts';
import type { DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer, TokenizerDescription } from './types.ts';

export interface HuggingfaceTokenizerOptions {
  name?: string;
  bos?: number;
  eos?: number;
  pad?: number;
}

const BOS_NAMES = ['<s>', '<|begin_of_text|>', '<|bos|>', '<bos>', '<|startoftext|>', '<|im_start|>'];
const EOS_NAMES = ['</s>', '<|end_of_text|>', '<|eos|>', '<eos>', '<|endoftext|>', '<|im_end|>'];
const PAD_NAMES = ['<pad>', '<|pad|>', '[PAD]'];

type Json = Record<string, unknown>;

function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return undefined;
}

export class HuggingfaceTokenizer implements Tokenizer {
  readonly kind = 'huggingface' as const;
  readonly name: string;
  readonly vocabSize: number;
  readonly bos: number;
  readonly eos: number;
  readonly pad: number;
  private readonly hf: HfTokenizer;
  private readonly json: Json;
  private readonly specialIds: Set<number>;
  private readonly cleanUp: boolean;
  private scoreIds: number[] | undefined;

  constructor(tokenizerJson: unknown, config: unknown = {}, options: HuggingfaceTokenizerOptions = {}) {
    if (!tokenizerJson || typeof tokenizerJson !== 'object') throw new Error('tokenizer.json must be a JSON object');
    const cfg = (config && typeof config === 'object' ? config : {}) as Json;
    this.json = tokenizerJson as Json;
    this.hf = new HfTokenizer(tokenizerJson, cfg);
    this.name = options.name ?? 'tokenizer.json';
    const vocab = this.hf.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const find = (explicit: number | undefined, configKey: string, names: string[]): number | undefined => {
      if (explicit !== undefined) return explicit;
      const fromConfig = tokenName(cfg[configKey]);
      if (fromConfig !== undefined) {
        const id = this.hf.token_to_id(fromConfig);
        if (id === undefined) throw new Error(`tokenizer_config ${configKey} "${fromConfig}" is not in the vocabulary`);
        return id;
      }
      for (const n of names) {
        const id = this.hf.token_to_id(n);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    const eos = find(options.eos, 'eos_token', EOS_NAMES);
    if (eos === undefined) throw new Error(`${this.name}: no end-of-sequence token found (looked for ${EOS_NAMES.join(' ')}); pass eos explicitly`);
    this.eos = eos;
    this.bos = find(options.bos, 'bos_token', BOS_NAMES) ?? eos;
    this.pad = find(options.pad, 'pad_token', PAD_NAMES) ?? eos;
    this.specialIds = new Set([this.bos, this.eos, this.pad]);
    for (const [id, t] of this.hf.get_added_tokens_decoder()) if (t.special) this.specialIds.add(id);
    this.cleanUp = cfg.clean_up_tokenization_spaces === true;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = text.length > 0 ? this.hf.encode(text, { add_special_tokens: false }).ids : [];
    return [...(options.bos ? [this.bos] : []), ...ids, ...(options.eos ? [this.eos] : [])];
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const list = Array.from(ids).filter((id) => !(skip && this.specialIds.has(id)));
    for (const id of list) if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} is outside 0..${this.vocabSize - 1}`);
    if (list.length === 0) return '';
    return this.hf.decode(list, { skip_special_tokens: false, clean_up_tokenization_spaces: this.cleanUp });
  }

  /**
   * Incremental decoding as in text-generation-inference: decode a small window twice (with and
   * without the new token) and emit the difference, holding back while the text ends in an
   * unfinished UTF-8 sequence (U+FFFD). Decoding a window, not the whole text, keeps it linear.
   */
  streamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    const ids: number[] = options.prev !== undefined ? [options.prev] : [];
    let prefixOffset = 0;
    let readOffset = ids.length;
    return {
      push: (id) => {
        if (this.specialIds.has(id)) return '';
        ids.push(id);
        const prefix = this.decode(ids.slice(prefixOffset, readOffset));
        const text = this.decode(ids.slice(prefixOffset));
        if (text.length > prefix.length && !text.endsWith('\uFFFD')) {
          prefixOffset = readOffset;
          readOffset = ids.length;
          return text.slice(prefix.length);
        }
        return '';
      },
      flush: () => {
        const prefix = this.decode(ids.slice(prefixOffset, readOffset));
        const text = this.decode(ids.slice(prefixOffset));
        readOffset = ids.length;
        return text.slice(prefix.length);
      },
    };
  }

  scoreTokenIds(): number[] {
    this.scoreIds ??= findScoreTokenIds((t) => this.encode(t));
    return this.scoreIds.slice();
  }

  piece(id: number): string {
    return this.hf.id_to_token(id) ?? `<bad id ${id}>`;
  }

  describe(): TokenizerDescription {
    const model = (this.json.model ?? {}) as Json;
    return {
      kind: this.kind,
      name: this.name,
      vocabSize: this.vocabSize,
      bos: this.bos,
      eos: this.eos,
      pad: this.pad,
      fingerprint: fingerprint([JSON.stringify(model.vocab ?? null), JSON.stringify(model.merges ?? null), JSON.stringify(this.json.pre_tokenizer ?? null)]),
    };
  }
}

export function huggingfaceTokenizer(tokenizerJson: unknown, config?: unknown, options?: HuggingfaceTokenizerOptions): HuggingfaceTokenizer {
  return new HuggingfaceTokenizer(tokenizerJson, config, options);
}
