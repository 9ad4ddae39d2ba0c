// What a run's caches (eval-<model>.json, self-cot.jsonl) are keyed on beyond the settings: the
// weights they came from. A checkpoint that was retrained (after a truncated file, a change in the
// training code, a copy from another run) gets new weights, so its cached evaluation and self-CoTs
// no longer match and are recomputed instead of being reused silently.

/**
 * A 64-bit FNV-1a-style hash of the raw float bits, as 16 hex digits (two 32-bit lanes with
 * different offsets). One pass over the array; not cryptographic — it tells runs apart, it does not
 * defend against an adversary.
 */
export function weightsHash(p: Float32Array): string {
  const u = new Uint32Array(p.buffer, p.byteOffset, p.length);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ p.length;
  for (let i = 0; i < u.length; i++) {
    const x = u[i];
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ ((x >>> 16) | (x << 16)), 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** A cache file's JSON, or why it cannot be used (to name in the run's log). */
export function parseCacheJson(text: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message}; truncated?)` };
  }
}

/** A cache file of JSON lines, or why it cannot be used (naming the first bad line). */
export function parseCacheJsonl(text: string): { value: unknown[] } | { problem: string } {
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      out.push(JSON.parse(lines[i]));
    } catch (e) {
      return { problem: `line ${i + 1} is not valid JSON (${(e as Error).message}; truncated?)` };
    }
  }
  return { value: out };
}
