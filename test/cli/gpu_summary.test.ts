// scripts/gpu-summary.mjs: the GPU check's results.jsonl against issue 13's GPU targets — each target
// met, missed, not measured or not at the target size, the README row, and a bad line skipped with
// its line number. (test/cli/gpu_bundle.test.ts runs it from the bundle on the smoke check's results.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '..', '..', 'scripts', 'gpu-summary.mjs');

function summarize(lines: (object | string)[], machine = 'NVIDIA H200') {
  const file = join(mkdtempSync(join(tmpdir(), 'tract-summary-')), 'results.jsonl');
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return spawnSync(process.execPath, [script, file, machine], { encoding: 'utf8' });
}

const adapter = 'NVIDIA H200 [Node/Dawn]';
const full = [
  { check: 'tract-web gpu-check', mode: 'full', started: '2026-12-08T10:00:00Z', host: 'Linux x86_64', nvidiaSmi: 'GPU 0: NVIDIA H200;', icd: 'NVIDIA ICD /x/nvidia_icd.json' },
  { step: 'info', result: { adapter } },
  { step: 'matmul', result: { adapter, size: 2048, dtype: 'f32', gflops: 30000, kernel: 'tiled 128×128 vec4' } },
  { step: 'matmul', result: { adapter, size: 4096, dtype: 'f32', gflops: 12500, kernel: 'tiled 128×128 vec4' } },
  { step: 'matmul', result: { adapter, size: 4096, dtype: 'f16', accumulate: 'f32', gflops: 15000, kernel: 'tiled 128×128 vec4' } },
  { step: 'score', result: { adapter, V: 32000, N: 64, fusedMs: 0.1, unfusedMs: 0.4, ratio: 4 } },
  { step: 'train', result: { adapter, precision: 'f32', config: { name: 'llama-25M' }, tokensPerSec: 40000, kernels: 'measured' } },
  { step: 'train', result: { adapter, precision: 'mixed', config: { name: 'llama-25M' }, tokensPerSec: 61000, kernels: 'measured' } },
  { step: 'judge', result: { where: 'node', adapter, promptTokens: 200, cotTokens: 64, oursMs: 180, ortMs: 400 } },
  { step: 'run', result: { wallSeconds: 95, split: 'test' } },
];

describe('gpu-summary.mjs', () => {
  it('says per target whether it was met, from the largest matmul size and the faster precision', () => {
    const r = summarize(full);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('## GPU check summary: NVIDIA H200 [Node/Dawn]');
    expect(r.stdout).toMatch(/\| matmul f32, TFLOP\/s \| 12\.5 \| ≥ 10 \| met \| 4096³, tiled 128×128 vec4 \|/);
    expect(r.stdout).toMatch(/\| matmul f16 inputs \(f32 accumulation\), TFLOP\/s \| 15\.0 \| ≥ 20 \| missed \|/);
    expect(r.stdout).toMatch(/\| fused RAIL\/RAFT .* \| 4\.00 \| ≥ 3 \| met \|/);
    expect(r.stdout).toMatch(/\| training ~25M, tokens\/s \| 61000\.0 \| ≥ 50000 \| met \| f32 40000, mixed 61000 \(kernels measured\) \|/);
    expect(r.stdout).toMatch(/\| one judgement .* \| 180\.0 \| ≤ 150 \| missed \|/);
    expect(r.stdout).toMatch(/\| the default tract run, s \| 95\.0 \| ≤ 120 \| met \|/);
    expect(r.stdout).toContain('| NVIDIA H200 | NVIDIA H200 [Node/Dawn] | 12.50 TFLOP/s (f16 15.00) | 61000 tokens/s | 180.0 ms | 95.0 s |');
  });

  it('a smoke check: other sizes are not judged, absent shapes are not measured, a bad line is skipped', () => {
    const smoke = [
      { ...full[0], mode: 'smoke' },
      full[1],
      { step: 'matmul', result: { adapter, size: 128, dtype: 'f32', gflops: 9, kernel: 'vec4x8 8×8' } },
      'not json',
      { step: 'train', status: 'timeout' },
      { step: 'run', result: { wallSeconds: 30, split: 'test' } },
    ];
    const r = summarize(smoke, 'box');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/line 4 is not JSON; skipped/);
    expect(r.stdout).toMatch(/\| matmul f32, TFLOP\/s \| 0\.01 \| ≥ 10 \| not at the target size \| 128³, vec4x8 8×8 \(the target is at 4096³\) \|/);
    expect(r.stdout).toMatch(/\| matmul f16 .* \| — \| ≥ 20 \| not measured \| bench matmul: not run \|/);
    expect(r.stdout).toMatch(/\| training ~25M, tokens\/s \| — \| ≥ 50000 \| not measured \| llama-25M not in bench train \(timeout\) \|/);
    expect(r.stdout).toMatch(/\| the default tract run, s \| — \| ≤ 120 \| not measured \| a smoke run \(not the default\): 30\.0 s/);
  });

  it('without a readable file: exit 2 and why', () => {
    const r = spawnSync(process.execPath, [script, '/nonexistent/results.jsonl'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/results\.jsonl/);
  });
});
