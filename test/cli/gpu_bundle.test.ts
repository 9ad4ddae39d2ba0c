// The GPU check bundle (issue 13): scripts/gpu-bundle.sh builds it, and scripts/gpu-check.sh --smoke
// runs every step of it here on lavapipe from a temporary folder, with a clean environment and a
// `node` on PATH that fails: the check must use the bundle's own Node, Dawn, loader and models, or
// this test fails. About a minute (the bundle at xz level 0, then tiny sizes).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/vulkan-env.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'tract-gpu-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

type Line = Record<string, unknown> & { step?: string; status?: string; result?: Record<string, unknown> };

describe('GPU check bundle', () => {
  it('gpu-check.sh without a bundle says how to build one (exit 2)', () => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts', 'gpu-check.sh'), '--smoke', '--bundle', join(tmp, 'none')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no bundle in .*none.*scripts\/gpu-bundle\.sh/);
  });

  it('builds, and its --smoke check passes every step with its own node on lavapipe', () => {
    const bundle = join(tmp, 'bundle');
    const b = spawnSync('bash', [join(repoRoot, 'scripts', 'gpu-bundle.sh'), '--out', bundle], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, TRACT_BUNDLE_XZ_LEVEL: '0' },
      timeout: 300_000,
    });
    expect(b.status, b.stderr).toBe(0);
    // At xz level 0 the bundle is larger than the default level-6 one: under the limit here, under it there.
    expect(folderBytes(bundle)).toBeLessThan(60 * 2 ** 20);
    const manifest = readFileSync(join(bundle, 'MANIFEST.txt'), 'utf8');
    for (const f of ['tract.mjs', 'dawn.node', 'libvulkan.so.1', 'ort-wasm-simd-threaded.wasm', 'base.safetensors', 'tract-judge.safetensors', 'gpu-summary.mjs']) expect(manifest).toContain(f);

    const fakeBin = join(tmp, 'fakebin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\necho "gpu-check ran the system node" >&2\nexit 99\n');
    chmodSync(join(fakeBin, 'node'), 0o755);
    // The driver is found as on the GPU machine, by searching ICD folders for nvidia*.json: here one
    // planted there that names lavapipe (whose own libraries come through LD_LIBRARY_PATH).
    const icdDir = join(tmp, 'icd.d');
    mkdirSync(icdDir);
    writeFileSync(join(icdDir, 'nvidia_icd.json'), readFileSync(join(repoRoot, '.vulkan', 'lvp_icd.json')));
    const lavapipeLibs = readFileSync(join(repoRoot, '.vulkan', 'libdir'), 'utf8').trim();
    const results = join(tmp, 'results');
    const c = spawnSync(
      'env',
      ['-i', `PATH=${fakeBin}:/usr/bin:/bin`, `TMPDIR=${tmp}`, `TRACT_GPU_ICD_DIRS=/nonexistent ${icdDir}`, `LD_LIBRARY_PATH=${lavapipeLibs}`,
        'bash', join(bundle, 'gpu-check.sh'), '--smoke', '--out', results],
      { encoding: 'utf8', timeout: 600_000 }, // the smoke budget is 480 s (gpu-check.sh)
    );
    const text = (() => {
      try {
        return readFileSync(join(results, 'results.jsonl'), 'utf8');
      } catch {
        return '';
      }
    })();
    expect(c.status, `${c.stderr}\n${text}`).toBe(0);
    expect(c.stderr).not.toMatch(/system node/);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines[0].icd).toBe(`NVIDIA ICD ${join(icdDir, 'nvidia_icd.json')}`);
    const status = Object.fromEntries(lines.filter((l) => l.status && l.step).map((l) => [l.step, l.status]));
    expect(status).toEqual({ info: 'ok', matmul: 'ok', kernels: 'ok', score: 'ok', train: 'ok', generate: 'ok', judge: 'ok', 'judge-cli': 'ok', run: 'ok' });
    const results_ = (step: string) => lines.filter((l) => l.step === step && l.result).map((l) => l.result!);
    expect(String(results_('info')[0].adapter)).toMatch(/llvmpipe/);
    const matmul = results_('matmul');
    expect(matmul.filter((r) => r.size && r.dtype === 'f32').map((r) => r.size)).toEqual([64, 128]);
    // lavapipe has shader-f16: the f16-input kernel is timed beside f32 at each size.
    expect(matmul.filter((r) => r.dtype === 'f16').map((r) => [r.size, r.accumulate])).toEqual([[64, 'f32'], [128, 'f32']]);
    // Then the autotuner's timing of every candidate at the same sizes (Node only in the bundle).
    expect(matmul.filter((r) => r.kind === 'tuning').map((r) => r.shape)).toEqual(['64×64×64', '128×128×128']);
    for (const r of matmul) expect(r.gflops).toBeGreaterThan(0);
    const kernels = results_('kernels')[0] as { matmulTuning: { entries: unknown[] }; attentionTuning: { entries: { choice: string }[] } };
    expect(kernels.matmulTuning.entries.length).toBeGreaterThan(50);
    expect(kernels.attentionTuning.entries.length).toBeGreaterThanOrEqual(5);
    expect(results_('score').map((r) => r.V)).toEqual([32000, 512]);
    const train = results_('train');
    // f32, then mixed precision (lavapipe has shader-f16), side by side.
    expect(train.map((t) => [(t.config as { name: string }).name, t.precision])).toEqual([['stories260K', 'f32'], ['stories260K', 'mixed']]);
    for (const t of train) expect(t.tokensPerSec).toBeGreaterThan(0);
    expect(results_('generate').length).toBe(4);
    const judge = results_('judge');
    expect(judge[0].where).toBe('node');
    expect(judge[0].oursMs).toBeGreaterThan(0);
    expect(results_('judge-cli')).toHaveLength(1);
    const run = results_('run')[0] as { wallSeconds: number; pearson: Record<string, unknown> };
    expect(run.wallSeconds).toBeGreaterThan(0);
    expect(Object.keys(run.pearson).sort()).toEqual(['label-raft-rail', 'tract-cotrail']);
    expect(readFileSync(join(results, 'run-report.md'), 'utf8')).toMatch(/tract-cotrail/);
    // The summary against the GPU targets (gpu-summary.mjs from the bundle), also last on stdout.
    const summaryMd = readFileSync(join(results, 'summary.md'), 'utf8');
    expect(summaryMd).toMatch(/^## GPU check summary: llvmpipe/);
    expect(summaryMd).toMatch(/\| matmul f32, TFLOP\/s \| [0-9.]+ \| ≥ 10 \| not at the target size \| 128³/);
    expect(summaryMd).toMatch(/\| one judgement .* \| [0-9.]+ \| ≤ 150 \| (met|missed) \|/);
    expect(c.stdout.trimEnd().endsWith(summaryMd.trimEnd())).toBe(true);
    const summary = lines.at(-1)!.summary as { failed: string };
    expect(summary.failed).toBe('');
  }, 720_000);
});
