// Our byte-level BPE tokenizer (the one trained on Rubric Lab by bpeTrainer.ts), and its exact
// Hugging Face tokenizer.json form.
//
// Ids: 0 pad, 1 bos, 2 eos, 3..258 the bytes 0x00..0xFF, then one id per merge result.
// Pre-tokenization (the same regex in the tokenizer.json's Split pre-tokenizer): a letter run with at
// most one leading space; a run of other symbols with at most one leading space; ONE digit alone;
// whitespace. Digits stand alone and never take the space before them, so "score is " + "3" encodes
// as encode("score is ") followed by the single token "3" — the score-token invariant by construction.
// Special tokens are never produced from text: "<|eos|>" in a response is just characters.
import { byteLevelToBytes, bytesToByteLevel, utf8 } from './byteLevel.ts';
import { mergePairs } from './mergePairs.ts';
import { readableUtf8, ReadableUtf8Stream } from './readable.ts';
import { fingerprint, findScoreTokenIds } from './scoreTokens.ts';
import type { DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer, TokenizerDescription } from './types.ts';

export const BPE_PRE_TOKEN_PATTERN =
  ' ?\\p{L}+| ?[^\\p{L}\\p{N}\\p{White_Space}]+|\\p{N}|\\p{White_Space}+(?!\\P{White_Space})|\\p{White_Space}+';
export const BPE_SPECIALS = { pad: '<|pad|>', bos: '<|bos|>', eos: '<|eos|>' } as const;
export const BPE_FIRST_BYTE_ID = 3;
export const BPE_FIRST_MERGE_ID = BPE_FIRST_BYTE_ID + 256;
const MAX_VOCAB = 65536;

export function preTokenize(text: string): string[] {
  return text.match(new RegExp(BPE_PRE_TOKEN_PATTERN, 'gu')) ?? [];
}

/** A merge: the pair (left, right) of ids becomes `id`. Its index in the list is its rank. */
export interface BpeMerge {
  left: number;
  right: number;
  id: number;
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly name: string;
  readonly vocabSize: number;
  readonly pad = 0;
  readonly bos = 1;
  readonly eos = 2;
  readonly merges: readonly BpeMerge[];
  /** The bytes of each id (empty for the specials). */
  private readonly bytesOf: Uint8Array[];
  private readonly rules = new Map<number, { rank: number; id: number }>();
  private readonly cache = new Map<string, number[]>();
  private readonly pattern = new RegExp(BPE_PRE_TOKEN_PATTERN, 'gu');
  private scoreIds: number[] | undefined;

