// Reading a small JSON file the user names (--input example, --config, tokenizer_config.json) with
// every failure named: not a regular file, too large, not UTF-8, nested deeper than any such file
// is (a 100k-deep input would overflow the stack of whatever walks it: JSON.stringify, toString,
// validation), or not JSON. Each is an InputError naming the file (exit status 1; --json gets
// {error: 'input', file, message}).
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { inputFile } from './paths.ts';
import { jsonDepth } from '../data/jsonRecords.ts';
import { InputError } from './errors.ts';

export { jsonDepth };

/** Deeper JSON than this is refused before parsing (an example nests 3 levels, a config 2). */
export const MAX_JSON_DEPTH = 64;

/** Parses JSON text, refusing deep nesting first; errors name `where`. */
export function parseJsonText(text: string, where: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const depth = jsonDepth(text);
  if (depth > maxDepth) throw new InputError(`${where}: JSON nested ${depth} levels deep (limit ${maxDepth})`, { where: { file: where } });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON: ${(e as Error).message}`, { where: { file: where } });
  }
}

/** Reads and parses a JSON file given by a flag; `spec` is what the user typed (named in errors). */
export async function readJsonFile(spec: string, flag: string, o: { maxBytes?: number; maxDepth?: number } = {}): Promise<unknown> {
  const path = inputFile(spec, flag);
  const maxBytes = o.maxBytes ?? 64 * 2 ** 20;
  const size = statSync(path).size;
  if (size > maxBytes) throw new InputError(`${spec}: ${size} bytes is more than a ${flag} file can be (limit ${maxBytes} bytes)`, { where: { file: spec } });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path));
  } catch {
    throw new InputError(`${spec}: not valid UTF-8 text`, { where: { file: spec } });
  }
  return parseJsonText(text, spec, o.maxDepth);
}
