// Values as mixed precision stores them: each rounded to f16 (round to nearest even, as the cast
// kernel does), their bits padded to whole 32-bit words for upload, and the rounded values (exact
// in f32) for the references.
import { f16ToF32, f32ToF16Bits } from '../../src/model/halfFloat.ts';

export function halves(x: Float32Array): { values: Float32Array<ArrayBuffer>; bits: Uint16Array<ArrayBuffer> } {
  const bits = new Uint16Array(x.length + (x.length % 2));
  const values = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) values[i] = f16ToF32((bits[i] = f32ToF16Bits(x[i])));
  return { values, bits };
}
