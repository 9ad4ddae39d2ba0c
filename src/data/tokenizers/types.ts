// One interface for every tokenizer the project uses: the BPE we train on Rubric Lab, llama2.c's
// tok*.bin, and any Hugging Face tokenizer.json. Special ids are explicit: nothing in the pipeline
// guesses that BOS is 1.

export type TokenizerKind = 'bpe' | 'llama2c' | 'huggingface';

export interface EncodeOptions {
  /** Put BOS first (default false). */
  bos?: boolean;
  /** Put EOS last (default false). */
  eos?: boolean;
}

export interface DecodeOptions {
  /** Leave BOS/EOS/pad out of the text (default true). */
  skipSpecial?: boolean;
  /**
   * Bytes that do not form UTF-8 (and control bytes) as ⟨0xNN⟩ instead of U+FFFD (readable.ts), for
   * showing what a model wrote. Default false: the engine's texts stay as they were. Byte-level
   * tokenizers only (ours and llama2.c's); a Hugging Face tokenizer decodes as its library does.
   */
  readable?: boolean;
}

/** Token-by-token decoding for generated output: each push returns the new text, if any. */
export interface StreamDecoder {
  push(id: number): string;
  /** Text still held back (an unfinished UTF-8 sequence becomes U+FFFD). */
  flush(): string;
}

export interface StreamDecoderOptions {
  /** The token before the first pushed one (llama2.c strips the leading space after BOS). */
  prev?: number;
  /** As DecodeOptions.readable: invalid bytes as ⟨0xNN⟩; an unfinished character still waits for its last byte. */
  readable?: boolean;
}

/** What a checkpoint records about its tokenizer (JSON-serialisable). */
export interface TokenizerDescription {
  kind: TokenizerKind;
  name: string;
  vocabSize: number;
  bos: number;
  eos: number;
  pad: number;
  /** Hex hash of the vocabulary (and merges/scores), to check a checkpoint matches a tokenizer. */
  fingerprint: string;
  /** For the trained BPE: the full Hugging Face tokenizer.json, so the checkpoint is self-contained. */
  tokenizerJson?: unknown;
}

export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly name: string;
  readonly vocabSize: number;
  readonly bos: number;
  readonly eos: number;
  /** May equal eos. Padded positions are always masked, so its embedding is never trained on. */
  readonly pad: number;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  streamDecoder(options?: StreamDecoderOptions): StreamDecoder;
  /**
   * Ids of "1".."5" as they follow the score prompt suffix (index 0 is "1"). Throws, naming the
   * digit, if any of them is not exactly one token there.
   */
  scoreTokenIds(): number[];
  /** A readable form of one token, for displays ("▁the", "<0x0A>", "<|eos|>"). */
  piece(id: number): string;
  describe(): TokenizerDescription;
}
