// safetensors (https://github.com/huggingface/safetensors), read and written strictly:
//   u64 little-endian N | N bytes of JSON header | data buffer
// The header is an object: optional "__metadata__" (string → string), and per tensor
// {"dtype", "shape": [non-negative ints], "data_offsets": [begin, end]} with offsets relative to the
// data buffer. Like the reference implementation we require the tensors to tile the data buffer
// exactly (sorted by offset: first begin 0, each begin = the previous end, last end = the buffer's
// length), so no byte is shared, skipped or trailing. The header may be padded with spaces.
// We read F32, F16 and BF16 (converted to f32) and reject every other dtype by name.
import { f16ToF32, f32ToBf16Bits, f32ToF16Bits, bf16ToF32 } from './halfFloat.ts';
import { describeBadWeight, findBadWeight } from './weightCheck.ts';

export type FloatDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element of every dtype the format defines (to name them in errors). */
const KNOWN_DTYPES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
const FLOAT_BYTES: Record<FloatDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** Header longer than this is refused before it is decoded (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export interface SafetensorsEntry {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  /** Byte offsets into the data buffer, [begin, end). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** In file order of the header's keys. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file (8 + N). */
  dataStart: number;
}

export interface SafetensorsTensor {
  dtype: FloatDtype;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER_DEPTH = 16;

/** The deepest nesting of [ and { outside strings of a JSON text (one linear scan). */
export function jsonNesting(text: string): number {
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

const asBytes = (data: ArrayBuffer | Uint8Array): Uint8Array => (data instanceof Uint8Array ? data : new Uint8Array(data));
const describe = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v)?.slice(0, 80) ?? String(v));

/**
 * Parses and validates the header. `fileBytes` is the total file length when `data` holds only a
 * prefix (e.g. the first bytes of a large browser File); by default data's own length.
 */
export function readSafetensorsHeader(data: ArrayBuffer | Uint8Array, options: { fileBytes?: number; maxHeaderBytes?: number } = {}): SafetensorsHeader {
  const bytes = asBytes(data);
  const fileBytes = options.fileBytes ?? bytes.byteLength;
  const limit = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.byteLength < 8) throw new SafetensorsError(`file too short: ${bytes.byteLength} bytes, the header length alone is 8`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > limit) throw new SafetensorsError(`header length ${n} exceeds the limit of ${limit} bytes`);
  if (8 + n > fileBytes) throw new SafetensorsError(`header length ${n} goes beyond the end of the file (${fileBytes} bytes)`);
  if (8 + n > bytes.byteLength) throw new SafetensorsError(`the header (${n} bytes) is not within the ${bytes.byteLength} bytes given`);
  if (n < 2) throw new SafetensorsError(`header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  if (text[0] !== '{') throw new SafetensorsError(`header does not start with '{' (starts with ${JSON.stringify(text.slice(0, 16))})`);
  // A header is 3 levels deep; a deep one would overflow the stack of the messages below.
  const depth = jsonNesting(text);
  if (depth > MAX_HEADER_DEPTH) throw new SafetensorsError(`header JSON is nested ${depth} levels deep (a header has 3)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafetensorsError('header is not a JSON object');
  const dataBytes = fileBytes - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SafetensorsError('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') throw new SafetensorsError(`__metadata__["${k}"] must be a string, got ${describe(s)}`);
        metadata[k] = s;
      }
      continue;
    }
    entries.push(parseEntry(name, v, dataBytes));
  }
  checkTiling(entries, dataBytes);
  return { entries, metadata, dataStart: 8 + n };
}

function parseEntry(name: string, v: unknown, dataBytes: number): SafetensorsEntry {
  const where = `tensor '${name}'`;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SafetensorsError(`${where}: entry must be an object, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw new SafetensorsError(`${where}: unknown field '${k}'`);
  }
  const dtype = o.dtype;
  if (typeof dtype !== 'string') throw new SafetensorsError(`${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!Object.hasOwn(FLOAT_BYTES, dtype)) {
    const kind = Object.hasOwn(KNOWN_DTYPES, dtype) ? 'unsupported' : 'unknown';
    throw new SafetensorsError(`${where}: ${kind} dtype ${dtype} (supported: F32, F16, BF16)`);
  }
  const shape = o.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  const offs = o.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${where}: data_offsets must be [begin, end] non-negative integers, got ${describe(offs)}`);
  }
  const [begin, end] = offs as [number, number];
  if (begin > end) throw new SafetensorsError(`${where}: data_offsets begin ${begin} > end ${end}`);
  if (end > dataBytes) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] out of range (the data buffer has ${dataBytes} bytes)`);
  const elems = (shape as number[]).reduce((a, b) => a * b, 1);
  const need = elems * FLOAT_BYTES[dtype as FloatDtype];
  if (need !== end - begin) {
    throw new SafetensorsError(`${where}: shape [${shape.join(', ')}] × ${dtype} (${FLOAT_BYTES[dtype as FloatDtype]} bytes) = ${need} bytes, but data_offsets span ${end - begin}`);
  }
  return { name, dtype: dtype as FloatDtype, shape: shape as number[], begin, end };
}

