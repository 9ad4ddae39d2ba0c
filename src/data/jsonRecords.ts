// Streaming input: turn text, bytes, a ReadableStream (browser `file.stream()`) or any (async)
// iterable of string / Uint8Array chunks (Node `fs.createReadStream`) into JSON records, one at a
// time, without holding the whole file. Two layouts, told apart by the first non-blank character:
//   '['  a JSON array: each top-level element is one record (split by a small scanner that tracks
//        strings, escapes and nesting, then JSON.parse per element);
//   else JSON lines: each non-blank line is one record.
// Every record and every problem carries the 1-based line it starts on and its 0-based index.

export type TextChunk = string | Uint8Array;
export type TextSource =
  | string
  | Uint8Array
  | ReadableStream<TextChunk>
  | AsyncIterable<TextChunk>
  | Iterable<TextChunk>;

export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

export class SizeLimitError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the file is over the size limit of ${limit} bytes (${(limit / 1048576).toFixed(1)} MiB); raise maxBytes to load it`);
    this.name = 'SizeLimitError';
    this.limit = limit;
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

async function* rawChunks(source: TextSource): AsyncGenerator<TextChunk> {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<TextChunk>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (Symbol.asyncIterator in (source as object)) {
    for await (const c of source as AsyncIterable<TextChunk>) yield c;
    return;
  }
  for (const c of source as Iterable<TextChunk>) yield c;
}

/**
 * Decoded text chunks; throws SizeLimitError as soon as more than maxBytes have been read. Invalid
 * UTF-8 is replaced by U+FFFD, and `onInvalidUtf8` is told once, with the byte offset of the chunk
 * where it was first seen (so a reader can say the text was changed, not change it silently).
 */
export async function* textChunks(source: TextSource, maxBytes = DEFAULT_MAX_BYTES, onInvalidUtf8?: (byteOffset: number) => void): AsyncGenerator<string> {
  let decoder = new TextDecoder('utf-8', { fatal: true });
  let lenient = false;
  let bytes = 0;
  for await (const chunk of rawChunks(source)) {
    if (typeof chunk === 'string') {
      bytes += utf8Length(chunk);
      if (bytes > maxBytes) throw new SizeLimitError(maxBytes);
      if (chunk) yield chunk;
    } else if (chunk instanceof Uint8Array) {
      const at = bytes;
      bytes += chunk.byteLength;
      if (bytes > maxBytes) throw new SizeLimitError(maxBytes);
      let s: string;
      try {
        s = decoder.decode(chunk, { stream: true });
      } catch {
        // First invalid sequence: say so once, then decode the rest leniently (the ≤ 3 bytes of a
        // character split across the previous chunk boundary are replaced too).
        if (lenient) throw new Error('unreachable: the lenient decoder threw');
        lenient = true;
        onInvalidUtf8?.(at);
        decoder = new TextDecoder('utf-8');
        s = decoder.decode(chunk, { stream: true });
      }
      if (s) yield s;
    } else {
      throw new TypeError(`expected string or Uint8Array chunks, got ${typeof chunk}`);
    }
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    onInvalidUtf8?.(bytes);
    tail = '\ufffd';
  }
  if (tail) yield tail;
}

/** The deepest nesting of [ and { outside strings in a JSON text (one linear scan). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** The layouts jsonRecords tells apart (reported first, as a 'format' event). */
export type JsonLayout = 'json-array' | 'jsonl' | 'json-objects';

export const LAYOUT_TEXT: Record<JsonLayout, string> = {
  'json-array': 'a JSON array (one row per element)',
  jsonl: 'JSON lines (one row per line)',
  'json-objects': 'one JSON object (or several) spanning lines, e.g. pretty-printed (one row per object)',
};

/** Rows longer than this (UTF-8 bytes) are refused by default, one by one (the rest is read). */
export const DEFAULT_MAX_ROW_BYTES = 4 * 1024 * 1024;

export type RecordEvent =
  | { kind: 'format'; format: JsonLayout; line: number }
  | { kind: 'record'; index: number; line: number; text: string }
  /** A problem with the file's structure; `fatal` means nothing after it can be read. */
  | { kind: 'problem'; index?: number; line: number; message: string; fatal: boolean; lostRow?: boolean };

export interface RecordOptions {
  /** A row (line, array element or object) over this many UTF-8 bytes is skipped with a problem. */
  maxRowBytes?: number;
}

const oversize = (max: number) => `the row is over the per-row limit of ${max} bytes (--max-row-bytes; a judge example is a few KB): skipped`;

/**
 * Splits a JSON array, JSON lines, or one or more multi-line JSON objects into records. The layout
 * is told by the first non-blank character ('[' array) and, for '{', by whether the first line
 * closes the object (JSON lines) or not (a pretty-printed object). Linear in the input.
 */
export async function* jsonRecords(chunks: AsyncIterable<string>, options: RecordOptions = {}): AsyncGenerator<RecordEvent> {
  const maxRow = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
  const it = chunks[Symbol.asyncIterator]();
  // Find the first non-blank character to choose the layout.
  let first = '';
  let pending: string[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    pending.push(r.value);
    if (/\S/.test(r.value)) {
      first = r.value.replace(/^\s+/, '')[0]!;
      break;
    }
  }
  if (first === '') {
    yield { kind: 'problem', line: 1, message: 'the file is empty (expected a JSON array, JSON lines or a JSON object)', fatal: true };
    return;
  }
  let ended = false;
  if (first === '{') {
    // Read on until the first row's line ends (or the row is over the limit), to tell the layouts apart.
    const last = pending[pending.length - 1]!;
    let lineEnded = last.indexOf('\n', last.search(/\S/)) >= 0;
    let have = last.length;
    while (!lineEnded && have <= maxRow) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      pending.push(r.value);
      have += r.value.length;
      lineEnded = r.value.includes('\n');
    }
  }
  const rest: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (pending.length) return { done: false, value: pending.shift()! };
        return ended ? { done: true, value: undefined } : it.next();
      },
    }),
  };
  const layout: JsonLayout = first === '[' ? 'json-array' : first === '{' && !firstLineCloses(pending.join('')) ? 'json-objects' : 'jsonl';
  yield { kind: 'format', format: layout, line: 1 };
  if (layout === 'json-array') yield* arrayRecords(rest, maxRow);
  else if (layout === 'json-objects') yield* objectRecords(rest, maxRow);
  else yield* lineRecords(rest, maxRow);
  pending = [];
}

/** Whether the first non-blank line of `text` holds a whole JSON value that starts with '{'. */
function firstLineCloses(text: string): boolean {
  const from = text.search(/\S/);
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) return false;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === LBRACE || c === LBRACKET) depth++;
    else if ((c === RBRACE || c === RBRACKET) && --depth === 0) return true;
  }
  return true; // one line without a newline: JSON lines
}

async function* lineRecords(chunks: AsyncIterable<string>, maxRow: number): AsyncGenerator<RecordEvent> {
  // The current line as pieces (never re-split or re-concatenated: linear in the line's length).
  let parts: string[] = [];
  let bytes = 0;
  let over = false;
  let line = 0;
  let index = 0;
  const take = (piece: string) => {
    if (over || piece.length === 0) return;
    bytes += utf8Length(piece);
    if (bytes > maxRow) {
      over = true;
      parts = [];
    } else parts.push(piece);
  };
  function* finish(): Generator<RecordEvent> {
    line++;
    if (over) yield { kind: 'problem', index: index++, line, message: oversize(maxRow), fatal: false, lostRow: true };
    else {
      const joined = parts.length === 1 ? parts[0]! : parts.join('');
      const text = joined.endsWith('\r') ? joined.slice(0, -1) : joined;
      if (text.trim() !== '') yield { kind: 'record', index: index++, line, text };
    }
    parts = [];
    bytes = 0;
    over = false;
  }
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) {
        take(chunk.slice(start));
        break;
      }
      take(chunk.slice(start, nl));
      yield* finish();
      start = nl + 1;
    }
  }
  if (over || parts.length) yield* finish();
}

const QUOTE = 34, BACKSLASH = 92, LBRACKET = 91, RBRACKET = 93, LBRACE = 123, RBRACE = 125, COMMA = 44, NEWLINE = 10;

/** One or more JSON objects one after another, each spanning any number of lines. */
async function* objectRecords(chunks: AsyncIterable<string>, maxRow: number): AsyncGenerator<RecordEvent> {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escape = false;
  let index = 0;
  let parts: string[] | null = null;
  let length = 0;
  let over = false;
  let elementLine = 0;
  for await (const chunk of chunks) {
    let start = parts ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (inString) {
        if (escape) escape = false;
        else if (c === BACKSLASH) escape = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (depth === 0) {
        if (c === LBRACE) {
          depth = 1;
          parts = [];
          length = 0;
          over = false;
          start = i;
          elementLine = line;
        } else if (c !== 32 && c !== 9 && c !== 13 && c !== NEWLINE) {
          yield { kind: 'problem', index, line, message: `expected '{' to start the next JSON object, found '${chunk[i]}'`, fatal: true };
          return;
        }
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === LBRACE || c === LBRACKET) depth++;
      else if (c === RBRACE || c === RBRACKET) {
        if (--depth === 0) {
          const piece = chunk.slice(start, i + 1);
          length += piece.length;
          const text = over || length > maxRow ? '' : parts!.join('') + piece;
          if (over || length > maxRow || (length * 3 > maxRow && utf8Length(text) > maxRow)) {
            yield { kind: 'problem', index: index++, line: elementLine, message: oversize(maxRow), fatal: false, lostRow: true };
          } else yield { kind: 'record', index: index++, line: elementLine, text };
          parts = null;
        }
      }
    }
    if (parts) {
      const piece = chunk.slice(start);
      length += piece.length;
      if (length > maxRow) {
        over = true;
        parts = [];
      } else if (!over) parts.push(piece);
    }
  }
  if (parts) yield { kind: 'problem', index, line, message: `the file ends inside the object that starts on line ${elementLine} (truncated JSON)`, fatal: true, lostRow: true };
}

async function* arrayRecords(chunks: AsyncIterable<string>, maxRow: number): AsyncGenerator<RecordEvent> {
  let line = 1;
  let depth = 0; // 1 = inside the top-level array
  let inString = false;
  let escape = false;
  let closed = false;
  let index = 0;
  let parts: string[] | null = null; // the current element's text, when one is open
  let length = 0; // its length so far (UTF-16 units; the limit is checked in bytes at its end)
  let over = false;
  let elementLine = 0;
  let expectElement = true; // after '[' or ',' an element is due; after an element, ',' or ']'
  for await (const chunk of chunks) {
    let start = parts ? 0 : -1; // where the open element's text begins in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (closed) {
        if (!/\s/.test(chunk[i]!)) {
          yield { kind: 'problem', line, message: 'unexpected text after the end of the JSON array', fatal: true };
          return;
        }
        continue;
      }
      if (inString) {
        if (escape) escape = false;
        else if (c === BACKSLASH) escape = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (depth === 0) {
        if (c === LBRACKET) depth = 1;
        else if (!/\s/.test(chunk[i]!)) {
          yield { kind: 'problem', line, message: `expected '[' to start the JSON array, found '${chunk[i]}'`, fatal: true };
          return;
        }
        continue;
      }
      if (depth === 1 && (c === COMMA || c === RBRACKET)) {
        if (parts) {
          const piece = chunk.slice(start, i);
          if (over || length + piece.length > maxRow || (length + piece.length) * 3 > maxRow && utf8Length(parts.join('') + piece) > maxRow) {
            yield { kind: 'problem', index: index++, line: elementLine, message: oversize(maxRow), fatal: false, lostRow: true };
          } else {
            parts.push(piece);
            yield { kind: 'record', index: index++, line: elementLine, text: parts.join('') };
          }
          parts = null;
          over = false;
          expectElement = false;
        }
        if (c === COMMA) {
          if (expectElement) yield { kind: 'problem', index, line, message: "unexpected ',' (an element is missing)", fatal: false };
          expectElement = true;
        } else {
          if (expectElement && index > 0) yield { kind: 'problem', index, line, message: "trailing ',' before ']'", fatal: false };
          closed = true;
          depth = 0;
        }
        continue;
      }
      if (depth === 1 && !parts) {
        if (/\s/.test(chunk[i]!)) continue;
        parts = [];
        length = 0;
        over = false;
        start = i;
        elementLine = line;
        expectElement = false;
      }
      if (c === QUOTE) inString = true;
      else if (c === LBRACE || c === LBRACKET) depth++;
      else if (c === RBRACE || c === RBRACKET) {
        depth--;
        if (depth < 1) {
          yield { kind: 'problem', index, line, message: `unbalanced '${chunk[i]}'`, fatal: true, lostRow: true };
          return;
        }
      }
    }
    if (parts) {
      const piece = chunk.slice(start);
      length += piece.length;
      if (length > maxRow) {
        over = true;
        parts = [];
      } else if (!over) parts.push(piece);
    }
  }
  if (!closed) {
    const what = parts ? `inside the element that starts on line ${elementLine}` : 'before the closing \']\'';
    yield { kind: 'problem', index, line, message: `the file ends ${what} (truncated JSON array)`, fatal: true, lostRow: parts !== null };
  }
}
