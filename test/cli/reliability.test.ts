// Issue 16, items 2 and 4 (the CLI side): no hang on special paths, only regular files read, quiet
// EPIPE, and files never written half (writeFileAtomic with an injected failure, and a real full
// disk on a tiny tmpfs when this runs as root and may mount one).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inputFile, outputDir, outputFile, writeFileAtomic, writeFilesAtomic } from '../../src/cli/paths.ts';
import { jsonDepth } from '../../src/cli/jsonInput.ts';
import { repoRoot } from '../../scripts/vulkan-env.mjs';
import { tract } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tract-rel-'));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'x');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A hang shows as a timeout (status null), which these assertions reject.
const quick = { timeoutMs: 90_000 };

describe('path checks (in process)', () => {
  it('inputFile refuses FIFOs, folders and missing files by flag', () => {
    expect(() => inputFile(fifo, '--input')).toThrow(/--input: '.*fifo' is a FIFO \(named pipe\), not a regular file/);
    expect(() => inputFile(dir, '--input')).toThrow(/--input: '.*' is a folder; give a file/);
    expect(inputFile(dir, '--checkpoint', { allowDir: true })).toBe(dir);
    expect(() => inputFile(join(dir, 'nope'), '--config')).toThrow(/--config: no such file/);
    expect(() => inputFile('/dev/null', '--input')).toThrow(/is a device/);
  });
  it('outputDir refuses /proc, /sys, /dev, a file, a path under a file, and an unwritable folder', async () => {
    await expect(outputDir('/proc/x')).rejects.toThrow(/--out: cannot write into '\/proc\/x': \/proc is a special file system/);
    await expect(outputDir('/sys/kernel/x')).rejects.toThrow(/special file system/);
    await expect(outputDir('/dev/shm/x/y')).rejects.toThrow(/\/dev is a special file system/);
    await expect(outputDir(aFile)).rejects.toThrow(/is a file, not a folder/);
    await expect(outputDir(join(aFile, 'sub'))).rejects.toThrow(/cannot create '.*sub': .*a-file is a file, not a folder/);
    const made = await outputDir(join(dir, 'new', 'deeper'));
    expect(existsSync(made)).toBe(true);
    await expect(outputFile(fifo)).rejects.toThrow(/is a FIFO/);
    await expect(outputFile(join(dir, 'missing', 'x.jsonl'))).rejects.toThrow(/folder '.*missing' does not exist/);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'ro');
      execFileSync('mkdir', ['-m', '555', ro]);
      await expect(outputDir(join(ro, 'x'))).rejects.toThrow(/not writable/);
    }
  });
  it('jsonDepth counts nesting outside strings in one pass', () => {
    expect(jsonDepth('{"a": [1, {"b": "[[[{{{"}]}')).toBe(3);
    expect(jsonDepth('['.repeat(100_000) + ']'.repeat(100_000))).toBe(100_000);
    expect(jsonDepth('"\\"[" ')).toBe(0);
  });
});

