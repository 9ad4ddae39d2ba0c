// `tract export`: a model as a Hugging Face folder or as ONNX, checked after writing: the HF folder
// is imported back and compared parameter for parameter; the ONNX model runs in onnxruntime-web
// (wasm) and its logits are compared with our WGSL engine's on the same tokens.
import { exportHf, exportOnnx, OrtLlama, configureOrt, llama2cTokenizerJson, verifyTokenizerJson, tokenizerConfigJson, type OnnxVariant } from '../interop/index.ts';
import { BpeTokenizer, Llama2cTokenizer, type Tokenizer } from '../data/index.ts';
import type { FloatDtype } from '../model/safetensors.ts';
import { buildLayout } from '../model/layout.ts';
import { readF32, Recorder, requestGpu, uploadBuffer } from '../gpu/index.ts';
import { createActivations } from '../model/activations.ts';
import { DeviceModel } from '../model/device_model.ts';
import { recordForward } from '../model/forward.ts';
import { parseFlags, UsageError } from './args.ts';
import { importHfDirectory, loadModelFile, tokenizerForModel } from './files.ts';
import { findTrainedFit } from './trained_fit.ts';
import type { Command } from './main.ts';
import { outputDir, writeFilesAtomic } from './paths.ts';

const USAGE = `usage: tract export --checkpoint <file|dir> --format hf|onnx --out <dir> [--dtype f32|f16|bf16]
                   [--variant logits|kv|both] [--tokenizer <file>] [--no-verify] [--json]

  Writes a model for other tools, then checks what it wrote.
    --checkpoint  a tract checkpoint (.safetensors), a llama2.c .bin, or a Hugging Face folder
    --format hf   config.json, model.safetensors (Hugging Face tensor names, rotate-half RoPE),
                  generation_config.json, tokenizer.json + tokenizer_config.json, tract_judge.json,
                  README.md: loads with transformers' AutoModelForCausalLM / AutoTokenizer; checked
                  by importing the folder back (bit-identical parameters)
    --format onnx model.onnx (input_ids → logits, opset 17) and/or model_kv.onnx (with past/present
                  keys and values, for generation), plus tokenizer.json; checked by running it in
                  onnxruntime-web (wasm) against our WGSL engine's logits
    --dtype       weight dtype of model.safetensors (hf only; default f32)
    --variant     which ONNX graphs (default both)
    --tokenizer   tok*.bin or tokenizer.json when the checkpoint carries none
    --no-verify   skip the check after writing
    --json        print one JSON object {format, out, files, checks, notes} on stdout (the progress
                  lines go to stderr)
  'tract judge --checkpoint <hf folder>' and 'tract generate --checkpoint <hf folder>' load an
  exported (or any Llama) Hugging Face folder.`;

