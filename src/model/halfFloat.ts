// IEEE half (F16) and bfloat16 (BF16) ⇄ f32 bit conversions for safetensors. Narrowing rounds to
// nearest, ties to even (as PyTorch's .half() / .bfloat16()); NaN stays NaN, overflow becomes ±Inf.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function bf16ToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const f = u32[0];
  const sign = (f >>> 16) & 0x8000;
  const abs = f & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0); // Inf, NaN
  if (abs >= 0x477ff000) return sign | 0x7c00; // ≥ 65520 rounds past the largest half (65504)
  if (abs < 0x38800000) {
    // Below 2^-14: a subnormal half, in units of 2^-24 (exact in a double), rounded half to even.
    const v = Math.abs(f32[0]) * 2 ** 24;
    let r = Math.floor(v);
    const d = v - r;
    if (d > 0.5 || (d === 0.5 && r % 2 === 1)) r++;
    return sign | r; // r = 0x400 is the smallest normal: still the right bits
  }
  // Normal: rebias the exponent (127 → 15), keep 10 mantissa bits, round on the 13 dropped ones;
  // a carry out of the mantissa correctly bumps the exponent.
  let h = (abs >>> 13) - ((127 - 15) << 10);
  const rem = abs & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  const f = u32[0];
  if ((f & 0x7fffffff) > 0x7f800000) return ((f >>> 16) | 0x40) & 0xffff; // quiet NaN
  return Math.floor((f + 0x7fff + ((f >>> 16) & 1)) / 65536) & 0xffff;
}
