// llama2.c's tokenizer (tok*.bin) with its exact encode/decode behaviour (run.c):
//   file:   int32 max_token_length, then per token: float32 score, int32 byte length, the bytes.
//   encode: optional BOS (id 1); a "dummy prefix" token " " when the text is not empty; each UTF-8
//           code point (at most 4 bytes) looked up as a token, else one byte-fallback token per byte
//           (id = byte + 3); then repeatedly merge the adjacent pair whose concatenation is a token with
//           the highest score (leftmost on ties; BOS takes part, as in run.c); optional EOS (id 2).
//   decode: a piece right after BOS loses its leading space; "<0xNN>" pieces are the raw byte NN.
// Pieces are handled as byte strings (one char per byte), so lookups are byte-exact like strcmp.
import { mergePairs } from './mergePairs.ts';
import { readableUtf8, ReadableUtf8Stream } from './readable.ts';
import { fingerprint, findScoreTokenIds } from './scoreTokens.ts';
import type { DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer, TokenizerDescription } from './types.ts';

export interface Llama2cStreamOptions extends StreamDecoderOptions {
  /**
   * Reproduce the bytes llama2.c prints: its safe_printf drops a piece that is one byte which is
   * neither printable nor whitespace (so a UTF-8 character made of byte tokens disappears), and it
   * prints BOS/EOS pieces as they are. Default false: bytes are joined into UTF-8 text and specials
   * print nothing.
   */
  llama2cStdout?: boolean;
}

