// Score scales (issue 14, item 3): a rubric has K levels, 2 ≤ K ≤ 10, lowest first. Each level is a
// label — the text the judge writes after " So the overall score is ", which must be one token of
// the tokenizer (checked where a tokenizer meets the scale: scoreScaleOf) — a value (what RAIL's
// expectation and RAFT's regression use) and a description (the rubric's text for it).
//
// Digit scales come from the keys a file gives: score1..scoreK (K ≤ 10) are valued 1..K, score0..
// score9 are valued 0..9; a level's label is its value's last digit (so the ten levels 1..10 write
// 10 as "0", and 0..9 write themselves). Any other labels (letters, say) and values are given as an
// explicit list of levels. The default scale, the paper's, is 1..5.

export interface ScoreLevel {
  /** What the judge writes for this level (one token after the score prompt). */
  label: string;
  /** Its value on the regression scale. */
  value: number;
  /** The rubric's text for it. */
  description: string;
}

export const MIN_LEVELS = 2;
export const MAX_LEVELS = 10;

/** Levels valued first, first+1, … (first 0 or 1) with the given descriptions, labelled by last digit. */
export function digitLevels(descriptions: readonly string[], first: 0 | 1 = 1): ScoreLevel[] {
  return descriptions.map((description, i) => ({ label: String((first + i) % 10), value: first + i, description }));
}

/** The paper's scale: "1".."5" valued 1..5. */
export function fivePoint(descriptions: readonly [string, string, string, string, string] | readonly string[]): ScoreLevel[] {
  if (descriptions.length !== 5) throw new RangeError(`fivePoint: expected 5 descriptions, got ${descriptions.length}`);
  return digitLevels(descriptions, 1);
}

/** What is wrong with a list of levels as a scale, or null. */
export function levelsProblem(levels: readonly Pick<ScoreLevel, 'label' | 'value'>[]): string | null {
  if (levels.length < MIN_LEVELS || levels.length > MAX_LEVELS) return `a rubric has ${MIN_LEVELS} to ${MAX_LEVELS} levels, got ${levels.length}`;
  const labels = new Set<string>();
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (typeof l.label !== 'string' || l.label.trim() === '' || l.label !== l.label.trim()) return `level ${i + 1}: the label must be non-empty text without surrounding spaces, got ${JSON.stringify(l.label)}`;
    if (labels.has(l.label)) return `level ${i + 1}: the label ${JSON.stringify(l.label)} is used twice`;
    labels.add(l.label);
    if (typeof l.value !== 'number' || !Number.isFinite(l.value)) return `level ${i + 1}: the value must be a finite number, got ${String(l.value)}`;
    if (i > 0 && !(l.value > levels[i - 1].value)) return `level ${i + 1}: values must increase from the first level to the last (${levels[i - 1].value} then ${l.value})`;
  }
  return null;
}

/** A key that is equal for two rubrics exactly when their scales (labels and values) are. */
export function scaleKey(levels: readonly Pick<ScoreLevel, 'label' | 'value'>[]): string {
  return levels.map((l) => `${l.label}=${l.value}`).join(',');
}

/** Whether the levels are a digit scale: values in steps of 1, each labelled by its value's last digit. */
export function isDigitScale(levels: readonly Pick<ScoreLevel, 'label' | 'value'>[]): boolean {
  return levels.every((l, i) => l.label === String(l.value % 10) && (i === 0 || l.value === levels[i - 1].value + 1));
}

/** "examples a and b have different score scales (1..5 and 1..10 …)" for the first item off the
 *  first one's scale, or null when they all share it (a run, a training step and a judging call read
 *  out one scale). */
export function scaleConflict(items: readonly { id: string; levels: readonly Pick<ScoreLevel, 'label' | 'value'>[] }[]): string | null {
  if (items.length === 0) return null;
  const key = scaleKey(items[0].levels);
  const other = items.find((x) => scaleKey(x.levels) !== key);
  return other ? `examples ${items[0].id} and ${other.id} have different score scales (${describeScale(items[0].levels)} and ${describeScale(other.levels)})` : null;
}

