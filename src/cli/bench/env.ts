// Benchmark knobs read from the environment (TRACT_BENCH_*), so the GPU check (scripts/gpu-check.sh)
// can size a benchmark for the machine without new flags on every `tract bench` name. A malformed
// value is an error naming the variable, never silently the default.

/** Positive integers from a comma-separated variable (e.g. TRACT_BENCH_MATMUL_SIZES=512,1024), or `fallback` when unset. */
export function envPositiveInts(name: string, fallback: number[], env: Record<string, string | undefined> = process.env): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: '${s.trim()}' is not a positive integer (expected e.g. ${fallback.join(',')})`);
    return n;
  });
}

/** Names from a comma-separated variable, each one of `known`; null when unset. */
export function envNames<T extends string>(name: string, known: readonly T[], env: Record<string, string | undefined> = process.env): T[] | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  return raw.split(',').map((s) => {
    const v = s.trim();
    if (!(known as readonly string[]).includes(v)) throw new Error(`${name}: unknown name '${v}' (known: ${known.join(', ')})`);
    return v as T;
  });
}