const toBinary = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
};
const binaryToBytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export class Llama2cTokenizer implements Tokenizer {
  readonly kind = 'llama2c' as const;
  readonly name: string;
  readonly vocabSize: number;
  readonly bos = 1;
  readonly eos = 2;
  /** llama2.c has no padding token; padded positions are masked, so EOS serves. */
  readonly pad = 2;
  readonly maxTokenLength: number;
  /** Byte strings (one char per byte) and scores, by id. */
  readonly pieces: readonly string[];
  readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();
  private readonly dummyPrefix: number;
  private scoreIds: number[] | undefined;

  constructor(pieces: string[], scores: Float32Array, maxTokenLength: number, name = 'llama2c') {
    this.name = name;
    this.pieces = pieces;
    this.scores = scores;
    this.vocabSize = pieces.length;
    this.maxTokenLength = maxTokenLength;
    if (this.vocabSize < 259) throw new Error(`a llama2.c tokenizer needs at least 259 tokens (3 specials + 256 bytes), got ${this.vocabSize}`);
    // With duplicate pieces run.c's bsearch may find either; we keep the first id.
    pieces.forEach((p, id) => {
      if (!this.lookup.has(p)) this.lookup.set(p, id);
    });
    const space = this.lookup.get(' ');
    if (space === undefined) throw new Error('the vocabulary has no " " token, which llama2.c needs as its dummy prefix');
    this.dummyPrefix = space;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const bytes = new TextEncoder().encode(text);
    const tokens: number[] = [];
    if (options.bos) tokens.push(this.bos);
    if (bytes.length > 0) tokens.push(this.dummyPrefix);
    // Code points: a run of at most 4 bytes starting at a non-continuation byte (run.c's loop).
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if ((bytes[i]! & 0xc0) !== 0x80) start = i;
      const nextIsCont = i + 1 < bytes.length && (bytes[i + 1]! & 0xc0) === 0x80;
      if (nextIsCont && i + 1 - start < 4) continue;
      const cp = bytes.subarray(start, i + 1);
      const id = this.lookup.get(toBinary(cp));
      if (id !== undefined) tokens.push(id);
      else for (const b of cp) tokens.push(b + 3);
      start = i + 1;
    }
    const merged = mergePairs(tokens, (l, r) => {
      const id = this.lookup.get(this.pieces[l]! + this.pieces[r]!);
      if (id === undefined) return undefined;
      const score = this.scores[id]!;
      return score > -1e10 ? { rank: -score, id } : undefined;
    });
    if (options.eos) merged.push(this.eos);
    return merged;
  }

  /** run.c's decode(prev_token, token) as bytes: strip the space after BOS, map <0xNN> to a byte. */
  pieceBytes(prev: number, id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} is outside 0..${this.vocabSize - 1}`);
    let piece = this.pieces[id]!;
    if (prev === this.bos && piece[0] === ' ') piece = piece.slice(1);
    // sscanf(piece, "<0x%02hhX>") succeeds on "<0x" followed by one or two hex digits.
    const m = /^<0x([0-9A-Fa-f]{1,2})/.exec(piece);
    if (m) return Uint8Array.of(parseInt(m[1]!, 16));
    return binaryToBytes(piece);
  }

  /** Decodes a whole sequence as if it started a document (the first piece loses its dummy-prefix space). */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? true;
    const chunks: number[] = [];
    let prev = this.bos;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (skip && (id === this.bos || id === this.eos || id === this.pad)) {
        prev = id === this.bos ? this.bos : prev;
        continue;
      }
      for (const b of this.pieceBytes(prev, id)) chunks.push(b);
      prev = id;
    }
    return options.readable ? readableUtf8(Uint8Array.from(chunks)) : new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(chunks));
  }

  streamDecoder(options: Llama2cStreamOptions = {}): StreamDecoder {
    let prev = options.prev ?? -1;
    const td = new TextDecoder('utf-8', { ignoreBOM: true });
    const rs = options.readable ? new ReadableUtf8Stream() : null;
    const dec = { decode: (b?: Uint8Array, o?: { stream: boolean }) => (rs ? (b ? rs.push(b) : rs.flush()) : td.decode(b, o)) };
    const stdout = options.llama2cStdout ?? false;
    return {
      push: (id) => {
        const bytes = this.pieceBytes(prev, id);
        const special = id === this.bos || id === this.eos;
        prev = id;
        if (stdout) {
          if (bytes.length === 1 && !isPrintOrSpace(bytes[0]!)) return '';
        } else if (special) return '';
        return dec.decode(bytes, { stream: true });
      },
      flush: () => dec.decode(),
    };
  }

  scoreTokenIds(): number[] {
    this.scoreIds ??= findScoreTokenIds((t) => this.encode(t));
    return this.scoreIds.slice();
  }

  piece(id: number): string {
    const p = this.pieces[id];
    if (p === undefined) return `<bad id ${id}>`;
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(binaryToBytes(p)).replace(/^ /, '▁');
  }

  describe(): TokenizerDescription {
    return {
      kind: this.kind,
      name: this.name,
      vocabSize: this.vocabSize,
      bos: this.bos,
      eos: this.eos,
      pad: this.pad,
      fingerprint: fingerprint(this.pieces.map((p, i) => `${p}\u0000${this.scores[i]}`)),
    };
  }
}

/** C's isprint || isspace in the "C" locale. */
function isPrintOrSpace(b: number): boolean {
  return (b >= 0x20 && b <= 0x7e) || (b >= 0x09 && b <= 0x0d);
}

/**
 * Reads a tok*.bin. `vocabSize` is the model's vocab_size (the file does not store it); by default
 * every entry in the file is read. Throws, naming the byte offset, on a truncated or malformed file.
 */
export function llama2cTokenizerFromBytes(data: Uint8Array, options: { vocabSize?: number; name?: string } = {}): Llama2cTokenizer {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const name = options.name ?? 'llama2c';
  if (data.byteLength < 4) throw new Error(`${name}: file is ${data.byteLength} bytes, too short for the int32 max_token_length header`);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > 1024) throw new Error(`${name}: max_token_length ${maxTokenLength} at offset 0 is not plausible (expected 1..1024)`);
  const pieces: string[] = [];
  const scores: number[] = [];
  let o = 4;
  while (o < data.byteLength && (options.vocabSize === undefined || pieces.length < options.vocabSize)) {
    if (o + 8 > data.byteLength) throw new Error(`${name}: token ${pieces.length} at offset ${o} is truncated (needs score and length)`);
    const score = view.getFloat32(o, true);
    const len = view.getInt32(o + 4, true);
    if (len < 0 || len > maxTokenLength) throw new Error(`${name}: token ${pieces.length} at offset ${o} has length ${len}, expected 0..${maxTokenLength}`);
    if (o + 8 + len > data.byteLength) throw new Error(`${name}: token ${pieces.length} at offset ${o} runs past the end of the file`);
    pieces.push(toBinary(data.subarray(o + 8, o + 8 + len)));
    scores.push(score);
    o += 8 + len;
  }
  if (options.vocabSize !== undefined && pieces.length < options.vocabSize) {
    throw new Error(`${name}: the file holds ${pieces.length} tokens, the model needs ${options.vocabSize}`);
  }
  return new Llama2cTokenizer(pieces, Float32Array.from(scores), maxTokenLength, name);
}