/** "1..5", "1..10 (10 written 0)", "A=1, B=2, C=3": a scale in a few characters. */
export function describeScale(levels: readonly Pick<ScoreLevel, 'label' | 'value'>[]): string {
  if (isDigitScale(levels)) {
    const lo = levels[0].value;
    const hi = levels[levels.length - 1].value;
    return hi >= 10 ? `${lo}..${hi} (${hi} written ${hi % 10})` : `${lo}..${hi}`;
  }
  return levels.map((l) => `${l.label}=${l.value}`).join(', ');
}

export function isDefaultScale(levels: readonly Pick<ScoreLevel, 'label' | 'value'>[]): boolean {
  return scaleKey(levels) === '1=1,2=2,3=3,4=4,5=5';
}

/** The lowest and highest values. */
export function levelRange(levels: readonly Pick<ScoreLevel, 'value'>[]): { min: number; max: number } {
  return { min: levels[0].value, max: levels[levels.length - 1].value };
}

/** The index of the level whose value is nearest to v (the higher one on a tie, as Math.round). */
export function nearestLevel(levels: readonly Pick<ScoreLevel, 'value'>[], v: number): number {
  let best = 0;
  for (let i = 1; i < levels.length; i++) {
    const d = Math.abs(levels[i].value - v);
    const b = Math.abs(levels[best].value - v);
    if (d < b || (d === b && levels[i].value > levels[best].value)) best = i;
  }
  return best;
}

/** The index of the level with exactly this value, or −1. */
export function levelOfValue(levels: readonly Pick<ScoreLevel, 'value'>[], v: number): number {
  return levels.findIndex((l) => l.value === v);
}

/**
 * The levels of an object with score keys (prefix + N + suffix, e.g. "score3" or "orig_score3_description"):
 * N must run contiguously from 1 (up to 10) or from 0 (up to 9). Returns the keys in order and their
 * first value, or why not.
 */
export function scoreKeysOf(obj: Record<string, unknown>, prefix: string, suffix = ''): { keys: string[]; first: 0 | 1 } | { problem: string; key: string } {
  const re = new RegExp(`^${prefix}(\\d+)${suffix}$`);
  const ns = Object.keys(obj)
    .map((k) => re.exec(k))
    .filter((m): m is RegExpExecArray => m !== null && obj[m[0]] !== undefined)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const key = (n: number) => `${prefix}${n}${suffix}`;
  if (ns.length === 0) return { key: key(1), problem: `expected ${key(1)} … ${key(5)} (for K levels, 2 ≤ K ≤ 10: ${key(1)} … ${prefix}K${suffix})` };
  const first = ns[0];
  if (first !== 0 && first !== 1) return { key: key(1), problem: `missing: the levels start at ${key(first)}; expected ${key(1)} (or ${key(0)} for a 0..9 scale)` };
  for (let i = 0; i < ns.length; i++) if (ns[i] !== first + i) return { key: key(first + i), problem: `missing: the levels run from ${key(first)} to ${key(ns[ns.length - 1])} without it` };
  const last = ns[ns.length - 1];
  if (ns.length < MIN_LEVELS) return { key: key(first + 1), problem: `missing: a rubric has at least ${MIN_LEVELS} levels (${key(first)} … ${prefix}K${suffix})` };
  if (first === 0 ? last > 9 : last > 10) return { key: key(last), problem: `the digit scales go up to ${first === 0 ? key(9) : key(10)}; more levels need "levels" with labels of their own` };
  return { keys: ns.map(key), first: first as 0 | 1 };
}

/** The digit scales a form offers: "1..K" for K = 2..10 (10 written 0) and "0..9". */
export const DIGIT_SCALES: readonly { id: string; first: 0 | 1; k: number }[] = [
  ...Array.from({ length: 9 }, (_, i) => ({ id: `1..${i + 2}`, first: 1 as const, k: i + 2 })),
  { id: '0..9', first: 0, k: 10 },
];

/** `levels` moved to a digit scale of k levels from `first`, each keeping the description at its index ('' for new ones). */
export function resizeLevels(levels: readonly ScoreLevel[], first: 0 | 1, k: number): ScoreLevel[] {
  return digitLevels(Array.from({ length: k }, (_, i) => levels[i]?.description ?? ''), first);
}