function checkTiling(entries: SafetensorsEntry[], dataBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '(start of data)';
  for (const e of sorted) {
    if (e.begin < at) throw new SafetensorsError(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap ${prev}, which ends at ${at}`);
    if (e.begin > at) throw new SafetensorsError(`tensor '${e.name}': data_offsets begin ${e.begin} leaves a gap after ${prev}, which ends at ${at}`);
    at = e.end;
    prev = `tensor '${e.name}'`;
  }
  if (at !== dataBytes) throw new SafetensorsError(`${dataBytes - at} bytes after the last tensor are not described by the header (data buffer ${dataBytes} bytes, tensors end at ${at})`);
}

/** Decodes one tensor of a whole file (as validated by readSafetensorsHeader) to f32. */
export function decodeTensor(data: ArrayBuffer | Uint8Array, header: SafetensorsHeader, entry: SafetensorsEntry): Float32Array {
  const bytes = asBytes(data);
  const start = header.dataStart + entry.begin;
  // An aligned copy (not bytes.slice: on a Node Buffer that is a view into a shared pool).
  const raw = new Uint8Array(entry.end - entry.begin);
  raw.set(bytes.subarray(start, header.dataStart + entry.end));
  switch (entry.dtype) {
    case 'F32':
      return new Float32Array(raw.buffer);
    case 'F16': {
      const h = new Uint16Array(raw.buffer);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = f16ToF32(h[i]);
      return out;
    }
    case 'BF16': {
      const h = new Uint16Array(raw.buffer);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = bf16ToF32(h[i]);
      return out;
    }
  }
}

/** Reads a whole file: every tensor converted to f32 (NaN/±Inf refused unless allowNonFinite: the
 *  conversions' own tests need them), plus the metadata. */
export function readSafetensors(data: ArrayBuffer | Uint8Array, options: { maxHeaderBytes?: number; allowNonFinite?: boolean } = {}): SafetensorsFile {
  const bytes = asBytes(data);
  const header = readSafetensorsHeader(bytes, options);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of header.entries) {
    const data = decodeTensor(bytes, header, e);
    // NaN/Inf is never a valid weight (the model readers also bound the magnitude).
    const bad = options.allowNonFinite ? null : findBadWeight(data);
    if (bad) throw new SafetensorsError(describeBadWeight(e.name, bad));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata: header.metadata };
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
  /** Stored dtype; default the writer's `dtype` option. */
  dtype?: FloatDtype;
}

export interface WriteOptions {
  /** Default stored dtype (F32). F16/BF16 round to nearest even; F16 overflows to ±Inf. */
  dtype?: FloatDtype;
  /** 'given' keeps the caller's order (our layout order); 'sorted' orders by name. Default 'given'. */
  order?: 'given' | 'sorted';
}

/** Writes a file; the header is padded with spaces so the data buffer starts at a multiple of 8. */
export function writeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = {}, options: WriteOptions = {}): Uint8Array {
  const list = options.order === 'sorted' ? [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : tensors;
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string`);
    header.__metadata__ = metadata;
  }
  let at = 0;
  const seen = new Set<string>();
  const plan = list.map((t) => {
    if (t.name === '__metadata__' || t.name === '') throw new SafetensorsError(`'${t.name}' cannot be a tensor name`);
    if (seen.has(t.name)) throw new SafetensorsError(`tensor '${t.name}' given twice`);
    seen.add(t.name);
    const dtype = t.dtype ?? options.dtype ?? 'F32';
    if (!Object.hasOwn(FLOAT_BYTES, dtype)) throw new SafetensorsError(`tensor '${t.name}': cannot write dtype ${dtype}`);
    const elems = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || elems !== t.data.length) {
      throw new SafetensorsError(`tensor '${t.name}': shape [${t.shape.join(', ')}] does not match its ${t.data.length} values`);
    }
    const begin = at;
    at += elems * FLOAT_BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [begin, at] };
    return { t, dtype, begin };
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + at);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, n % 2 ** 32, true);
  dv.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  // Byte copies: a tensor after an odd-length F16 one is not 4-byte aligned. (Typed arrays are
  // little-endian on every platform we run on, as the format requires.)
  for (const { t, dtype, begin } of plan) {
    let raw: Uint8Array;
    if (dtype === 'F32') raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    else {
      const h = new Uint16Array(t.data.length);
      const conv = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
      for (let i = 0; i < t.data.length; i++) h[i] = conv(t.data[i]);
      raw = new Uint8Array(h.buffer);
    }
    out.set(raw, 8 + n + begin);
  }
  return out;
}
