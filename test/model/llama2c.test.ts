// llama2.c version-0 checkpoints: the real stories260K.bin from ../shared, a write → read round trip
// (untied too), and bad files rejected with a message naming the problem.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parameterCount, type ModelConfig } from '../../src/model/config.ts';
import { buildLayout, tensorView } from '../../src/model/layout.ts';
import { readLlama2c, readLlama2cHeader, writeLlama2c } from '../../src/model/llama2c.ts';
import { normals } from '../helpers/random.ts';

const STORIES = new URL('../../../shared/models/stories260K/stories260K.bin', import.meta.url);
const bytes = new Uint8Array(readFileSync(STORIES));

function withHeader(src: Uint8Array, field: number, value: number): Uint8Array {
  const out = src.slice();
  new DataView(out.buffer).setInt32(4 * field, value, true);
  return out;
}

describe('llama2.c loader', () => {
  it('reads stories260K.bin: header, parameter count, shared classifier', () => {
    const m = readLlama2c(bytes);
    expect(m.config).toEqual({
      dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512,
      ropeTheta: 10000, normEps: 1e-5, tied: true, rope: 'interleaved',
    });
    expect(parameterCount(m.config)).toBe(260032);
    expect(m.layout.byName.has('output')).toBe(false);
    // File floats: params + two RoPE tables of 512·8/2.
    expect(bytes.byteLength).toBe(28 + 4 * (260032 + 2 * 512 * 4));
    // Spot checks against the raw file: the first embedding float, and the first float after the
    // embedding is rms_att_weight of layer 0.
    const raw = new DataView(bytes.buffer, bytes.byteOffset);
    expect(tensorView(m.params, m.layout, 'tok_embeddings')[0]).toBe(raw.getFloat32(28, true));
    expect(tensorView(m.params, m.layout, 'layers.0.attention_norm')[0]).toBe(raw.getFloat32(28 + 4 * 512 * 64, true));
    expect(tensorView(m.params, m.layout, 'layers.1.attention_norm')[5]).toBe(raw.getFloat32(28 + 4 * (512 * 64 + 64 + 5), true));
    // Norm gains of a trained model are not all 1 and not all 0.
    const g = tensorView(m.params, m.layout, 'norm');
    expect(g.some((x) => x !== 1) && g.some((x) => x !== 0)).toBe(true);
  });

  it('reads a Node Buffer (whose slice() is a view into a shared pool) the same', () => {
    const fromBuffer = readLlama2c(readFileSync(STORIES));
    expect(Buffer.compare(Buffer.from(fromBuffer.params.buffer), Buffer.from(readLlama2c(bytes).params.buffer))).toBe(0);
    // A Uint8Array that is a window into a larger buffer at an odd offset.
    const padded = new Uint8Array(bytes.byteLength + 3);
    padded.set(bytes, 3);
    expect(Array.from(readLlama2c(padded.subarray(3)).params.subarray(0, 64))).toEqual(Array.from(fromBuffer.params.subarray(0, 64)));
  });

  it('writes what it reads, byte for byte (stories260K)', () => {
    const m = readLlama2c(bytes);
    const again = writeLlama2c(m.config, m.params);
    expect(again.byteLength).toBe(bytes.byteLength);
    // The RoPE tables are recomputed in double then rounded; llama2.c's export computed them in
    // float32 torch, so compare everything before them exactly and the tables loosely.
    const tablesAt = 28 + 4 * 260032;
    expect(Buffer.compare(again.subarray(0, tablesAt), bytes.subarray(0, tablesAt))).toBe(0);
  });

  it('round-trips an untied model (negative vocab, wcls after the RoPE tables)', () => {
    const cfg: ModelConfig = { dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 2, nKvHeads: 1, vocabSize: 11, seqLen: 6, ropeTheta: 10000, normEps: 1e-5, tied: false, rope: 'interleaved' };
    const L = buildLayout(cfg);
    const params = new Float32Array(L.size);
    for (const t of L.tensors) params.set(normals(t.size, t.offset + 1), t.offset);
    const file = writeLlama2c(cfg, params);
    expect(new DataView(file.buffer).getInt32(20, true)).toBe(-11);
    const back = readLlama2c(file);
    expect(back.config).toEqual(cfg);
    expect(Array.from(back.params)).toEqual(Array.from(params));
    // wcls is the last V·C floats of the file.
    const tail = new Float32Array(file.buffer.slice(file.byteLength - 4 * 11 * 8));
    expect(Array.from(tail)).toEqual(Array.from(tensorView(params, L, 'output')));
    expect(() => writeLlama2c({ ...cfg, rope: 'half' }, params)).toThrow(/interleaved RoPE/);
  });

  it('rejects bad files, naming the problem', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /file too short: 0 bytes, the header alone is 28/],
      ['header cut', bytes.slice(0, 20), /file too short: 20 bytes/],
      ['truncated body', bytes.slice(0, bytes.byteLength - 100), /size mismatch: .* needs 1056540 bytes, the file has 1056440 \(truncated\?\)/],
      ['trailing bytes', new Uint8Array([...bytes, 1, 2, 3, 4]), /size mismatch: 4 trailing bytes after the 1056540/],
      ['zero dim', withHeader(bytes, 0, 0), /header dim = 0 is not a plausible value/],
      ['negative layers', withHeader(bytes, 2, -5), /header n_layers = -5 is not a plausible value/],
      ['huge hidden', withHeader(bytes, 1, 0x7fffffff), /header hidden_dim = 2147483647 is not a plausible value/],
      ['heads do not divide dim', withHeader(bytes, 3, 7), /header does not describe a valid model .*nHeads \(7\) must divide dim \(64\)/],
      ['kv heads > heads', withHeader(bytes, 4, 16), /nKvHeads \(16\) must divide nHeads \(8\)/],
      // Flipping the vocab sign claims a separate classifier that the file does not have.
      ['untied claim on a tied file', withHeader(bytes, 5, -512), /separate classifier\) needs 1187612 bytes, the file has 1056540/],
      ['safetensors given', new Uint8Array([32, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}'.padEnd(32))]), /hidden_dim = 0 is not a plausible value/],
    ];
    for (const [what, file, msg] of cases) expect(() => readLlama2c(file), what).toThrow(msg);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(28 + 4 * 100, NaN, true);
    expect(() => readLlama2c(nan)).toThrow(/tensor 'tok_embeddings' holds a non-finite value/);
    expect(readLlama2cHeader(bytes.subarray(0, 28)).dim).toBe(64);
  });
});
