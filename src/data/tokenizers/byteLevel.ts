// GPT-2's byte-level alphabet: every byte 0..255 gets one printable Unicode character, so a BPE
// vocabulary of byte sequences can be written as plain strings in a Hugging Face tokenizer.json
// (the "ByteLevel" pre-tokenizer and decoder). Printable Latin-1 bytes map to themselves; the
// others (controls, space, 0x7F–0xA0, 0xAD) map to U+0100 upwards in byte order.

function buildByteToChar(): string[] {
  const direct: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) direct.push(b);
  for (let b = 0xa1; b <= 0xac; b++) direct.push(b);
  for (let b = 0xae; b <= 0xff; b++) direct.push(b);
  const out = new Array<string>(256);
  const isDirect = new Set(direct);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(isDirect.has(b) ? b : 256 + extra++);
  return out;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

export function bytesToByteLevel(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!];
  return s;
}

/** The bytes a byte-level string stands for; throws on a character outside the alphabet. */
export function byteLevelToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = CHAR_TO_BYTE.get(text[i]!);
    if (b === undefined) throw new Error(`'${text[i]}' (U+${text.charCodeAt(i).toString(16)}) is not a byte-level character`);
    out[i] = b;
  }
  return out;
}

const encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
