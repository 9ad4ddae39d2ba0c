// Readable decoding (issue 15): bytes a model writes that do not form UTF-8 — and control bytes —
// come out as ⟨0xNN⟩ instead of "�" and boxes; valid text is unchanged, whole or streamed token by
// token; a CoT that is mostly such bytes is flagged as an untrained model's.
import { describe, expect, it } from 'vitest';
import { byteNoiseShare, looksUntrained, readableUtf8, ReadableUtf8Stream, trainBpe } from '../../src/data/index.ts';
import { tok512 } from './shared.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
const enc = (s: string) => new TextEncoder().encode(s);

describe('readable UTF-8', () => {
  it('decodes valid text exactly as TextDecoder does', () => {
    for (const s of ['plain ascii', 'naïve café', 'math ≤ ∑ 😀 done', 'tabs\tand\nnewlines\r\n', '']) expect(readableUtf8(enc(s))).toBe(s);
  });

  it('writes each byte that is not part of a character as ⟨0xNN⟩', () => {
    expect(readableUtf8(bytes(0x61, 0xe2, 0x82))).toBe('a⟨0xE2⟩⟨0x82⟩'); // an unfinished "€"
    expect(readableUtf8(bytes(0x80, 0x62))).toBe('⟨0x80⟩b'); // a lone continuation byte
    expect(readableUtf8(bytes(0xc0, 0x80))).toBe('⟨0xC0⟩⟨0x80⟩'); // an overlong NUL
    expect(readableUtf8(bytes(0xed, 0xa0, 0x80))).toBe('⟨0xED⟩⟨0xA0⟩⟨0x80⟩'); // a surrogate
    expect(readableUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe('⟨0xF4⟩⟨0x90⟩⟨0x80⟩⟨0x80⟩'); // past U+10FFFF
    expect(readableUtf8(bytes(0xff, 0xe2, 0x82, 0xac))).toBe('⟨0xFF⟩€'); // a bad byte, then a good character
    expect(readableUtf8(bytes(0x01, 0x7f, 0x41))).toBe('⟨0x01⟩⟨0x7F⟩A'); // control bytes (boxes on screen)
    expect(readableUtf8(bytes(0xe2, 0x82, 0xac))).not.toContain('\uFFFD');
  });

  it('streams: a character split across chunks waits for its last byte; flush escapes what is left', () => {
    const s = new ReadableUtf8Stream();
    expect(s.push(bytes(0x61, 0xe2))).toBe('a');
    expect(s.push(bytes(0x82))).toBe('');
    expect(s.push(bytes(0xac, 0x62))).toBe('€b');
    expect(s.push(bytes(0xf0, 0x9f))).toBe('');
    expect(s.push(bytes(0x41))).toBe('⟨0xF0⟩⟨0x9F⟩A'); // the character broke off
    expect(s.push(bytes(0xe2))).toBe('');
    expect(s.flush()).toBe('⟨0xE2⟩');
  });

  it('says when a CoT is mostly byte noise', () => {
    expect(byteNoiseShare('count 3 of 4')).toBe(0);
    expect(looksUntrained('⟨0xE2⟩⟨0x82⟩ ⟨0x9F⟩x ⟨0xC3⟩')).toBe(true);
    expect(looksUntrained('the sum is 12 ⟨0xE2⟩')).toBe(false);
    expect(looksUntrained('\uFFFD\uFFFD\uFFFD a')).toBe(true); // a decoder that could not keep the bytes
  });
});

describe('tokenizers decode readably on request', () => {
  it('our BPE: byte tokens that do not form UTF-8, whole and streamed; valid text unchanged', () => {
    const t = trainBpe(['abc abd'], { vocabSize: 300 });
    const byteId = (b: number) => 3 + b; // BPE_FIRST_BYTE_ID + byte
    const ids = [...t.encode('ok '), byteId(0xe2), byteId(0x82), ...t.encode(' x'), byteId(0x01)];
    expect(t.decode(ids)).toContain('\uFFFD');
    expect(t.decode(ids, { readable: true })).toBe('ok ⟨0xE2⟩⟨0x82⟩ x⟨0x01⟩');
    const dec = t.streamDecoder({ readable: true });
    expect(ids.map((id) => dec.push(id)).join('') + dec.flush()).toBe('ok ⟨0xE2⟩⟨0x82⟩ x⟨0x01⟩');
    const text = 'naïve 😀 done';
    const d2 = t.streamDecoder({ readable: true });
    const parts = t.encode(text).map((id) => d2.push(id));
    expect(parts.join('') + d2.flush()).toBe(text);
    expect(t.decode(t.encode(text), { readable: true })).toBe(text);
  });

  it("llama2.c's tokenizer (tok512): byte-fallback pieces that do not form UTF-8", () => {
    const t = tok512();
    const ids = [...t.encode('Once upon a time'), 0xe2 + 3, 0x82 + 3, ...t.encode('Lily')];
    expect(t.decode(ids)).toContain('\uFFFD');
    expect(t.decode(ids, { readable: true })).toMatch(/^Once upon a time⟨0xE2⟩⟨0x82⟩ ?Lily$/);
    const dec = t.streamDecoder({ readable: true, prev: t.bos });
    expect(ids.map((id) => dec.push(id)).join('') + dec.flush()).toBe(t.decode(ids, { readable: true }));
  });
});