  constructor(merges: readonly BpeMerge[], name = 'rubric-lab-bpe') {
    this.name = name;
    this.merges = merges;
    this.bytesOf = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
    const idOfPiece = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      this.bytesOf.push(Uint8Array.of(b));
      idOfPiece.set(bytesToByteLevel([b]), BPE_FIRST_BYTE_ID + b);
    }
    merges.forEach((m, rank) => {
      const l = this.bytesOf[m.left];
      const r = this.bytesOf[m.right];
      if (!l || !r || m.left < BPE_FIRST_BYTE_ID || m.right < BPE_FIRST_BYTE_ID) {
        throw new Error(`merge ${rank}: (${m.left}, ${m.right}) refers to an id that does not exist yet`);
      }
      const joined = new Uint8Array(l.length + r.length);
      joined.set(l);
      joined.set(r, l.length);
      const key = bytesToByteLevel(joined);
      const existing = idOfPiece.get(key);
      if (existing === undefined && m.id === this.bytesOf.length) {
        this.bytesOf.push(joined);
        idOfPiece.set(key, m.id);
      } else if (existing !== m.id) {
        throw new Error(`merge ${rank}: result id ${m.id} is neither the next new id nor the existing token ${existing} with the same bytes`);
      }
      const rule = m.left * MAX_VOCAB + m.right;
      if (!this.rules.has(rule)) this.rules.set(rule, { rank, id: m.id });
    });
    this.vocabSize = this.bytesOf.length;
    if (this.vocabSize > MAX_VOCAB) throw new Error(`vocabulary of ${this.vocabSize} is over ${MAX_VOCAB}`);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.bos) out.push(this.bos);
    for (const word of text.match(this.pattern) ?? []) {
      let ids = this.cache.get(word);
      if (!ids) {
        const symbols = Array.from(utf8(word), (b) => b + BPE_FIRST_BYTE_ID);
        ids = mergePairs(symbols, (l, r) => this.rules.get(l * MAX_VOCAB + r));
        if (this.cache.size < 50_000) this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
    if (options.eos) out.push(this.eos);
    return out;
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const parts: Uint8Array[] = [];
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const b = this.tokenBytes(ids[i]!, skip);
      parts.push(b);
      n += b.length;
    }
    const all = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return options.readable ? readableUtf8(all) : new TextDecoder('utf-8', { ignoreBOM: true }).decode(all);
  }

  streamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    if (options.readable) {
      const r = new ReadableUtf8Stream();
      return { push: (id) => r.push(this.tokenBytes(id, true)), flush: () => r.flush() };
    }
    const dec = new TextDecoder('utf-8', { ignoreBOM: true });
    return {
      push: (id) => dec.decode(this.tokenBytes(id, true), { stream: true }),
      flush: () => dec.decode(),
    };
  }

  scoreTokenIds(): number[] {
    this.scoreIds ??= findScoreTokenIds((t) => this.encode(t));
    return this.scoreIds.slice();
  }

  piece(id: number): string {
    if (id === this.pad) return BPE_SPECIALS.pad;
    if (id === this.bos) return BPE_SPECIALS.bos;
    if (id === this.eos) return BPE_SPECIALS.eos;
    const b = this.bytesOf[id];
    if (!b) return `<bad id ${id}>`;
    return bytesToByteLevel(b);
  }

  /** The bytes a token stands for; specials are empty when skipped, else their marker text. */
  private tokenBytes(id: number, skipSpecial: boolean): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} is outside 0..${this.vocabSize - 1}`);
    if (id < BPE_FIRST_BYTE_ID) return skipSpecial ? new Uint8Array(0) : utf8(this.piece(id));
    return this.bytesOf[id]!;
  }

  describe(): TokenizerDescription {
    return {
      kind: this.kind,
      name: this.name,
      vocabSize: this.vocabSize,
      bos: this.bos,
      eos: this.eos,
      pad: this.pad,
      fingerprint: fingerprint(this.merges.map((m) => `${m.left},${m.right},${m.id}`)),
      tokenizerJson: this.toTokenizerJson(),
    };
  }

  /** The Hugging Face tokenizer.json (format "1.0") that encodes every text to the same ids. */
  toTokenizerJson(): HfTokenizerJson {
    const vocab: Record<string, number> = {};
    const specials = [BPE_SPECIALS.pad, BPE_SPECIALS.bos, BPE_SPECIALS.eos];
    specials.forEach((s, id) => (vocab[s] = id));
    for (let id = BPE_FIRST_BYTE_ID; id < this.vocabSize; id++) vocab[this.piece(id)] = id;
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: BPE_PRE_TOKEN_PATTERN }, behavior: 'Isolated', invert: false },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: BPE_SPECIALS.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: BPE_SPECIALS.bos, type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
        ],
        special_tokens: { [BPE_SPECIALS.bos]: { id: BPE_SPECIALS.bos, ids: [this.bos], tokens: [BPE_SPECIALS.bos] } },
      },
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: this.merges.map((m) => [this.piece(m.left), this.piece(m.right)]),
      },
    };
  }
}

/** The subset of tokenizer.json we write and read back. */
export interface HfTokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: { id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean }[];
  normalizer: null;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: boolean;
    byte_fallback: boolean;
    ignore_merges: boolean;
    vocab: Record<string, number>;
    merges: [string, string][];
  };
}

/** True when a parsed tokenizer.json has the layout toTokenizerJson writes. */
export function isOurBpeJson(json: unknown): boolean {
  if (!json || typeof json !== 'object') return false;
  const j = json as { pre_tokenizer?: { pretokenizers?: { pattern?: { Regex?: string } }[] }; model?: { type?: string }; added_tokens?: { content?: string }[] };
  return (
    j.model?.type === 'BPE' &&
    j.pre_tokenizer?.pretokenizers?.[0]?.pattern?.Regex === BPE_PRE_TOKEN_PATTERN &&
    j.added_tokens?.[0]?.content === BPE_SPECIALS.pad &&
    j.added_tokens?.[1]?.content === BPE_SPECIALS.bos &&
    j.added_tokens?.[2]?.content === BPE_SPECIALS.eos
  );
}

/** Rebuilds our tokenizer from the tokenizer.json it wrote (e.g. from checkpoint metadata). */
export function bpeFromTokenizerJson(json: unknown, name = 'rubric-lab-bpe'): BpeTokenizer {
  if (!isOurBpeJson(json)) throw new Error('not a tokenizer.json written by tract (use huggingfaceTokenizer for other files)');
  const model = (json as HfTokenizerJson).model;
  const idOf = (piece: string, where: string): number => {
    const id = model.vocab[piece];
    if (id === undefined) throw new Error(`${where}: token ${JSON.stringify(piece)} is not in the vocabulary`);
    return id;
  };
  for (let b = 0; b < 256; b++) {
    const piece = bytesToByteLevel([b]);
    if (model.vocab[piece] !== BPE_FIRST_BYTE_ID + b) throw new Error(`byte 0x${b.toString(16)} must have id ${BPE_FIRST_BYTE_ID + b}`);
  }
  const merges = model.merges.map(([l, r], i) => {
    byteLevelToBytes(l + r); // throws on a non-byte-level character
    return { left: idOf(l, `merge ${i}`), right: idOf(r, `merge ${i}`), id: idOf(l + r, `merge ${i} result`) };
  });
  const tok = new BpeTokenizer(merges, name);
  const size = Object.keys(model.vocab).length;
  if (size !== tok.vocabSize) throw new Error(`the vocabulary has ${size} tokens but the merges make ${tok.vocabSize}`);
  return tok;
}
