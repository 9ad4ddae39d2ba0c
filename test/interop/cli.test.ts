// `tract export` on a small checkpoint made here: the HF folder and the ONNX files are written and
// checked by the command itself, and `tract judge` on the exported folder gives the judgement the
// original checkpoint gives.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/model/config.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { tract } from '../helpers/cli.ts';
import { randomParams, tinyBpe } from './fixtures.ts';

describe('tract export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-export-'));
  const tok = tinyBpe();
  const config = makeConfig({ dim: 32, hiddenDim: 48, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tok.vocabSize, seqLen: 160 });
  const ckpt = join(dir, 'judge.safetensors');
  writeFileSync(ckpt, saveCheckpoint({ config, params: randomParams(config, 21), tokenizer: tok.describe() }));

  it('--format hf writes a folder that imports back bit-identically and judges as the checkpoint does', () => {
    const out = join(dir, 'hf');
    const r = tract(['export', '--checkpoint', ckpt, '--format', 'hf', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*hf: config\.json \(.*\), model\.safetensors \(.*\)/);
    expect(r.stdout).toMatch(/checked: .* imports back to the same [\d,]+ parameters \(bit-identical, interleaved RoPE\); tokenizer\.json loads as bpe with 300 tokens/);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'tract_judge.json']);
    const example = join(dir, 'example.json');
    writeFileSync(example, JSON.stringify({ instruction: 'What is 5 + 3?', response: '5 + 3 = 9', reference_answer: '5 + 3 = 8', rubric: { criteria: 'Is the answer correct?', score1: 'a', score2: 'b', score3: 'c', score4: 'd', score5: 'e' } }));
    const args = ['--input', example, '--greedy', '--max-cot-tokens', '8', '--json'];
    const a = tract(['judge', '--checkpoint', ckpt, ...args]);
    const b = tract(['judge', '--checkpoint', out, ...args]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
  });

  it('--format onnx writes both graphs and the tokenizer, checked in onnxruntime-web', () => {
    const out = join(dir, 'onnx');
    const r = tract(['export', '--checkpoint', ckpt, '--format', 'onnx', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/checked: model\.onnx in onnxruntime-web \(wasm\) gives our WGSL engine's logits for 16 tokens: max \|Δ\| [\d.e-]+/);
    expect(r.stdout).toMatch(/checked: model_kv\.onnx in onnxruntime-web/);
    for (const f of ['model.onnx', 'model_kv.onnx', 'tokenizer.json', 'tokenizer_config.json']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('refuses bad flags with usage', () => {
    const r = tract(['export', '--checkpoint', ckpt, '--format', 'gguf', '--out', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--format must be hf or onnx, got 'gguf'/);
  });
});