const size = (n: number) => (n < 1024 ? `${n} B` : n < 2 ** 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 2 ** 20).toFixed(1)} MiB`);

/** All files by temporary names, then renamed: a full disk leaves no partial model.safetensors/onnx
 *  and no folder with some files of the export but not others. */
async function writeAll(out: string, files: { name: string; data: Uint8Array }[], say: (line: string) => void): Promise<void> {
  await writeFilesAtomic(out, files);
  say(`wrote ${out}: ${files.map((f) => `${f.name} (${size(f.data.byteLength)})`).join(', ')}`);
}

/** tokenizer.json (+ config) for the ONNX folder, when the tokenizer has one we can write. */
function tokenizerFiles(tok: Tokenizer | undefined, seqLen: number): { name: string; data: Uint8Array }[] {
  const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 2) + '\n');
  let json: unknown;
  if (tok instanceof BpeTokenizer) json = tok.toTokenizerJson();
  else if (tok instanceof Llama2cTokenizer) {
    const j = llama2cTokenizerJson(tok);
    if (verifyTokenizerJson(tok, j, ['Once upon a time, there was a little girl.', 'What is 62 - 31? So the overall score is 2']) === null) json = j;
  }
  if (!tok || json === undefined) return [];
  return [
    { name: 'tokenizer.json', data: enc(json) },
    { name: 'tokenizer_config.json', data: enc(tokenizerConfigJson(tok, json, seqLen)) },
  ];
}

export const command: Command = {
  summary: 'export a model as a Hugging Face folder or ONNX (checked after writing)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      checkpoint: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      dtype: { type: 'string' },
      variant: { type: 'string' },
      tokenizer: { type: 'string' },
      'no-verify': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!values.checkpoint) throw new UsageError('--checkpoint is required');
    if (values.format !== 'hf' && values.format !== 'onnx') throw new UsageError(`--format must be hf or onnx, got ${values.format === undefined ? 'nothing' : `'${values.format}'`}`);
    if (!values.out) throw new UsageError('--out is required (a directory)');
    const dtypes: Record<string, FloatDtype> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };
    const dtype = dtypes[(values.dtype ?? 'f32').toLowerCase()];
    if (!dtype) throw new UsageError(`--dtype must be f32, f16 or bf16, got '${values.dtype}'`);
    if (values.dtype && values.format !== 'hf') throw new UsageError('--dtype applies to --format hf only (ONNX weights are f32)');
    const variant = values.variant ?? 'both';
    if (!['logits', 'kv', 'both'].includes(variant)) throw new UsageError(`--variant must be logits, kv or both, got '${variant}'`);
    const out = await outputDir(values.out, '--out');
    const verify = !values['no-verify'];
    // With --json, stdout carries only the final object; what people read goes to stderr.
    const say = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
    const checks: string[] = [];
    const notes: string[] = [];
    const check = (line: string) => {
      checks.push(line.replace(/^checked: /, ''));
      say(line);
    };
    const note = (line: string) => {
      notes.push(line);
      say(`note: ${line}`);
    };
    const done = (files: { name: string; data: Uint8Array }[]) => {
      if (values.json) console.log(JSON.stringify({ format: values.format, out, files: files.map((f) => ({ name: f.name, bytes: f.data.byteLength })), verified: verify, checks, notes, promptFit: found.fit ?? null }));
      return 0;
    };

    const model = await loadModelFile(values.checkpoint);
    let tokenizer: Tokenizer | undefined;
    try {
      tokenizer = await tokenizerForModel(model, values.checkpoint, values.tokenizer);
    } catch (e) {
      if (values.tokenizer) throw e;
      note(`no tokenizer (${(e as Error).message.split(':')[0]}); exporting the weights only`);
    }
    const c = model.config;
    // A judge's trained prompt fit travels with the export (ONNX metadata tract.prompt_fit, HF
    // tract_judge.json prompt_fit), so whatever judges with it fits prompts as in training.
    const found = await findTrainedFit(values.checkpoint, model);
    say(`model: dim ${c.dim}, ${c.nLayers} layers, ${c.nHeads} heads (${c.nKvHeads} KV), vocab ${c.vocabSize}, seqLen ${c.seqLen}, ${c.rope} RoPE${tokenizer ? `; tokenizer ${tokenizer.name} (${tokenizer.kind})` : ''}`);

    if (values.format === 'hf') {
      say(found.fit ? `prompt fit: CoT room ${found.fit.maxCotTokens} in a context of ${found.fit.seqLen} (from ${found.fit.source}), recorded in tract_judge.json` : `prompt fit: none recorded (${found.missing})`);
      const levels = (model.training as { scoreLevels?: { label: string; value: number }[] } | undefined)?.scoreLevels;
      if (levels) say(`score scale: ${levels.map((l) => `${l.label}=${l.value}`).join(', ')} (from tract.training), recorded in tract_judge.json`);
      const r = exportHf({ config: c, params: model.params, tokenizer }, { dtype, promptFit: found.fit, ...(levels ? { scoreLevels: levels } : {}) });
      await writeAll(out, r.files, say);
      for (const n of r.notes) note(n);
      if (verify) {
        const back = await importHfDirectory(out);
        const layout = buildLayout(c);
        let worst = 0;
        for (const t of layout.tensors) {
          const a = model.params.subarray(t.offset, t.offset + t.size);
          const b = back.params.subarray(back.layout.byName.get(t.name)!.offset, back.layout.byName.get(t.name)!.offset + t.size);
          for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        const exact = worst === 0 && back.config.rope === c.rope;
        const tok = back.tokenizer ? `; tokenizer.json loads as ${back.tokenizer.kind} with ${back.tokenizer.vocabSize} tokens` : '';
        if (dtype === 'F32' && !exact) throw new Error(`check failed: importing ${out} gives parameters that differ by up to ${worst}`);
        check(`checked: ${out} imports back to the same ${layout.count.toLocaleString('en-US')} parameters (${exact ? 'bit-identical' : `max |Δ| ${worst.toExponential(2)} from ${dtype} rounding`}, ${back.config.rope} RoPE)${tok}`);
      }
      return done(r.files);
    }

    const variants: OnnxVariant[] = variant === 'both' ? ['logits', 'kv'] : [variant as OnnxVariant];
    say(found.fit ? `prompt fit: CoT room ${found.fit.maxCotTokens} in a context of ${found.fit.seqLen} (from ${found.fit.source}), recorded as tract.prompt_fit` : `prompt fit: none recorded (${found.missing})`);
    const files = variants.map((v) => ({
      name: v === 'kv' ? 'model_kv.onnx' : 'model.onnx',
      data: exportOnnx({ config: c, params: model.params, tokenizer: tokenizer?.describe(), promptFit: found.fit }, { variant: v }),
    }));
    files.push(...tokenizerFiles(tokenizer, c.seqLen));
    await writeAll(out, files, say);
    if (verify) {
      await configureOrt({ numThreads: 1 });
      const T = Math.min(16, c.seqLen);
      const ids = Array.from({ length: T }, (_, i) => (i === 0 && tokenizer ? tokenizer.bos : (i * 7919 + 3) % c.vocabSize));
      // The reference: our engine's forward of the same weights (tested against the Float64 CPU
      // reference model in test/model); ONNX must give its logits.
      const gpu = await requestGpu();
      const dm = new DeviceModel(gpu, c);
      dm.upload(Float32Array.from(model.params));
      const acts = createActivations(gpu, c, 1, T);
      const rec = new Recorder(gpu, 'export check');
      recordForward(rec, dm, acts, uploadBuffer(gpu, 'export_check.tokens', Uint32Array.from(ids)));
      rec.submit();
      const ref = await readF32(gpu, acts.logits, T * c.vocabSize);
      gpu.destroy();
      for (const f of files.filter((x) => x.name.endsWith('.onnx'))) {
        const ort = await OrtLlama.create(f.data, { executionProviders: ['wasm'] });
        const got = await ort.logits([ids]);
        await ort.release();
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < ref.length; i++) {
          worst = Math.max(worst, Math.abs(got[i] - ref[i]));
          scale = Math.max(scale, Math.abs(ref[i]));
        }
        if (!(worst <= 1e-3 + 1e-3 * scale)) throw new Error(`check failed: ${f.name} in onnxruntime-web differs from our WGSL engine by up to ${worst} (logits up to ${scale.toFixed(2)})`);
        check(`checked: ${f.name} in onnxruntime-web (wasm) gives our WGSL engine's logits for ${T} tokens: max |Δ| ${worst.toExponential(2)} (logits up to ${scale.toFixed(2)})`);
      }
    }
    return done(files);
  },
};
