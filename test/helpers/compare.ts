// One comparison for every kernel test: |actual − expected| ≤ atol + rtol·|expected|, elementwise.
// On failure the message lists the worst mismatches with their indices.
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export const TOL = {
  elementwise: { atol: 1e-5, rtol: 1e-4 },
  matmul: { atol: 1e-4, rtol: 1e-3 },
  finiteDiff: { atol: 1e-6, rtol: 1e-5 },
} satisfies Record<string, Tolerance>;

export function mismatches(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance) {
  const bad: { i: number; actual: number; expected: number; excess: number }[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    const diff = Math.abs(a - e);
    if (!(diff <= allowed) && !(Number.isNaN(a) && Number.isNaN(e)) && a !== e) {
      bad.push({ i, actual: a, expected: e, excess: Number.isNaN(diff) ? Infinity : diff / allowed });
    }
  }
  bad.sort((x, y) => y.excess - x.excess);
  return bad;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const bad = mismatches(actual, expected, tol);
  if (bad.length > 0) {
    const worst = bad
      .slice(0, 8)
      .map((b) => `  [${b.i}] got ${b.actual}, want ${b.expected} (${b.excess.toFixed(1)}× the tolerance)`)
      .join('\n');
    expect.fail(`${what}: ${bad.length} of ${expected.length} outside atol ${tol.atol} + rtol ${tol.rtol}·|ref|; worst:\n${worst}`);
  }
}

/** max |x_i| (a loop: spreading a large array into Math.max overflows the stack). */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}
