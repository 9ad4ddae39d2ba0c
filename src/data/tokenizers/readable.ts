// Readable text from any byte sequence a model writes. A byte-level tokenizer lets a model emit bytes
// that do not form UTF-8 (an untrained one does so often); TextDecoder turns each into U+FFFD "�", and
// control bytes show as boxes, which reads as a bug. Here valid UTF-8 decodes as usual and every
// byte that is not part of a valid character (or is a control byte other than tab, newline and
// carriage return) is written ⟨0xNN⟩ instead, so the text says what the model wrote.
// The validity rules are the Unicode/WHATWG ones (no overlongs, no surrogates, nothing past U+10FFFF).

/** The escape of one byte, e.g. ⟨0xE2⟩. */
export function byteEscape(b: number): string {
  return `⟨0x${b.toString(16).toUpperCase().padStart(2, '0')}⟩`;
}

/** Matches one escape (and U+FFFD from decoders that could not keep the bytes). */
export const BYTE_ESCAPE = /⟨0x[0-9A-F]{2}⟩|\uFFFD/g;

const isControl = (b: number) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f;

/** Bytes a lead byte needs in all, and the range its second byte must be in (0: not a lead byte). */
function lead(b: number): { n: number; lo: number; hi: number } {
  if (b >= 0xc2 && b <= 0xdf) return { n: 2, lo: 0x80, hi: 0xbf };
  if (b === 0xe0) return { n: 3, lo: 0xa0, hi: 0xbf };
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) return { n: 3, lo: 0x80, hi: 0xbf };
  if (b === 0xed) return { n: 3, lo: 0x80, hi: 0x9f };
  if (b === 0xf0) return { n: 4, lo: 0x90, hi: 0xbf };
  if (b >= 0xf1 && b <= 0xf3) return { n: 4, lo: 0x80, hi: 0xbf };
  if (b === 0xf4) return { n: 4, lo: 0x80, hi: 0x8f };
  return { n: 0, lo: 0, hi: 0 };
}

/**
 * Decodes bytes[0..end) to readable text. With `stream`, an unfinished character at the end is not
 * decoded: its start is returned as `held` (bytes from there on wait for the next chunk).
 */
function decodeReadable(bytes: Uint8Array, stream: boolean): { text: string; held: number } {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += isControl(b) ? byteEscape(b) : String.fromCharCode(b);
      i++;
      continue;
    }
    const { n, lo, hi } = lead(b);
    if (n === 0) {
      out += byteEscape(b);
      i++;
      continue;
    }
    // Check the continuation bytes present; an unfinished but so-far-valid character may be held.
    let ok = true;
    let k = 1;
    for (; k < n && i + k < bytes.length; k++) {
      const c = bytes[i + k]!;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) {
        ok = false;
        break;
      }
    }
    if (ok && k < n) {
      if (stream) return { text: out, held: i };
      ok = false;
    }
    if (!ok) {
      out += byteEscape(b);
      i++;
      continue;
    }
    let cp = b & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
    for (let j = 1; j < n; j++) cp = (cp << 6) | (bytes[i + j]! & 0x3f);
    out += String.fromCodePoint(cp);
    i += n;
  }
  return { text: out, held: bytes.length };
}

/** The whole of `bytes` as readable text (an unfinished character at the end is escaped byte by byte). */
export function readableUtf8(bytes: Uint8Array): string {
  return decodeReadable(bytes, false).text;
}

/** Chunked decoding: a character split across chunks waits for its last byte; flush escapes what is left. */
export class ReadableUtf8Stream {
  private pending = new Uint8Array(0);

  push(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.pending.length > 0) {
      bytes = new Uint8Array(this.pending.length + chunk.length);
      bytes.set(this.pending);
      bytes.set(chunk, this.pending.length);
    }
    const { text, held } = decodeReadable(bytes, true);
    this.pending = bytes.slice(held);
    return text;
  }

  flush(): string {
    const text = readableUtf8(this.pending);
    this.pending = new Uint8Array(0);
    return text;
  }
}

/**
 * The share of a text's characters (each escape counted as one byte) that are bytes which did not
 * form text: near 1 for a model that writes byte noise (untrained), near 0 for one that writes text.
 */
export function byteNoiseShare(text: string): number {
  const escapes = text.match(BYTE_ESCAPE) ?? [];
  const rest = text.replace(BYTE_ESCAPE, '').replace(/\s/g, '');
  const chars = [...rest].length + escapes.length;
  return chars > 0 ? escapes.length / chars : 0;
}

/** Most of a CoT is bytes that are not text: the model is untrained (or was trained with another tokenizer). */
export function looksUntrained(text: string): boolean {
  return byteNoiseShare(text) > 0.5;
}
