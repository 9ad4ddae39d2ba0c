// A row's rubric and its levels (src/data/levels.ts), read and written the same way by every row
// schema: score keys (score1..scoreK, K ≤ 10, or score0..score9) for a digit scale, or an explicit
// list of levels {label, value, description} for any other. Scores are then checked against the
// rubric's value range, and a stated feedback score against its levels.
import { digitLevels, isDigitScale, levelsProblem, scoreKeysOf, type ScoreLevel } from '../levels.ts';
import type { Rubric } from '../types.ts';
import { RowCheck, describeValue, isObject, requireText } from './fields.ts';

/** The levels from score keys of `obj` (prefix N suffix), or from an explicit `levels` list. */
export function readLevels(c: RowCheck, obj: Record<string, unknown>, path: string, keys: { prefix: string; suffix?: string; levels?: string }): ScoreLevel[] | undefined {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (keys.levels && obj[keys.levels] !== undefined) {
    const list = obj[keys.levels];
    const keyed = Object.keys(obj).find((k) => new RegExp(`^${keys.prefix}\\d+${keys.suffix ?? ''}$`).test(k));
    if (keyed) return c.fail(at(keys.levels), `give the levels either as "${keys.levels}" or as ${keys.prefix}1${keys.suffix ?? ''} … keys, not both (found "${keyed}" too)`);
    if (!Array.isArray(list)) return c.fail(at(keys.levels), `expected an array of levels {label, value, description}, got ${describeValue(list)}`);
    const out: ScoreLevel[] = [];
    list.forEach((l, i) => {
      const p = `${at(keys.levels!)}[${i}]`;
      if (!isObject(l)) return c.fail(p, `expected a level {label, value, description}, got ${describeValue(l)}`);
      const label = requireText(c, l, 'label', `${p}.label`);
      const description = requireText(c, l, 'description', `${p}.description`);
      if (typeof l.value !== 'number' || !Number.isFinite(l.value)) return c.fail(`${p}.value`, `expected a finite number, got ${describeValue(l.value)}`);
      if (label !== undefined && description !== undefined) out.push({ label, value: l.value, description });
    });
    if (out.length !== list.length) return undefined;
    const problem = levelsProblem(out);
    return problem ? c.fail(at(keys.levels), problem) : out;
  }
  const found = scoreKeysOf(obj, keys.prefix, keys.suffix ?? '');
  if ('problem' in found) return c.fail(at(found.key), found.problem + (keys.levels ? ` (or give "${keys.levels}": [{label, value, description}, …])` : ''));
  const d = found.keys.map((k) => requireText(c, obj, k, at(k)));
  if (d.some((x) => x === undefined)) return undefined;
  return digitLevels(d as string[], found.first);
}

/** Whether `levels` is a digit scale that score keys can hold (labels the values' last digits, values 0.. or 1.. in steps of 1). */
export function digitKeyed(levels: readonly ScoreLevel[]): { first: 0 | 1 } | null {
  const first = levels[0].value;
  return (first === 0 || first === 1) && isDigitScale(levels) ? { first } : null;
}

/** A rubric as tract JSONL writes it: {criteria, score1..scoreK} for a digit scale, else {criteria, levels}. */
export function rubricJson(r: Rubric): Record<string, unknown> {
  const keyed = digitKeyed(r.levels);
  if (!keyed) return { criteria: r.criteria, levels: r.levels.map((l) => ({ label: l.label, value: l.value, description: l.description })) };
  const out: Record<string, unknown> = { criteria: r.criteria };
  r.levels.forEach((l) => (out[`score${l.value}`] = l.description));
  return out;
}

/** Checks a score against the rubric's value range ([min, max]); `integer`: it must be a level's value. */
export function checkScoreOn(c: RowCheck, v: unknown, path: string, levels: readonly ScoreLevel[] | undefined, opts: { level?: boolean; allowString?: boolean } = {}): number | undefined {
  const min = levels ? levels[0].value : 1;
  const max = levels ? levels[levels.length - 1].value : 5;
  const range = `from ${min} to ${max}`;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (opts.allowString && typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) n = Number(v);
  else return c.fail(path, `expected a score (a number ${range}), got ${describeValue(v)}`);
  if (!Number.isFinite(n)) return c.fail(path, `expected a score ${range}, got ${n}`);
  if (n < min || n > max) return c.fail(path, `score ${n} is outside ${min}..${max}${levels && levels.length !== 5 ? ` (the rubric's ${levels.length} levels)` : ''}`);
  if (opts.level && !(levels ? levels.some((l) => l.value === n) : Number.isInteger(n))) {
    const integers = !levels || levels.every((l, i) => l.value === min + i);
    return c.fail(path, integers ? `expected an integer score ${range}, got ${n}` : `expected one of the rubric's level values (${levels!.map((l) => l.value).join(', ')}), got ${n}`);
  }
  return n;
}

/** A non-empty array of scores within the rubric's range (`level`: each a level's value). */
export function checkScoresOn(c: RowCheck, v: unknown, path: string, levels: readonly ScoreLevel[] | undefined, opts: { level?: boolean } = {}): number[] | undefined {
  const min = levels ? levels[0].value : 1;
  const max = levels ? levels[levels.length - 1].value : 5;
  if (!Array.isArray(v)) return c.fail(path, `expected an array of scores from ${min} to ${max}, got ${describeValue(v)}`);
  if (v.length === 0) return c.fail(path, 'expected at least one score, got an empty array');
  const out: number[] = [];
  let bad = false;
  v.forEach((x, i) => {
    const s = checkScoreOn(c, x, `${path}[${i}]`, levels, opts);
    if (s === undefined) bad = true;
    else out.push(s);
  });
  return bad ? undefined : out;
}
