// The CLI's checks on paths before anything is read or written, and its one way to write a file.
//   inputFile:  only regular files are read (a FIFO or a device would block forever; a folder where a
//               file is wanted gets a clear message, not a bare EISDIR).
//   outputDir / outputFile: refused at once when the place is a pseudo file system (/proc, /sys,
//               /dev: a recursive mkdir there can spin forever), is a file where a folder is wanted
//               (or the other way round), or is not writable.
//   writeFileAtomic: a temporary name in the same folder, written, flushed, renamed over the target;
//               on any failure the temporary is removed and the target is left as it was.
import { constants, statSync, statfsSync, type Stats } from 'node:fs';
import { access, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UsageError } from './args.ts';

/** statfs magic numbers of Linux pseudo file systems (linux/magic.h) a tool must not write into. */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x1cd1: 'devpts',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x6165676c: 'pstore',
  0x65735543: 'fusectl',
};
/** Folders refused by name (devtmpfs reports itself as tmpfs). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

function kindOf(s: Stats): string {
  if (s.isFile()) return 'a file';
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * A path to read: it must exist and be a regular file (or, with `allowDir`, a folder). Returns the
 * resolved path. Throws UsageError naming the flag.
 */
export function inputFile(spec: string, flag: string, o: { allowDir?: boolean } = {}): string {
  const path = resolve(spec);
  let s: Stats | null;
  try {
    s = statOrNull(path);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read '${spec}': ${(e as Error).message}`);
  }
  if (!s) throw new UsageError(`${flag}: no such file '${spec}'`);
  if (s.isFile()) return path;
  if (s.isDirectory()) {
    if (o.allowDir) return path;
    throw new UsageError(`${flag}: '${spec}' is a folder; give a file`);
  }
  throw new UsageError(`${flag}: '${spec}' is ${kindOf(s)}, not a regular file: refusing to read it (it could block forever)`);
}

/** Why `path` (resolved) lies on a pseudo file system, or null. `probe` is an existing ancestor. */
function pseudoFs(path: string, probe: string): string | null {
  for (const root of PSEUDO_ROOTS) if (path === root || path.startsWith(root + sep)) return `${root} is a special file system`;
  try {
    const name = PSEUDO_FS[Number(statfsSync(probe).type)];
    if (name) return `it lies on a special file system (${name})`;
  } catch {
    // statfs unavailable: the name check above is what we have.
  }
  return null;
}

/** The nearest existing ancestor of a resolved path (the path itself when it exists). */
function existingAncestor(path: string): { at: string; stats: Stats } {
  let at = path;
  for (;;) {
    const s = statOrNull(at);
    if (s) return { at, stats: s };
    const up = dirname(at);
    if (up === at) throw new Error(`no existing folder above '${path}'`);
    at = up;
  }
}

async function checkWritable(dir: string, flag: string, spec: string): Promise<void> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${flag}: cannot write into '${spec}': the folder ${dir} is not writable`);
  }
}

/** An output folder: checked, then created (with its parents). Returns the resolved path. */
export async function outputDir(spec: string, flag = '--out'): Promise<string> {
  const path = resolve(spec);
  const { at, stats } = existingAncestor(path);
  const special = pseudoFs(path, at);
  if (special) throw new UsageError(`${flag}: cannot write into '${spec}': ${special}`);
  if (!stats.isDirectory()) {
    throw new UsageError(at === path ? `${flag}: '${spec}' is ${kindOf(stats)}, not a folder` : `${flag}: cannot create '${spec}': ${at} is ${kindOf(stats)}, not a folder`);
  }
  await checkWritable(at, flag, spec);
  await mkdir(path, { recursive: true });
  return path;
}

/** An output file: its folder must exist and be writable; an existing target must be a regular file. */
export async function outputFile(spec: string, flag = '--out'): Promise<string> {
  const path = resolve(spec);
  const dir = dirname(path);
  const d = statOrNull(dir);
  const special = pseudoFs(path, d ? dir : existingAncestor(dir).at);
  if (special) throw new UsageError(`${flag}: cannot write '${spec}': ${special}`);
  if (!d) throw new UsageError(`${flag}: folder '${dirname(spec)}' does not exist`);
  if (!d.isDirectory()) throw new UsageError(`${flag}: cannot write '${spec}': ${dir} is not a folder`);
  const s = statOrNull(path);
  if (s && !s.isFile()) throw new UsageError(`${flag}: '${spec}' is ${kindOf(s)}; give a file name`);
  await checkWritable(dir, flag, spec);
  return path;
}

export type AtomicData = Uint8Array | string | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/**
 * Writes `data` to `path` so that a reader sees the old file or the whole new one, never a part:
 * a temporary file beside it (same folder, so the rename stays on one file system), flushed to
 * disk, then renamed over `path`. A failure (disk full, a throwing data source) removes the
 * temporary and rethrows; `path` keeps its old contents. Data may be given in chunks.
 */
export async function writeFileAtomic(path: string, data: AtomicData): Promise<void> {
  const tmp = await writeTemp(path, data);
  await renameInto(tmp, path);
}

/**
 * Writes several files into one folder so that either all of them are replaced or none is: every
 * file goes to its temporary name first (a full disk fails here, and every temporary is removed),
 * and only then are they renamed into place (renames need no space).
 */
export async function writeFilesAtomic(dir: string, files: { name: string; data: AtomicData }[]): Promise<void> {
  const done: { tmp: string; path: string }[] = [];
  try {
    for (const f of files) {
      const path = join(dir, f.name);
      done.push({ tmp: await writeTemp(path, f.data), path });
    }
  } catch (e) {
    await Promise.all(done.map((d) => unlink(d.tmp).catch(() => undefined)));
    throw e;
  }
  for (const d of done) await renameInto(d.tmp, d.path);
}

/** `data` written and flushed to a fresh temporary name beside `path`; returns that name. */
async function writeTemp(path: string, data: AtomicData): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const fh = await open(tmp, 'wx');
  let ok = false;
  try {
    const chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
    for await (const c of chunks as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      let at = 0;
      while (at < bytes.byteLength) at += (await fh.write(bytes, at, bytes.byteLength - at)).bytesWritten;
    }
    await fh.sync();
    ok = true;
  } finally {
    await fh.close().catch(() => undefined);
    if (!ok) await unlink(tmp).catch(() => undefined);
  }
  return tmp;
}

/** Renames a flushed temporary over `path` (removing it on failure) and flushes the folder. */
async function renameInto(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  // The rename itself reaches the disk with the folder's entry (best effort: not every platform
  // lets a folder be opened for fsync).
  try {
    const d = await open(dirname(path), 'r');
    await d.sync().finally(() => d.close());
  } catch {
    // ignored: the data is already flushed; only the rename's durability is at stake
  }
}
