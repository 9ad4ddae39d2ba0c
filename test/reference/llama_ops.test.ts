// The CPU references of the Llama layer backwards (embedding, RMSNorm, RoPE, attention, SwiGLU,
// cross-entropy) against central finite differences of a scalar loss L = Σ w ⊙ forward(...) in
// Float64; plus the RoPE table against Float64 angles, the decode form of the attention reference
// against the training form, and AdamW / gradient-norm references on hand-checkable cases.
import { describe, expect, it } from 'vitest';
import { embeddingBackwardRef, embeddingForwardRef } from '../../src/reference/embedding.ts';
import { rmsnormBackwardRef, rmsnormForwardRef } from '../../src/reference/rmsnorm.ts';
import { ropeBackwardRef, ropeForwardRef, ropeTable, type RopeShape } from '../../src/reference/rope.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionShape } from '../../src/reference/attention.ts';
import { swigluBackwardRef, swigluForwardRef } from '../../src/reference/swiglu.ts';
import { crossEntropyLossRef, crossEntropyRef } from '../../src/reference/cross_entropy.ts';
import { adamwRef, gradNormRef } from '../../src/reference/adamw.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { normals, rng, toF64 } from '../helpers/random.ts';

/** Central differences of f at x, perturbing x in place (restored afterwards). */
function finiteDiff(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f();
    x[i] = keep - h;
    const down = f();
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

const randn = (n: number, seed: number, scale = 1) => toF64(normals(n, seed, scale));

describe('embedding backward vs finite differences', () => {
  it('repeated tokens accumulate; unused rows get 0; existing gradient is kept (+=)', () => {
    const V = 6, C = 5, tokens = [3, 1, 3, 0, 3, 5, 1];
    const R = tokens.length;
    const wte = randn(V * C, 1);
    const w = randn(R * C, 2);
    const f = () => {
      const x = new Float64Array(R * C);
      embeddingForwardRef(x, tokens, wte, R, C);
      return dot(w, x);
    };
    const prior = randn(V * C, 3);
    const dwte = prior.slice();
    embeddingBackwardRef(dwte, w, tokens, R, C);
    const fd = finiteDiff(f, wte);
    expectClose(dwte.map((x, i) => x - prior[i]), fd, TOL.finiteDiff, 'dwte');
    expect(fd.subarray(2 * C, 3 * C).every((x) => x === 0)).toBe(true); // token 2 unused
  });
});

describe('RMSNorm backward vs finite differences', () => {
  for (const [R, C] of [[1, 1], [3, 7], [4, 16]]) {
    it(`R=${R} C=${C}`, () => {
      const eps = 1e-5;
      const x = randn(R * C, R + 10 * C);
      const g = randn(C, C + 1, 0.5).map((v) => v + 1);
      const w = randn(R * C, 3 * R + C);
      const f = () => {
        const y = new Float64Array(R * C);
        rmsnormForwardRef(y, new Float64Array(R), x, g, R, C, eps);
        return dot(w, y);
      };
      const rstd = new Float64Array(R);
      rmsnormForwardRef(new Float64Array(R * C), rstd, x, g, R, C, eps);
      const dx = new Float64Array(R * C);
      const dg = new Float64Array(C).fill(0.25); // += onto an existing gradient
      rmsnormBackwardRef(dx, dg, w, x, g, rstd, R, C);
      expectClose(dx, finiteDiff(f, x), TOL.finiteDiff, 'dx');
      expectClose(dg.map((v) => v - 0.25), finiteDiff(f, g), TOL.finiteDiff, 'dg');
    });
  }
});

describe('RoPE', () => {
  for (const convention of ['interleaved', 'half'] as const) {
    it(`${convention}: backward = transpose of forward (finite differences), posOffset 5`, () => {
      const s: RopeShape = { R: 6, T: 3, nHeads: 2, hs: 6, posOffset: 5, convention, theta: 10000 };
      const n = s.R * s.nHeads * s.hs;
      const x = randn(n, 7);
      const w = randn(n, 8);
      for (const table of [undefined, ropeTable(16, s.hs)]) {
        const f = () => {
          const y = new Float64Array(n);
          ropeForwardRef(y, x, s, table);
          return dot(w, y);
        };
        const dx = new Float64Array(n);
        ropeBackwardRef(dx, w, s, table);
        expectClose(dx, finiteDiff(f, x), TOL.finiteDiff, 'dx');
      }
    });
  }

  it('rotates the documented pairs: interleaved (2i, 2i+1), half (i, i+hs/2); position 0 is the identity', () => {
    const hs = 4;
    const x = [1, 2, 3, 4];
    const base = { R: 2, T: 2, nHeads: 1, hs, theta: 100 };
    // Row 1 is at position 1: pair 0 turns by 1 rad, pair 1 by 100^(−1/2) = 0.1 rad.
    const xx = [...x, ...x];
    const inter = new Float64Array(8);
    ropeForwardRef(inter, xx, { ...base, convention: 'interleaved' });
    const half = new Float64Array(8);
    ropeForwardRef(half, xx, { ...base, convention: 'half' });
    const rot = (a: number, b: number, ang: number) => [a * Math.cos(ang) - b * Math.sin(ang), a * Math.sin(ang) + b * Math.cos(ang)];
    expectClose(inter.subarray(0, 4), x, TOL.finiteDiff, 'interleaved at pos 0');
    const i0 = rot(1, 2, 1), i1 = rot(3, 4, 0.1);
    expectClose(inter.subarray(4), [i0[0], i0[1], i1[0], i1[1]], TOL.finiteDiff, 'interleaved at pos 1');
    const h0 = rot(1, 3, 1), h1 = rot(2, 4, 0.1);
    expectClose(half.subarray(4), [h0[0], h1[0], h0[1], h1[1]], TOL.finiteDiff, 'half at pos 1');
  });

  it("the f32 table follows llama2.c's arithmetic and is within f32 rounding of the Float64 angles", () => {
    const hs = 8, maxPos = 512;
    const t = ropeTable(maxPos, hs);
    // 10000^(2/8) = 10 exactly: freq_1 = 0.1f, so the angle at pos 3 is fround(3 · fround(0.1)).
    const val = Math.fround(3 * Math.fround(0.1));
    expect(t[(3 * 4 + 1) * 2]).toBe(Math.fround(Math.cos(val)));
    expect(t[(3 * 4 + 1) * 2 + 1]).toBe(Math.fround(Math.sin(val)));
    for (let pos = 0; pos < maxPos; pos++) {
      for (let i = 0; i < hs / 2; i++) {
        const ang = pos * Math.pow(10000, (-2 * i) / hs);
        // f32 angle error ≈ |ang|·2⁻²³ plus the rounding of cos/sin.
        const tol = 1.5 * ang * 2 ** -23 + 2 ** -23;
        expect(Math.abs(t[(pos * 4 + i) * 2] - Math.cos(ang))).toBeLessThanOrEqual(tol);
        expect(Math.abs(t[(pos * 4 + i) * 2 + 1] - Math.sin(ang))).toBeLessThanOrEqual(tol);
      }
    }
  });
});

describe('attention backward vs finite differences', () => {
  const shapes: AttentionShape[] = [
    { B: 1, T: 1, H: 1, KH: 1, hs: 3 },
    { B: 2, T: 4, H: 4, KH: 2, hs: 3 },
    { B: 1, T: 5, H: 4, KH: 1, hs: 4 },
    { B: 2, T: 3, H: 2, KH: 2, hs: 5 },
  ];
  for (const s of shapes) {
    it(`B=${s.B} T=${s.T} H=${s.H} KH=${s.KH} hs=${s.hs}`, () => {
      const nq = s.B * s.T * s.H * s.hs;
      const nk = s.B * s.T * s.KH * s.hs;
      const q = randn(nq, 21, 0.8), k = randn(nk, 22, 0.8), v = randn(nk, 23);
      const w = randn(nq, 24);
      const f = () => {
        const out = new Float64Array(nq);
        attentionForwardRef(out, null, q, k, v, s);
        return dot(w, out);
      };
      const att = new Float64Array(s.B * s.H * s.T * s.T);
      attentionForwardRef(new Float64Array(nq), att, q, k, v, s);
      const dq = new Float64Array(nq), dk = new Float64Array(nk), dv = new Float64Array(nk);
      attentionBackwardRef(dq, dk, dv, w, q, k, v, att, s);
      expectClose(dq, finiteDiff(f, q), TOL.finiteDiff, 'dq');
      expectClose(dk, finiteDiff(f, k), TOL.finiteDiff, 'dk');
      expectClose(dv, finiteDiff(f, v), TOL.finiteDiff, 'dv');
    });
  }

  it('att rows are causal probabilities; the decode form (posOffset, cache rows) equals the training rows', () => {
    const s = { B: 2, T: 6, H: 4, KH: 2, hs: 4 };
    const nq = s.B * s.T * s.H * s.hs, nk = s.B * s.T * s.KH * s.hs;
    const q = randn(nq, 31), k = randn(nk, 32), v = randn(nk, 33);
    const out = new Float64Array(nq);
    const att = new Float64Array(s.B * s.H * s.T * s.T);
    attentionForwardRef(out, att, q, k, v, s);
    for (let row = 0; row < s.B * s.H * s.T; row++) {
      const t = row % s.T;
      const p = att.subarray(row * s.T, (row + 1) * s.T);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      for (let j = t + 1; j < s.T; j++) expect(p[j]).toBe(0);
    }
    // Last 2 rows of each sequence as queries at posOffset 4, keys from a cache of Tmax = 9 rows.
    const Tq = 2, pos = 4, Tmax = 9, D = s.KH * s.hs, Q = s.H * s.hs;
    const qNew = new Float64Array(s.B * Tq * Q);
    const kc = new Float64Array(s.B * Tmax * D).fill(NaN), vc = new Float64Array(s.B * Tmax * D).fill(NaN);
    for (let b = 0; b < s.B; b++) {
      qNew.set(q.subarray((b * s.T + pos) * Q, (b * s.T + pos + Tq) * Q), b * Tq * Q);
      kc.set(k.subarray(b * s.T * D, (b + 1) * s.T * D), b * Tmax * D);
      vc.set(v.subarray(b * s.T * D, (b + 1) * s.T * D), b * Tmax * D);
    }
    const outNew = new Float64Array(s.B * Tq * Q);
    const attNew = new Float64Array(s.B * s.H * Tq * (pos + Tq));
    attentionForwardRef(outNew, attNew, qNew, kc, vc, { ...s, T: Tq, posOffset: pos, kvT: Tmax });
    for (let b = 0; b < s.B; b++) {
      expectClose(outNew.subarray(b * Tq * Q, (b + 1) * Tq * Q), out.subarray((b * s.T + pos) * Q, (b * s.T + pos + Tq) * Q), TOL.finiteDiff, 'out');
    }
    expect(attNew.some((x) => Number.isNaN(x))).toBe(false); // never read past the cached rows
  });
});

describe('SwiGLU backward vs finite differences', () => {
  it('including large |a| (the stable sigmoid)', () => {
    const n = 23;
    const a = randn(n, 41, 3);
    a[0] = 40;
    a[1] = -40;
    const b = randn(n, 42);
    const w = randn(n, 43);
    const f = () => {
      const out = new Float64Array(n);
      swigluForwardRef(out, a, b, n);
      return dot(w, out);
    };
    const da = new Float64Array(n), db = new Float64Array(n);
    swigluBackwardRef(da, db, w, a, b, n);
    expectClose(da, finiteDiff(f, a), TOL.finiteDiff, 'da');
    expectClose(db, finiteDiff(f, b), TOL.finiteDiff, 'db');
  });
});

describe('cross-entropy gradient vs finite differences', () => {
  for (const [N, V] of [[1, 1], [3, 7], [5, 33]]) {
    it(`N=${N} V=${V}, masked rows and a fractional mask weight`, () => {
      const r = rng(N * 100 + V);
      const logits = randn(N * V, N + V, 2);
      const targets = Array.from({ length: N }, () => Math.floor(r() * V));
      const mask = Array.from({ length: N }, (_, n) => (n === 1 ? 0 : n === 2 ? 0.5 : 1));
      const scale = 1 / 3;
      const dlogits = new Float64Array(N * V).fill(7); // assigned, not accumulated
      const loss = new Float64Array(N);
      crossEntropyRef(dlogits, loss, logits, targets, mask, N, V, scale);
      const fd = finiteDiff(() => crossEntropyLossRef(logits, targets, mask, N, V, scale), logits);
      expectClose(dlogits, fd, TOL.finiteDiff, 'dlogits');
      if (N > 1) expect(loss[1]).toBe(0);
      // loss = −log p[target] for an unmasked row.
      const row0 = Array.from(logits.subarray(0, V));
      const lse = Math.log(row0.reduce((s, z) => s + Math.exp(z), 0));
      expect(loss[0]).toBeCloseTo(lse - row0[targets[0]], 12);
    });
  }
});

describe('AdamW and gradient norm references', () => {
  it('the first step moves each weight by ≈ lr·sign(g) after decoupled decay', () => {
    const p = Float64Array.from([1, -2, 3]);
    const g = Float64Array.from([0.5, -0.25, 0]);
    const m = new Float64Array(3), v = new Float64Array(3);
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 1 };
    adamwRef(p, g, m, v, 0, 3, o, 1, true);
    expectClose(p, [1 * 0.99 - 0.1 * (0.5 / (0.5 + 1e-8)), -2 * 0.99 + 0.1 * (0.25 / (0.25 + 1e-8)), 3 * 0.99], TOL.finiteDiff, 'p');
    expectClose(m, [0.05, -0.025, 0], TOL.finiteDiff, 'm');
    expect(Array.from(g)).toEqual([0, 0, 0]);
  });
  it('only the range is touched; clip scales the gradient', () => {
    const p = Float64Array.from([1, 1, 1, 1]);
    const g = Float64Array.from([1, 2, 3, 4]);
    const m = new Float64Array(4), v = new Float64Array(4);
    adamwRef(p, g, m, v, 1, 2, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 0, weightDecay: 0, step: 1 }, 0.5);
    expect([p[0], p[3], m[0], m[3]]).toEqual([1, 1, 0, 0]);
    expectClose([m[1], v[1]], [0.1 * 1, 0.01 * 1], TOL.finiteDiff, 'moments of the clipped gradient');
  });
  it('norm and clip factor', () => {
    expect(gradNormRef([3, 4, 12], 0, 2, 0)).toEqual({ norm: 5, clip: 1 });
    const { norm, clip } = gradNormRef([9, 3, 4], 1, 2, 1);
    expect(norm).toBe(5);
    expect(clip).toBeCloseTo(1 / (5 + 1e-6), 15);
    expect(gradNormRef([0.1], 0, 1, 1).clip).toBe(1);
  });
});
