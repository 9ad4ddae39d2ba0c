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

/** Decoded text chunks; throws SizeLimitError as soon as more than maxBytes have been read. */
export async function* textChunks(source: TextSource, maxBytes = DEFAULT_MAX_BYTES): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  for await (const chunk of rawChunks(source)) {
    if (typeof chunk === 'string') {
      bytes += utf8Length(chunk);
      if (bytes > maxBytes) throw new SizeLimitError(maxBytes);
      if (chunk) yield chunk;
    } else if (chunk instanceof Uint8Array) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) throw new SizeLimitError(maxBytes);
      const s = decoder.decode(chunk, { stream: true });
      if (s) yield s;
    } else {
      throw new TypeError(`expected string or Uint8Array chunks, got ${typeof chunk}`);
    }
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

export type RecordEvent =
  | { kind: 'record'; index: number; line: number; text: string }
  /** A problem with the file's structure; `fatal` means nothing after it can be read. */
  | { kind: 'problem'; index?: number; line: number; message: string; fatal: boolean; lostRow?: boolean };

/** Splits a JSON array or JSON-lines text stream into records. */
export async function* jsonRecords(chunks: AsyncIterable<string>): AsyncGenerator<RecordEvent> {
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
    yield { kind: 'problem', line: 1, message: 'the file is empty (expected a JSON array or JSON lines)', fatal: true };
    return;
  }
  const rest: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (pending.length) return { done: false, value: pending.shift()! };
        return it.next();
      },
    }),
  };
  if (first === '[') yield* arrayRecords(rest);
  else yield* lineRecords(rest);
  pending = [];
}

async function* lineRecords(chunks: AsyncIterable<string>): AsyncGenerator<RecordEvent> {
  let carry = '';
  let line = 0;
  let index = 0;
  for await (const chunk of chunks) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop()!;
    for (const p of parts) {
      line++;
      const text = p.endsWith('\r') ? p.slice(0, -1) : p;
      if (text.trim() !== '') yield { kind: 'record', index: index++, line, text };
    }
  }
  line++;
  if (carry.trim() !== '') yield { kind: 'record', index, line, text: carry.endsWith('\r') ? carry.slice(0, -1) : carry };
}

const QUOTE = 34, BACKSLASH = 92, LBRACKET = 91, RBRACKET = 93, LBRACE = 123, RBRACE = 125, COMMA = 44, NEWLINE = 10;

async function* arrayRecords(chunks: AsyncIterable<string>): AsyncGenerator<RecordEvent> {
  let line = 1;
  let depth = 0; // 1 = inside the top-level array
  let inString = false;
  let escape = false;
  let closed = false;
  let index = 0;
  let parts: string[] | null = null; // the current element's text, when one is open
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
          parts.push(chunk.slice(start, i));
          yield { kind: 'record', index: index++, line: elementLine, text: parts.join('') };
          parts = null;
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
    if (parts) parts.push(chunk.slice(start));
  }
  if (!closed) {
    const what = parts ? `inside the element that starts on line ${elementLine}` : 'before the closing \']\'';
    yield { kind: 'problem', index, line, message: `the file ends ${what} (truncated JSON array)`, fatal: true, lostRow: parts !== null };
  }
}
