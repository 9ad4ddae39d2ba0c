// The CPU references of the RAFT gradient against central finite differences of the RAFT loss, in
// Float64, for both variants (plain and renormalised), with masked rows and fractional labels.
import { describe, it } from 'vitest';
import { raftLossBackwardRef, raftLossRef } from '../../src/reference/score.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { normals, rng } from '../helpers/random.ts';

function finiteDiffGrad(f: (z: Float64Array) => number, z: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) {
    const keep = z[i];
    z[i] = keep + h;
    const up = f(z);
    z[i] = keep - h;
    const down = f(z);
    z[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

const cases = [
  { N: 1, V: 5, ids: [0, 1, 2, 3, 4], mask: [1] },
  { N: 3, V: 13, ids: [12, 3, 7, 0, 5], mask: [1, 0, 1] },
  { N: 4, V: 40, ids: [39, 10, 11, 12, 0], mask: [1, 1, 1, 1] },
  { N: 2, V: 9, ids: [2, 4], mask: [0, 1] },
];

describe('RAFT gradient (CPU reference) vs central finite differences', () => {
  for (const renormalize of [false, true]) {
    for (const c of cases) {
      it(`renormalize=${renormalize} N=${c.N} V=${c.V} K=${c.ids.length}`, () => {
        const r = rng(c.V * 7 + c.N);
        const z = Float64Array.from(normals(c.N * c.V, c.V + 100 * c.N, 2));
        const values = c.ids.map((_, k) => k + 1);
        const gold = Array.from({ length: c.N }, () => 1 + 4 * r()); // fractional labels in [1, 5]
        const lambda = 0.7;
        const f = (zz: Float64Array) => raftLossRef(zz, gold, c.mask, c.N, c.V, c.ids, values, lambda, renormalize);
        const numeric = finiteDiffGrad(f, z);
        const analytic = new Float64Array(c.N * c.V);
        raftLossBackwardRef(analytic, new Float64Array(c.N), new Float64Array(c.N), z, gold, c.mask, c.N, c.V, c.ids, values, lambda, renormalize, false);
        expectClose(analytic, numeric, TOL.finiteDiff, 'dlogits');
      });
    }
  }
});
