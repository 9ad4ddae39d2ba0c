// The tokenizer the app's judges stream with: the model's own, except that CoT text is decoded in
// the readable form (bytes that are not UTF-8 as ⟨0xNN⟩, src/data/tokenizers/readable.ts), so an
// untrained model's byte noise reads as bytes, not "�" and boxes. Everything else is delegated.
import type { StreamDecoderOptions, Tokenizer } from '../data/tokenizers/types.ts';

export function readableTokenizer(t: Tokenizer): Tokenizer {
  const wrapped = Object.create(t) as Tokenizer;
  return Object.assign(wrapped, { streamDecoder: (o: StreamDecoderOptions = {}) => t.streamDecoder({ ...o, readable: true }) });
}
