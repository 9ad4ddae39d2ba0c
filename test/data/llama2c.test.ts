// llama2.c's tokenizer (tok512.bin of stories260K): exact encode/decode, streaming decode, and the
// score-token invariant.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCORE_PROMPT_SUFFIX, llama2cTokenizerFromBytes, renderPrompt, type Llama2cTokenizer } from '../../src/data/index.ts';
import { STORIES_KNOWN_OUTPUT, TOK512, defaultLab, tok512 } from './shared.ts';

/** run.c's encode as written there: rescan every pair on every merge (O(n²)); the reference for the heap version. */
function naiveEncode(tok: Llama2cTokenizer, text: string, bos: boolean): number[] {
  const lookup = new Map<string, number>();
  tok.pieces.forEach((p, i) => (lookup.has(p) ? undefined : lookup.set(p, i)));
  const bytes = new TextEncoder().encode(text);
  const tokens: number[] = bos ? [1] : [];
  if (bytes.length) tokens.push(lookup.get(' ')!);
  let buf: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i]! & 0xc0) !== 0x80) buf = [];
    buf.push(bytes[i]!);
    if (i + 1 < bytes.length && (bytes[i + 1]! & 0xc0) === 0x80 && buf.length < 4) continue;
    const id = lookup.get(String.fromCharCode(...buf));
    if (id !== undefined) tokens.push(id);
    else tokens.push(...buf.map((b) => b + 3));
    buf = [];
  }
  for (;;) {
    let best = -1e10;
    let bestIdx = -1;
    let bestId = -1;
    for (let i = 0; i + 1 < tokens.length; i++) {
      const id = lookup.get(tok.pieces[tokens[i]!]! + tok.pieces[tokens[i + 1]!]!);
      if (id !== undefined && tok.scores[id]! > best) {
        best = tok.scores[id]!;
        bestIdx = i;
        bestId = id;
      }
    }
    if (bestIdx < 0) break;
    tokens.splice(bestIdx, 2, bestId);
  }
  return tokens;
}

describe('llama2.c tokenizer (tok512.bin)', () => {
  const tok = tok512();

  it('reads the file: 512 tokens, specials 0/1/2, bytes at 3..258', () => {
    expect(tok.vocabSize).toBe(512);
    expect([tok.bos, tok.eos]).toEqual([1, 2]);
    expect(tok.piece(3)).toBe('<0x00>');
    expect(tok.piece(258)).toBe('<0xFF>');
  });

  it('encodes like llama2.c (ids from a C transcription of run.c encode)', () => {
    // Produced by compiling run.c's encode loop against tok512.bin.
    expect(tok.encode('Once upon a time, there was a little girl named Lily.', { bos: true })).toEqual([
      1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
    ]);
    expect(tok.encode('So the overall score is 3', { bos: true })).toEqual([1, 301, 414, 265, 334, 330, 388, 262, 429, 414, 276, 410, 293, 410, 472]);
    expect(tok.encode('héllo – 3€ 😀 naïve', { bos: true })).toEqual([
      1, 270, 485, 306, 414, 410, 476, 410, 472, 503, 410, 243, 162, 155, 131, 297, 412, 198, 178, 360,
    ]);
    expect(tok.encode('', { bos: true })).toEqual([1]); // no dummy prefix for empty text
    expect(tok.encode('x', { bos: true, eos: true }).at(-1)).toBe(2);
  });

  it('matches the O(n²) reference on every Rubric Lab prompt and on the known story', () => {
    const texts = [STORIES_KNOWN_OUTPUT, ...defaultLab().dev.map((e) => renderPrompt(e, 'compact')), '\u0000\u0001 tab\tnew\nline \uFEFF end'];
    for (const t of texts) expect(tok.encode(t, { bos: true })).toEqual(naiveEncode(tok, t, true));
  });

  it('round-trips the README output text, and encoding is deterministic', () => {
    const ids = tok.encode(STORIES_KNOWN_OUTPUT, { bos: true });
    expect(tok.decode(ids)).toBe(STORIES_KNOWN_OUTPUT);
    expect(tok.encode(STORIES_KNOWN_OUTPUT, { bos: true })).toEqual(ids);
    expect(tok512().encode(STORIES_KNOWN_OUTPUT, { bos: true })).toEqual(ids); // a fresh instance too
  });

  it("streams token by token with llama2.c's decode(prev, token) rule", () => {
    const ids = tok.encode(STORIES_KNOWN_OUTPUT, { bos: true });
    // As run.c's generate loop prints: start after BOS, each piece decoded against the previous token.
    const dec = tok.streamDecoder({ prev: ids[0], llama2cStdout: true });
    const text = ids.slice(1).map((id) => dec.push(id)).join('') + dec.flush();
    expect(text).toBe(STORIES_KNOWN_OUTPUT);
    // Without BOS before it, the first piece keeps its space.
    expect(tok.piece(ids[1]!)).toBe('▁Once');
    expect(tok.streamDecoder().push(ids[1]!)).toBe(' Once');
  });

  it('streams multi-byte characters made of byte tokens as whole characters', () => {
    const text = 'naïve 😀 ok';
    const ids = tok.encode(text, { bos: true });
    const dec = tok.streamDecoder({ prev: 1 });
    const parts = ids.slice(1).map((id) => dec.push(id));
    expect(parts.join('') + dec.flush()).toBe(text);
    expect(parts.every((p) => !p.includes('\uFFFD'))).toBe(true);
    // llama2.c's own stdout drops lone non-printable bytes, so the emoji disappears there.
    const c = tok.streamDecoder({ prev: 1, llama2cStdout: true });
    expect(ids.slice(1).map((id) => c.push(id)).join('')).not.toContain('😀');
  });

  it('keeps the score-token invariant: each digit is one token after the score suffix', () => {
    const ids = tok.scoreTokenIds();
    expect(ids.map((id) => tok.piece(id))).toEqual(['1', '2', '3', '4', '5']);
    for (const prefix of ['', 'The response is fine.', STORIES_KNOWN_OUTPUT]) {
      const head = tok.encode(prefix + SCORE_PROMPT_SUFFIX);
      ids.forEach((id, k) => expect(tok.encode(prefix + SCORE_PROMPT_SUFFIX + (k + 1))).toEqual([...head, id]));
    }
  });

  it('rejects truncated or malformed files, naming the offset', () => {
    const good = require512();
    expect(() => llama2cTokenizerFromBytes(good.subarray(0, 2))).toThrow(/too short/);
    expect(() => llama2cTokenizerFromBytes(good.subarray(0, 1000))).toThrow(/token \d+ at offset \d+/);
    expect(() => llama2cTokenizerFromBytes(good, { vocabSize: 600 })).toThrow(/holds 512 tokens, the model needs 600/);
    const bad = good.slice();
    new DataView(bad.buffer).setInt32(8, 99999, true); // length of token 0
    expect(() => llama2cTokenizerFromBytes(bad)).toThrow(/token 0 at offset 4 has length 99999/);
  });
});

function require512(): Uint8Array {
  return new Uint8Array(readFileSync(TOK512));
}
