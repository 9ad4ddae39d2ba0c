// Issue 16 item 6: property-based fuzzing (fast-check) of the model and data readers. Random
// mutations of valid files (bytes flipped or set, a cut, an inserted run, header fields rewritten)
// never crash with a raw engine error (TypeError, RangeError, …), never hang, and never load a
// non-finite or implausible weight: each reader either loads a model that passes the weight check
// or throws its own named error. Seeds are fixed so a failure reproduces; a few seconds in all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError, detectModelFormat, loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { makeConfig } from '../../src/model/config.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { Llama2cFormatError, readLlama2c, writeLlama2c } from '../../src/model/llama2c.ts';
import { readSafetensors, SafetensorsError, writeSafetensors } from '../../src/model/safetensors.ts';
import { findBadWeight, MAX_ABS_WEIGHT } from '../../src/model/weightCheck.ts';
import { loadJudgeData } from '../../src/data/index.ts';
import { normals } from '../helpers/random.ts';

const config = makeConfig({ dim: 8, hiddenDim: 12, nLayers: 1, nHeads: 2, vocabSize: 7, seqLen: 8 });
const layout = buildLayout(config);
const params = new Float32Array(layout.size);
for (const t of layout.tensors) params.set(normals(t.size, 11 + t.offset, 0.3), t.offset);

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] };

/** Mutations at positions given as fractions of the length, so they work for any file. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), byte: fc.constantFrom(0, 0x20, 0x22, 0x2c, 0x30, 0x39, 0x5b, 0x7b, 0x7d, 0x7f, 0x80, 0xff) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }) }) },
);

/** Bias toward the first bytes (the header) with a square: most parsing happens there. */
function mutate(src: Uint8Array, ms: Mutation[], headerBias: boolean): Uint8Array {
  let b = src.slice();
  for (const m of ms) {
    const frac = headerBias ? m.at * m.at : m.at;
    const at = Math.min(b.length - 1, Math.floor(frac * b.length));
    if (b.length === 0) break;
    if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'flip') b[at] ^= 1 << m.bit;
    else if (m.kind === 'cut') b = b.slice(0, at);
    else b = new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
  }
  return b;
}

const OWN_ERRORS = [SafetensorsError, CheckpointError, Llama2cFormatError];
function expectOwnError(e: unknown): void {
  if (!OWN_ERRORS.some((E) => e instanceof E)) throw new Error(`raw error escaped the reader: ${(e as Error)?.name}: ${(e as Error)?.message}`);
}
const expectSound = (p: Float32Array) => expect(findBadWeight(p, MAX_ABS_WEIGHT)).toBeNull();

const checkpoint = saveCheckpoint({ config, params, tokenizer: { kind: 'bpe', name: 't', vocabSize: 7 }, training: { step: 1 } }, { dtype: 'F16' });
const plain = writeSafetensors([
  { name: 'a', shape: [3, 2], data: Float32Array.from([1, -2, 3, 0.5, 0, 7]) },
  { name: 'b', shape: [5], data: Float32Array.from([1, 2, 3, 4, 5]), dtype: 'F16' },
  { name: 'c', shape: [2, 2], data: Float32Array.from([0.25, -1, 9, 2]), dtype: 'BF16' },
], { note: 'fuzz' });
const llama = writeLlama2c(config, params);

describe('fuzzed model files', () => {
  it('our checkpoint (F16): loads sound weights or throws a named error, as the CLI reads it', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (ms, bias) => {
        const bytes = mutate(checkpoint, ms, bias);
        try {
          const m = detectModelFormat(bytes) === 'safetensors' ? loadCheckpoint(bytes) : readLlama2c(bytes);
          expectSound(m.params);
        } catch (e) {
          expectOwnError(e);
        }
      }),
      { seed: 16, numRuns: 400 },
    );
  });
  it('a plain safetensors file (F32, F16, BF16): every tensor finite, or a SafetensorsError', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (ms, bias) => {
        try {
          const f = readSafetensors(mutate(plain, ms, bias));
          for (const t of f.tensors.values()) expect(findBadWeight(t.data)).toBeNull();
        } catch (e) {
          expectOwnError(e);
        }
      }),
      { seed: 17, numRuns: 400 },
    );
  });
  it('a llama2.c file: sound weights or a Llama2cFormatError', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (ms, bias) => {
        try {
          expectSound(readLlama2c(mutate(llama, ms, bias)).params);
        } catch (e) {
          expectOwnError(e);
        }
      }),
      { seed: 18, numRuns: 400 },
    );
  });
  it('random bytes of any length never escape as raw errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        for (const read of [loadCheckpoint, readLlama2c, readSafetensors] as ((x: Uint8Array) => unknown)[]) {
          try {
            read(b);
          } catch (e) {
            expectOwnError(e);
          }
        }
      }),
      { seed: 19, numRuns: 300 },
    );
  });
});

const row = (id: string) => ({ id, instruction: 'Add 2 and 3.', response: '5', reference_answer: '5', rubric: { criteria: 'Correct?', score1: 'a', score2: 'b', score3: 'c', score4: 'd', score5: 'e' }, score: 4 });
const texts = {
  jsonl: `${JSON.stringify(row('a'))}\n${JSON.stringify(row('b'))}\n`,
  array: JSON.stringify([row('a'), row('b')], null, 1),
  pretty: JSON.stringify(row('a'), null, 2),
};

describe('fuzzed judge data (JSON array, JSON lines, pretty-printed object)', () => {
  for (const [name, text] of Object.entries(texts)) {
    it(`${name}: loadJudgeData always returns, with a file/line for every problem`, async () => {
      const src = new TextEncoder().encode(text);
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 64 }), async (ms, chunk) => {
          const bytes = mutate(src, ms, false);
          // Fed in small chunks, as a stream is: the splitters' chunk-boundary paths.
          const chunks: Uint8Array[] = [];
          for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
          const r = await loadJudgeData(chunks, { file: 'f.json', maxRowBytes: 4096 });
          expect(r.accepted).toBe(r.examples.length);
          for (const e of r.errors) expect(e.file).toBe('f.json');
          for (const ex of r.examples) expect(Number.isFinite(ex.label)).toBe(true);
        }),
        { seed: 20, numRuns: 300 },
      );
    });
  }
});