describe('writeFileAtomic', () => {
  it('writes, and on an injected failure mid-write leaves the old file and no temporary', async () => {
    const target = join(dir, 'atomic.bin');
    await writeFileAtomic(target, 'old contents');
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    async function* failing() {
      yield new Uint8Array(1000).fill(65);
      const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      throw e;
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    expect(readdirSync(dir).filter((n) => n.includes('atomic.bin') && n !== 'atomic.bin')).toEqual([]);
    await writeFileAtomic(target, ['new ', new TextEncoder().encode('contents')]);
    expect(readFileSync(target, 'utf8')).toBe('new contents');
  });

  it('writeFilesAtomic replaces every file of a folder or none (injected failure in the second)', async () => {
    const out = join(dir, 'export');
    execFileSync('mkdir', ['-p', out]);
    await writeFilesAtomic(out, [{ name: 'config.json', data: 'old config' }, { name: 'model.safetensors', data: 'old weights' }]);
    async function* failing() {
      yield 'half of the new weights';
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    await expect(writeFilesAtomic(out, [{ name: 'config.json', data: 'new config' }, { name: 'model.safetensors', data: failing() }])).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('old config');
    expect(readFileSync(join(out, 'model.safetensors'), 'utf8')).toBe('old weights');
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);
    await writeFilesAtomic(out, [{ name: 'config.json', data: 'new config' }, { name: 'model.safetensors', data: 'new weights' }]);
    expect(readFileSync(join(out, 'model.safetensors'), 'utf8')).toBe('new weights');
  });

  it('a full disk (64 KiB tmpfs when root may mount one) leaves no partial export', async () => {
    const mnt = join(dir, 'tmpfs');
    execFileSync('mkdir', ['-p', mnt]);
    const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status === 0;
    try {
      if (mounted) {
        // tract export writes ~1 MB of F32 weights: the disk fills in model.safetensors.
        const r = tract(['export', '--checkpoint', join(repoRoot, 'public/base/base.safetensors'), '--format', 'hf', '--out', join(mnt, 'hf'), '--no-verify'], quick);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/ENOSPC|no space/i);
        // Nothing of the export is there: no partial weights, no config.json without them, no temporary.
        expect(readdirSync(join(mnt, 'hf'))).toEqual([]);
        // An old file survives a failed overwrite.
        writeFileSync(join(mnt, 'old.txt'), 'kept');
        await expect(writeFileAtomic(join(mnt, 'old.txt'), new Uint8Array(200_000))).rejects.toThrow(/ENOSPC/);
        expect(readFileSync(join(mnt, 'old.txt'), 'utf8')).toBe('kept');
        expect(readdirSync(mnt).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      } else {
        // No tmpfs here: the same check with the disk-full error injected (see the test above).
        console.log('full-disk test: no tmpfs mount available (not root); using an injected ENOSPC');
        const target = join(dir, 'old.txt');
        writeFileSync(target, 'kept');
        const src = (async function* () {
          yield new Uint8Array(10);
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        })();
        await expect(writeFileAtomic(target, src)).rejects.toThrow(/ENOSPC/);
        expect(readFileSync(target, 'utf8')).toBe('kept');
      }
    } finally {
      if (mounted) spawnSync('umount', [mnt]);
    }
  }, 120_000);
});

describe('the CLI on special paths (child processes; a hang fails by timeout)', () => {
  it('--out /proc/x and --out <file> are refused at once (export, run)', () => {
    const e = tract(['export', '--checkpoint', 'public/base/base.safetensors', '--format', 'hf', '--out', '/proc/x'], quick);
    expect(e.status, e.stderr).toBe(2);
    expect(e.stderr).toMatch(/--out: cannot write into '\/proc\/x': \/proc is a special file system/);
    const r = tract(['run', '--quick', '--out', aFile], quick);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--out: '.*a-file' is a file, not a folder/);
  });
  it('a FIFO as --input, --checkpoint or --config is refused; a folder as --input is named', () => {
    const j1 = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', fifo], quick);
    expect(j1.stderr).toMatch(/--input: '.*fifo' is a FIFO/);
    const j2 = tract(['judge', '--checkpoint', fifo, '--input', 'docs/example.json'], quick);
    expect(j2.stderr).toMatch(/--checkpoint: '.*fifo' is a FIFO/);
    const j3 = tract(['run', '--quick', '--config', fifo], quick);
    expect(j3.stderr).toMatch(/--config: '.*fifo' is a FIFO/);
    const j4 = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', dir], quick);
    expect(j4.stderr).toMatch(/--input: '.*' is a folder; give a file/);
    expect(j4.stderr).not.toMatch(/EISDIR/);
    const j5 = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', 'docs/example.json', '--report', fifo], quick);
    expect(j5.stderr).toMatch(/--report: '.*fifo' is a FIFO/);
    for (const r of [j1, j2, j3, j4, j5]) expect(r.status).toBe(2);
  });
  it('piped into a reader that has gone, a command exits quietly (no EPIPE trace)', () => {
    const r = spawnSync('bash', ['-c', `node bin/tract.mjs data rubric-lab --seed 3 --out ${join(dir, 'x.jsonl')} --json | true; echo "status \${PIPESTATUS[0]}" >&2`], { cwd: repoRoot, encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toMatch(/status 0/);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });
  it('judge --input: a 100k-deep JSON, invalid UTF-8 and an oversized prompt get clear answers', () => {
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, '['.repeat(100_000) + ']'.repeat(100_000));
    const d = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', deep], quick);
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/deep\.json: JSON nested 100000 levels deep .*limit 64/);
    const bad = join(dir, 'bad-utf8.json');
    writeFileSync(bad, Buffer.concat([Buffer.from(readFileSync(join(repoRoot, 'docs/example.json'), 'utf8').slice(0, 40)), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    const u = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', bad], quick);
    expect(u.status).toBe(1);
    expect(u.stderr).toMatch(/bad-utf8\.json: not valid UTF-8 text/);
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ ...JSON.parse(readFileSync(join(repoRoot, 'docs/example.json'), 'utf8')), response: 'word '.repeat(200_000) }));
    const g = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', big, '--greedy', '--json'], quick);
    expect(g.status, g.stderr).toBe(0);
    expect(g.stderr).toMatch(/warning: the prompt was cut to fit the context/);
    const out = JSON.parse(g.stdout);
    expect(out.prompt.cut).toBe(true);
    expect(out.warnings.join('\n')).toMatch(/the prompt was cut to fit/);
  });
  it('a model file over 2 GiB is refused by size, not with a raw RangeError', () => {
    const big = join(dir, 'huge.bin');
    execFileSync('truncate', ['-s', '3G', big]); // sparse: no disk used
    const r = tract(['generate', '--checkpoint', big], quick);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/huge\.bin: 3221225472 bytes is more than one model file the CLI reads/);
    rmSync(big);
  });
  it('sizes in flags and --config are checked before use, naming the flag or field', () => {
    const j = tract(['judge', '--checkpoint', 'public/judge/tract-judge.safetensors', '--input', 'docs/example.json', '--max-cot-tokens', '100000'], quick);
    expect(j.status, j.stderr).toBe(2);
    expect(j.stderr).toMatch(/--max-cot-tokens 100000 must be less than the model's context of \d+ tokens/);
    expect(j.stderr).not.toMatch(/row-0/);
    const proto = join(dir, 'proto.json');
    writeFileSync(proto, '{"__proto__": {"eval": {"batch": 0}}}');
    const r = tract(['run', '--quick', '--config', proto, '--out', join(dir, 'run')], quick);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/proto\.json: unknown section '__proto__'/);
    const deep = join(dir, 'deep-config.json');
    writeFileSync(deep, `{"methods": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const d = tract(['run', '--quick', '--config', deep, '--out', join(dir, 'run')], quick);
    expect(d.status, d.stderr).toBe(1);
    expect(d.stderr).toMatch(/deep-config\.json: JSON nested 100001 levels deep \(limit 64\)/);
    expect(d.stderr).not.toMatch(/call stack/);
  });
});
