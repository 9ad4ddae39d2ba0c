// Our exports opened by the clients their users would open them with, in Python: `tract export`
// writes the shipped trained judge (public/judge) as ONNX and as a Hugging Face folder, and
// stories260K (a llama2.c model and tokenizer) as ONNX; test/interop/python_clients.py then runs
//   - onnxruntime on model.onnx and, in two steps through its KV cache, model_kv.onnx;
//   - tokenizers on each tokenizer.json, for texts with digits, unicode, tabs and newlines;
//   - safetensors + numpy on model.safetensors: its names, shapes and values, and a float64 numpy
//     Llama forward (transformers' LlamaForCausalLM, rotate-half RoPE) from config.json;
// and this test compares what they read with our engine's logits, our tokenizers' ids and the
// tensors the export meant to write. The Python packages are pinned in scripts/python-requirements.txt
// and installed by scripts/setup.sh into .venv-py; without them the test fails and says so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/vulkan-env.mjs';
import { tokenizerFromDescription, type Tokenizer, type TokenizerDescription } from '../../src/data/index.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import { buildLayout, hfName } from '../../src/model/layout.ts';
import { convertRopeConvention } from '../../src/model/ropePermute.ts';
import { tract } from '../helpers/cli.ts';
import { testGpu } from '../helpers/gpu.ts';
import { loadStories, STORIES_DIR, storiesTokenizer } from '../helpers/stories.ts';
import { gpuLogits } from './fixtures.ts';

const PYTHON = join(repoRoot, '.venv-py', 'bin', 'python');
const SCRIPT = join(repoRoot, 'test', 'interop', 'python_clients.py');
const JUDGE = join(repoRoot, 'public', 'judge', 'tract-judge.safetensors');
const STORIES = new URL('stories260K.bin', STORIES_DIR).pathname;

const TEXTS = [
  'What is 62 - 31? 62 - 31 = 31. So the overall score is 2',
  '0123456789 1,000,000.50 -42 3.14159 x=7',
  'émigré café, naïve — 日本語 😀 ∑ ü',
  'tab\tand\nnewline  two  spaces',
  ' leading space and trailing ',
  'Once upon a time, there was a little girl named Lily.',
  '',
];

interface OnnxResult { model: string; variant: string; inputs: string[]; shape: number[]; max_abs_diff: number; max_abs_logit: number }
interface TokResult { file: string; vocab_size: number; encodings: { text: string; ids: number[]; ids_plain: number[]; decoded: string }[] }
interface StResult {
  file: string;
  names: string[];
  shapes: Record<string, number[]>;
  dtypes: string[];
  metadata: Record<string, string>;
  max_abs_diff: number;
  forward_max_abs_diff: number;
  forward_max_abs_logit: number;
}
interface PyResult { versions: Record<string, string>; onnx: OnnxResult[]; tokenizers: TokResult[]; safetensors: StResult[] }

const f32File = (path: string, data: Float32Array) => writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));

