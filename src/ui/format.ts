// Number, size and time formatting for the views.

/** A number to `digits` decimals; 'n/a' for a missing or undefined one (NaN: a correlation of a constant). */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KiB`;
  return `${n} B`;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Remaining time from progress so far (linear). */
export function eta(startedAt: number | undefined, done: number | undefined, total: number | undefined, now: number): number | null {
  if (!startedAt || !done || !total || done <= 0 || done >= total) return null;
  const elapsed = (now - startedAt) / 1000;
  return (elapsed / done) * (total - done);
}

/** "1 example", "2 examples" (plural: the word's plural when it is not word + "s"). */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
