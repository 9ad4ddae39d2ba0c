// Where interop reads files from, without a file system: a name, a size and ranged reads. A browser
// File (or any Blob) reads its slices lazily, so a multi-gigabyte checkpoint can be checked from its
// headers before anything large is read; Node paths come from src/cli/files.ts (pathSource).

import { jsonDepth } from '../data/jsonRecords.ts';

export interface FileSource {
  /** The file name (no directories): how an import recognises config.json, shards, … */
  readonly name: string;
  readonly size: number;
  /** Bytes [start, end) (default: the whole file). */
  read(start?: number, end?: number): Promise<Uint8Array>;
}

/** A file held in memory. */
export function bytesSource(name: string, bytes: Uint8Array | ArrayBuffer | string): FileSource {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: data.byteLength,
    read: async (start = 0, end = data.byteLength) => data.subarray(start, end),
  };
}

/** A browser File or Blob (File API): slices are read on demand. */
export function blobSource(blob: Blob, name?: string): FileSource {
  const fileName = name ?? (blob as Blob & { name?: string }).name ?? 'blob';
  // webkitRelativePath ("dir/model.safetensors") when a whole folder was picked: keep the base name.
  const base = fileName.split('/').pop() ?? fileName;
  return {
    name: base,
    size: blob.size,
    read: async (start = 0, end = blob.size) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
  };
}

/** Reads a whole source as UTF-8 text. */
export async function readText(f: FileSource): Promise<string> {
  return new TextDecoder().decode(await f.read());
}

/** JSON files of a model folder (config, index, tokenizer) larger than this are refused unread:
 *  the largest real tokenizer.json files are tens of MB. */
export const MAX_JSON_BYTES = 256 * 2 ** 20;

/** Parses a source as JSON; the error names the file (too large, not UTF-8, not JSON). */
export async function readJson(f: FileSource): Promise<unknown> {
  if (f.size > MAX_JSON_BYTES) throw new InteropError(`${f.name}: ${f.size} bytes is too large for a JSON file of a model (limit ${MAX_JSON_BYTES})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await f.read());
  } catch {
    throw new InteropError(`${f.name}: not valid UTF-8 text`);
  }
  // Model-folder JSON is shallow (tokenizer.json: ~5 levels); a deep one would overflow the stack of
  // whatever walks it (a message's JSON.stringify, a validator).
  const depth = jsonDepth(text);
  if (depth > 64) throw new InteropError(`${f.name}: JSON nested ${depth} levels deep (limit 64)`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InteropError(`${f.name}: not valid JSON (${(e as Error).message})`);
  }
}

/** Every interop refusal: the message names the file and what is wrong or unsupported. */
export class InteropError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InteropError';
  }
}
