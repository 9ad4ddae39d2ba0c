// An output JSONL file that a rerun continues (`tract judge --out`): line i is the input's row i,
// whole lines are appended one batch of rows at a time, each batch with one write and then flushed
// to disk. An interrupted run leaves complete lines and at most one torn last line (no '\n' after
// it); the next run drops the torn bytes, checks that the complete lines are the input's first rows
// (same ids, same order), and goes on after them — so no row is written twice or skipped.
import { existsSync } from 'node:fs';
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { InputError } from './errors.ts';

export interface ResumableOut {
  /** Rows already written (complete lines kept from an earlier run). */
  done: number;
  /** Bytes of a torn last line that were dropped (0 when none). */
  dropped: number;
  /** Appends whole lines (one write, then fsync). */
  append(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `path` (shown as `shown` in errors) to continue writing the rows of `ids`: its complete
 * lines must each be a JSON object whose id is the input's id at that position.
 */
export async function openResumable(path: string, shown: string, ids: readonly string[]): Promise<ResumableOut> {
  let done = 0;
  let dropped = 0;
  if (existsSync(path)) {
    const bytes = await readFile(path);
    const end = bytes.lastIndexOf(0x0a) + 1; // after the last '\n'; 0 when there is none
    dropped = bytes.length - end;
    const text = new TextDecoder().decode(bytes.subarray(0, end));
    const lines = text === '' ? [] : text.slice(0, -1).split('\n');
    if (lines.length > ids.length) {
      throw new InputError(`${shown} already holds ${lines.length} rows but the input has ${ids.length}: it is another input's output (remove it or choose another --out)`, { where: { file: shown } });
    }
    lines.forEach((line, i) => {
      let id: unknown;
      try {
        id = (JSON.parse(line) as { id?: unknown }).id;
      } catch {
        throw new InputError(`${shown}:${i + 1}: not a JSON line (a complete line that does not parse: the file was changed by hand?); remove it to start again`, { where: { file: shown, line: i + 1, row: i } });
      }
      if (id !== ids[i]) {
        throw new InputError(`${shown}:${i + 1}: holds row ${JSON.stringify(id)} where the input's row ${i} is ${JSON.stringify(ids[i])}: it is another input's output (remove it or choose another --out)`, { where: { file: shown, line: i + 1, row: i, field: 'id' } });
      }
    });
    if (dropped > 0) await truncate(path, end);
    done = lines.length;
  }
  let fh: FileHandle | null = await open(path, 'a');
  return {
    done,
    dropped,
    async append(lines) {
      if (!lines.length) return;
      // One buffer for the batch; a short write is continued (never a second, interleaved line).
      const bytes = Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
      let at = 0;
      while (at < bytes.byteLength) at += (await fh!.write(bytes, at, bytes.byteLength - at)).bytesWritten;
      await fh!.sync();
    },
    async close() {
      await fh?.close();
      fh = null;
    },
  };
}
