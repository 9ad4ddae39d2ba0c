// safetensors: write → read round trips (F32 exact; F16/BF16 on known bit patterns and with
// round-to-nearest-even), the writer's padding, and hand-built bad files, each with its message.
import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/model/halfFloat.ts';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../../src/model/safetensors.ts';
import { normals } from '../helpers/random.ts';

/** A file from a header object (or raw header text) and a data buffer, as a bad writer might make it. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  const dv = new DataView(out.buffer);
  const n = lengthField ?? json.length;
  dv.setUint32(0, n % 2 ** 32, true);
  dv.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32bytes = (...x: number[]) => new Uint8Array(Float32Array.from(x).buffer);

describe('half floats', () => {
  it('F16 known values both ways', () => {
    const known: [number, number][] = [
      [0x0000, 0], [0x3c00, 1], [0xc000, -2], [0x3555, 0.333251953125], [0x7bff, 65504],
      [0x0400, 2 ** -14], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x7c00, Infinity], [0xfc00, -Infinity],
    ];
    for (const [bits, v] of known) {
      expect(f16ToF32(bits), bits.toString(16)).toBe(v);
      expect(f32ToF16Bits(v), String(v)).toBe(bits);
    }
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f32ToF16Bits(NaN) & 0x7c00).toBe(0x7c00);
    // Ties to even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10 → 1; 1 + 3·2^-11 → 1 + 2^-9.
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → even (0)
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(2);
    // Every half survives the round trip.
    for (let h = 0; h < 0x10000; h++) {
      const v = f16ToF32(h);
      if (!Number.isNaN(v)) expect(f32ToF16Bits(v)).toBe(h);
    }
  });

  it('BF16 known values both ways', () => {
    const known: [number, number][] = [[0x3f80, 1], [0xc040, -3], [0x3e80, 0.25], [0x7f80, Infinity], [0x4049, 3.140625]];
    for (const [bits, v] of known) {
      expect(bf16ToF32(bits)).toBe(v);
      expect(f32ToBf16Bits(v)).toBe(bits);
    }
    expect(f32ToBf16Bits(Math.PI)).toBe(0x4049); // 3.14159… rounds down to 3.140625
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(bf16ToF32(f32ToBf16Bits(NaN))).toBeNaN();
  });
});

describe('safetensors round trip', () => {
  it('F32 tensors and metadata come back identical; header padded to 8 with spaces', () => {
    const tensors = [
      { name: 'b', shape: [3, 5], data: normals(15, 1) },
      { name: 'a', shape: [7], data: normals(7, 2) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
      { name: 'scalar', shape: [], data: Float32Array.of(42) },
    ];
    const file = writeSafetensors(tensors, { note: 'hi', json: '{"x":1}' });
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(file.subarray(8, 8 + n));
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ note: 'hi', json: '{"x":1}' });
    expect([...back.tensors.keys()]).toEqual(['b', 'a', 'empty', 'scalar']);
    for (const t of tensors) {
      const r = back.tensors.get(t.name)!;
      expect(r.shape).toEqual(t.shape);
      expect(r.dtype).toBe('F32');
      expect(Array.from(r.data)).toEqual(Array.from(t.data));
    }
    // From a Node Buffer in a shared pool and from a window at an odd offset: the same tensors.
    const odd = new Uint8Array(file.byteLength + 1);
    odd.set(file, 1);
    for (const src of [Buffer.from(file), odd.subarray(1)]) {
      expect(Array.from(readSafetensors(src).tensors.get('b')!.data)).toEqual(Array.from(tensors[0].data));
    }
    const sorted = readSafetensorsHeader(writeSafetensors(tensors, {}, { order: 'sorted' }));
    expect(sorted.entries.map((e) => e.name)).toEqual(['a', 'b', 'empty', 'scalar']);
  });

  it('F16 and BF16 tensors convert to f32 exactly as the bit conversions say', () => {
    const x = Float32Array.from([0, 1, -2, 0.1, 1e-6, 70000, 3.3, -0.5, 1 + 2 ** -11]);
    const file = writeSafetensors([
      { name: 'h', shape: [x.length], data: x, dtype: 'F16' }, // odd byte length: the next tensor is unaligned
      { name: 'f', shape: [x.length], data: x },
      { name: 'bf', shape: [3, 3], data: x, dtype: 'BF16' },
    ]);
    expect(() => readSafetensors(file)).toThrow(/tensor 'h' holds a non-finite value \(Infinity\) at element 5/);
    const back = readSafetensors(file, { allowNonFinite: true });
    expect(back.tensors.get('h')!.dtype).toBe('F16');
    expect(Array.from(back.tensors.get('h')!.data)).toEqual(Array.from(x, (v) => f16ToF32(f32ToF16Bits(v))));
    expect(back.tensors.get('h')!.data[5]).toBe(Infinity);
    expect(back.tensors.get('h')!.data[8]).toBe(1);
    expect(Array.from(back.tensors.get('f')!.data)).toEqual(Array.from(x));
    expect(Array.from(back.tensors.get('bf')!.data)).toEqual(Array.from(x, (v) => bf16ToF32(f32ToBf16Bits(v))));
    // A hand-written F16 file with known bits: [1, -2, 0.5, 65504].
    const hbits = new Uint8Array(Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff]).buffer);
    const hand = readSafetensors(handMade({ w: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] } }, hbits));
    expect(Array.from(hand.tensors.get('w')!.data)).toEqual([1, -2, 0.5, 65504]);
  });

  it('the writer refuses inconsistent input', () => {
    expect(() => writeSafetensors([{ name: 'a', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/tensor 'a': shape \[2, 2\] does not match its 3 values/);
    expect(() => writeSafetensors([{ name: 'a', shape: [1], data: new Float32Array(1) }, { name: 'a', shape: [1], data: new Float32Array(1) }])).toThrow(/'a' given twice/);
    expect(() => writeSafetensors([{ name: '__metadata__', shape: [1], data: new Float32Array(1) }])).toThrow(/cannot be a tensor name/);
  });
});

describe('safetensors bad files', () => {
  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data = f32bytes(1, 2);
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than the length field', new Uint8Array(5), /file too short: 5 bytes, the header length alone is 8/],
    ['header length beyond the file', handMade(good, data, 1000), /header length 1000 goes beyond the end of the file \(70 bytes\)/],
    ['header length over the limit', handMade(good, data, 2 ** 40), /header length 1099511627776 exceeds the limit of 100000000 bytes/],
    ['truncated data', handMade(good, data).slice(0, -3), /tensor 'w': data_offsets \[0, 8\] out of range \(the data buffer has 5 bytes\)/],
    ['non-JSON header', handMade('{"w": [1, 2'), /header is not valid JSON/],
    ['header not starting with {', handMade('  {}'), /header does not start with '\{'/],
    ['header is an array', handMade('[1, 2]'), /header does not start with/],
    ['header is not UTF-8', (() => { const f = handMade('{"\u00e9":1}'); f[10] = 0xff; return f; })(), /header is not valid UTF-8/],
    ['unknown dtype', handMade({ w: { dtype: 'Q4_K', shape: [2], data_offsets: [0, 8] } }, data), /tensor 'w': unknown dtype Q4_K \(supported: F32, F16, BF16\)/],
    ['unsupported dtype', handMade({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data), /tensor 'w': unsupported dtype I64/],
    ['shape mismatch', handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data), /tensor 'w': shape \[3\] × F32 \(4 bytes\) = 12 bytes, but data_offsets span 8/],
    ['negative dimension', handMade({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data), /tensor 'w': shape must be an array of non-negative integers, got \[-2\]/],
    ['offsets out of range', handMade({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, data), /tensor 'w': data_offsets \[0, 16\] out of range \(the data buffer has 8 bytes\)/],
    ['offsets reversed', handMade({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, data), /tensor 'w': data_offsets begin 8 > end 0/],
    ['offsets malformed', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, data), /tensor 'w': data_offsets must be \[begin, end\]/],
    ['overlapping tensors', handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data), /tensor 'b': data_offsets \[4, 8\] overlap tensor 'a', which ends at 8/],
    ['gap between tensors', handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data), /tensor 'a': data_offsets begin 4 leaves a gap after \(start of data\)/],
    ['trailing bytes', handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data), /4 bytes after the last tensor are not described by the header/],
    ['bad metadata', handMade({ __metadata__: { step: 3 } }), /__metadata__\["step"\] must be a string, got 3/],
    ['entry not an object', handMade({ w: [0, 8] }, data), /tensor 'w': entry must be an object/],
    ['unknown field', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], offset: 0 } }, data), /tensor 'w': unknown field 'offset'/],
  ];
  for (const [what, file, msg] of cases) {
    it(what, () => expect(() => readSafetensors(file)).toThrow(msg));
  }

  it('a good hand-made file reads', () => {
    expect(Array.from(readSafetensors(handMade(good, data)).tensors.get('w')!.data)).toEqual([1, 2]);
    expect(readSafetensors(handMade({})).tensors.size).toBe(0);
  });
});
