// A llama2.c tokenizer (tok*.bin, sentencepiece-style BPE with byte fallback) as a Hugging Face
// tokenizer.json in the layout of Llama's own: '▁' for spaces, Prepend('▁') + Replace(' ', '▁') for
// run.c's dummy prefix, a BPE model with byte_fallback whose merges are every (left, right) split
// of a vocabulary piece into two pieces, ranked by the merged piece's score (run.c merges the
// adjacent pair whose concatenation scores highest), and the decoder that undoes it all.
// run.c and a rank-ordered BPE can differ where two different pairs tie on the merged score, so the
// export checks the result on sample texts (verifyTokenizerJson) before writing it.
import type { Llama2cTokenizer } from '../data/tokenizers/llama2c.ts';
import { huggingfaceTokenizer } from '../data/tokenizers/huggingface.ts';
import type { Tokenizer } from '../data/tokenizers/types.ts';
import { InteropError } from './sources.ts';

const SPACE = '\u2581';

/** The tokenizer.json, or an InteropError naming the piece that has no text form. */
export function llama2cTokenizerJson(tok: Llama2cTokenizer): Record<string, unknown> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const specials = ['<unk>', '<s>', '</s>'];
  const pieces: string[] = tok.pieces.map((p, id) => {
    if (id < 3) return specials[id];
    if (id < 259) {
      const want = `<0x${(id - 3).toString(16).toUpperCase().padStart(2, '0')}>`;
      if (p !== want) throw new InteropError(`${tok.name}: token ${id} is ${JSON.stringify(p)}, expected the byte token ${want}`);
      return p;
    }
    let text: string;
    try {
      text = utf8.decode(Uint8Array.from(p, (ch) => ch.charCodeAt(0)));
    } catch {
      throw new InteropError(`${tok.name}: token ${id} is not valid UTF-8, so it has no tokenizer.json form`);
    }
    if (text.includes(SPACE)) throw new InteropError(`${tok.name}: token ${id} contains '${SPACE}', which tokenizer.json uses for spaces`);
    return text.replace(/ /g, SPACE);
  });
  const vocab: Record<string, number> = {};
  pieces.forEach((p, id) => {
    if (!(p in vocab)) vocab[p] = id;
  });
  // Merges: every split of a piece (id ≥ 259) into two pieces that are tokens, best score first.
  const merges: { pair: [string, string]; score: number; id: number }[] = [];
  for (let id = 259; id < pieces.length; id++) {
    const chars = [...pieces[id]];
    if (vocab[pieces[id]] !== id) continue; // a duplicate piece: run.c finds the first
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join('');
      const right = chars.slice(k).join('');
      if (left in vocab && right in vocab && vocab[left] >= 3 && vocab[right] >= 3) merges.push({ pair: [left, right], score: tok.scores[id], id });
    }
  }
  merges.sort((a, b) => b.score - a.score || a.id - b.id);
  const added = specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: SPACE },
        { type: 'Replace', pattern: { String: ' ' }, content: SPACE },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map((m) => m.pair),
    },
  };
}

/**
 * tokenizer_config.json beside a tokenizer.json: the fast tokenizer class and the special tokens,
 * named as the tokenizer.json names them (its added tokens, else its vocabulary).
 */
export function tokenizerConfigJson(tok: Tokenizer, json: unknown, modelMaxLength: number): Record<string, unknown> {
  const j = json as { added_tokens?: { id: number; content: string }[]; model?: { vocab?: Record<string, number> } };
  const name = (id: number): string => {
    const added = j.added_tokens?.find((t) => t.id === id);
    if (added) return added.content;
    for (const [piece, v] of Object.entries(j.model?.vocab ?? {})) if (v === id) return piece;
    throw new InteropError(`the tokenizer.json has no token with id ${id}`);
  };
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: name(tok.bos),
    eos_token: name(tok.eos),
    pad_token: name(tok.pad),
    model_max_length: modelMaxLength,
    clean_up_tokenization_spaces: false,
  };
}

/**
 * Loads `json` with @huggingface/tokenizers and checks it encodes every text to the ids `tok` gives
 * (BOS included, as the post-processor adds it) and decodes them back; returns the first mismatch.
 */
export function verifyTokenizerJson(tok: Tokenizer, json: unknown, texts: readonly string[]): string | null {
  const hf = huggingfaceTokenizer(json, {}, { bos: tok.bos, eos: tok.eos, pad: tok.pad, name: 'tokenizer.json' });
  if (hf.vocabSize !== tok.vocabSize) return `the tokenizer.json has ${hf.vocabSize} tokens, the tokenizer ${tok.vocabSize}`;
  for (const text of texts) {
    const want = tok.encode(text);
    const got = hf.encode(text);
    if (want.length !== got.length || want.some((id, i) => id !== got[i])) {
      return `encoding ${JSON.stringify(text.slice(0, 60))}: ${tok.name} gives [${want.slice(0, 12).join(', ')}${want.length > 12 ? ', …' : ''}], the tokenizer.json [${got.slice(0, 12).join(', ')}${got.length > 12 ? ', …' : ''}]`;
    }
    const back = hf.decode(got);
    if (back !== tok.decode(want)) return `decoding ${JSON.stringify(text.slice(0, 60))}: ${JSON.stringify(back.slice(0, 60))} instead of ${JSON.stringify(tok.decode(want).slice(0, 60))}`;
  }
  return null;
}