describe('exports read by their own ecosystems\' Python clients', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-pyclients-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let py: PyResult;
  let judgeTok: Tokenizer;
  let storiesTok: Tokenizer;
  let judgeConfig: ModelConfig;
  const expectedNames: string[] = [];
  const expectedShapes: Record<string, number[]> = {};

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup.sh, which installs scripts/python-requirements.txt into .venv-py`);
    for (const [name, args] of [
      ['judge hf', ['--checkpoint', JUDGE, '--format', 'hf', '--out', join(dir, 'judge-hf')]],
      ['judge onnx', ['--checkpoint', JUDGE, '--format', 'onnx', '--out', join(dir, 'judge-onnx')]],
      ['stories onnx', ['--checkpoint', STORIES, '--format', 'onnx', '--variant', 'logits', '--out', join(dir, 'stories-onnx')]],
    ] as const) {
      const r = tract(['export', ...args, '--no-verify']);
      if (r.status !== 0) throw new Error(`tract export (${name}) exited ${r.status}: ${r.stderr}`);
    }

    // Ours: the engine's logits on a real prompt, the tokenizers' ids, the tensors meant to be written.
    const judge = loadCheckpoint(new Uint8Array(readFileSync(JUDGE)));
    judgeConfig = judge.config;
    judgeTok = tokenizerFromDescription(judge.tokenizer as TokenizerDescription);
    storiesTok = storiesTokenizer();
    const stories = loadStories();
    const gpu = await testGpu();
    const judgeIds = judgeTok.encode(TEXTS[0], { bos: true }).slice(0, 24);
    const storiesIds = storiesTok.encode(TEXTS[5], { bos: true }).slice(0, 20);
    f32File(join(dir, 'judge.logits'), await gpuLogits(gpu, judge.config, judge.params, judgeIds));
    f32File(join(dir, 'stories.logits'), await gpuLogits(gpu, stories.config, stories.params, storiesIds));
    const layout = buildLayout(judge.config);
    const { params: half } = convertRopeConvention(layout, judge.params, 'half');
    const flat = new Float32Array(layout.size);
    let at = 0;
    for (const t of layout.tensors) {
      expectedNames.push(hfName(t.name));
      expectedShapes[hfName(t.name)] = [...t.shape];
      flat.set(half.subarray(t.offset, t.offset + t.size), at);
      at += t.size;
    }
    f32File(join(dir, 'judge.tensors'), flat);

    const spec = {
      onnx: [
        { model: join(dir, 'judge-onnx', 'model.onnx'), variant: 'logits', ids: judgeIds, expected: join(dir, 'judge.logits') },
        { model: join(dir, 'judge-onnx', 'model_kv.onnx'), variant: 'kv', ids: judgeIds, expected: join(dir, 'judge.logits') },
        { model: join(dir, 'stories-onnx', 'model.onnx'), variant: 'logits', ids: storiesIds, expected: join(dir, 'stories.logits') },
      ],
      tokenizers: [
        { file: join(dir, 'judge-hf', 'tokenizer.json'), texts: TEXTS },
        { file: join(dir, 'stories-onnx', 'tokenizer.json'), texts: TEXTS },
      ],
      safetensors: [
        { file: join(dir, 'judge-hf', 'model.safetensors'), expected: join(dir, 'judge.tensors'), names: expectedNames, config: join(dir, 'judge-hf', 'config.json'), ids: judgeIds, logits: join(dir, 'judge.logits') },
      ],
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const r = spawnSync(PYTHON, [SCRIPT, join(dir, 'spec.json')], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`python_clients.py exited ${r.status}: ${r.stderr}`);
    py = JSON.parse(r.stdout) as PyResult;
  }, 300_000);

  it('uses the pinned client versions', () => {
    const pins = Object.fromEntries(
      readFileSync(join(repoRoot, 'scripts', 'python-requirements.txt'), 'utf8')
        .split('\n')
        .filter((l) => /^\w.*==/.test(l))
        .map((l) => l.trim().split('==')),
    );
    expect(py.versions).toEqual({ onnxruntime: pins.onnxruntime, numpy: pins.numpy, safetensors: pins.safetensors, tokenizers: pins.tokenizers });
  });

  it('onnxruntime gives our engine\'s logits within 1e-4 (the judge\'s two graphs, stories260K)', () => {
    expect(py.onnx.map((o) => o.variant)).toEqual(['logits', 'kv', 'logits']);
    for (const o of py.onnx) {
      expect(o.shape[0]).toBe(1);
      expect(o.max_abs_logit, o.model).toBeGreaterThan(1); // real logits, not zeros
      expect(o.max_abs_diff, `${o.model} (${o.variant})`).toBeLessThanOrEqual(1e-4);
    }
    expect(py.onnx[0].shape).toEqual([1, 24, judgeConfig.vocabSize]);
    expect(py.onnx[1].inputs).toContain('past_key.0');
  });

  it('tokenizers encodes every text to our ids (with and without BOS) and decodes back', () => {
    for (const [i, tok] of [judgeTok, storiesTok].entries()) {
      const t = py.tokenizers[i];
      expect(t.vocab_size, t.file).toBe(tok.vocabSize);
      for (const e of t.encodings) {
        expect(e.ids_plain, `${tok.name}: ${JSON.stringify(e.text)}`).toEqual(tok.encode(e.text));
        expect(e.ids, `${tok.name}: ${JSON.stringify(e.text)}`).toEqual(tok.encode(e.text, { bos: true }));
        expect(e.decoded, `${tok.name}: ${JSON.stringify(e.text)}`).toBe(tok.decode(tok.encode(e.text)));
      }
    }
    // The texts exercise more than ASCII words: unicode goes through byte tokens in both tokenizers.
    expect(judgeTok.encode(TEXTS[2]).length).toBeGreaterThan(10);
  });

  it('safetensors + numpy read the HF names, shapes and values, and a numpy Llama forward gives our logits', () => {
    const st = py.safetensors[0];
    expect(st.names).toEqual([...expectedNames].sort());
    expect(st.shapes).toEqual(expectedShapes);
    expect(st.dtypes).toEqual(['float32']);
    expect(st.metadata.format).toBe('pt');
    expect(st.max_abs_diff).toBe(0);
    expect(st.forward_max_abs_logit).toBeGreaterThan(1);
    expect(st.forward_max_abs_diff).toBeLessThanOrEqual(1e-4);
  });
});
