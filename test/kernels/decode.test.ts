// The fused decode-step kernels vs their CPU twins (src/reference/decode.ts, written as the unfused
// chain): the RMSNorm folded into the product, Q/K/V in one product with RoPE and the cache write,
// gate and up with SwiGLU, the residual epilogue, and single-query attention. Sizes: stories260K's
// layer, widths not a multiple of 4 (the f32 variant), a head wider than the workgroup, more keys
// than the workgroup, one row, query heads sharing a kv head in one workgroup (all of the group,
// or part of it when their rows do not fit the registers); offsets into one flat weight array.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { uploadRopeTable } from '../../src/kernels/rope.ts';
import { DECODE_BB_MAX, decodeAttention, decodeGateUp, decodeLayers, decodeMatvec, decodeQkv } from '../../src/kernels/decode.ts';
import { decodeAttentionRef, decodeGateUpRef, decodeMatvecRef, decodeQkvRef } from '../../src/reference/decode.ts';
import { expectClose, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { normals, toF64 } from '../helpers/random.ts';

/** Tensors of the given sizes laid out one after another at 4-float boundaries (+ a gap). */
function flat(sizes: Record<string, number>, seed: number) {
  const off: Record<string, number> = {};
  let at = 8;
  for (const [k, n] of Object.entries(sizes)) {
    off[k] = at;
    at = Math.ceil((at + n + 5) / 4) * 4;
  }
  const w = normals(at, seed, 0.3);
  if (off.g !== undefined) for (let i = 0; i < sizes.g; i++) w[off.g + i] = 1 + 0.2 * w[off.g + i];
  return { w, off };
}

const shapes = [
  { B: 1, C: 64, H: 8, KH: 4, hs: 8, F: 172, convention: 'interleaved' as const, pos: 5, Tmax: 12 },
  { B: 3, C: 6, H: 2, KH: 1, hs: 4, F: 10, convention: 'half' as const, pos: 0, Tmax: 3 },
  { B: 2, C: 32, H: 2, KH: 2, hs: 80, F: 40, convention: 'half' as const, pos: 69, Tmax: 71 },
  // 8 query heads per kv head, rows too long for all 8 in registers: 2 heads per workgroup.
  { B: 1, C: 16, H: 8, KH: 1, hs: 80, F: 8, convention: 'interleaved' as const, pos: 9, Tmax: 10 },
];

describe('fused decode kernels vs the unfused chain on the CPU', () => {
  for (const sh of shapes) {
    const { B, C, H, KH, hs, F, pos, Tmax } = sh;
    const Q = H * hs;
    const KV = KH * hs;
    const eps = 1e-5;
    const label = `B=${B} C=${C} H=${H} KH=${KH} hs=${hs} F=${F} pos=${pos}`;

    it(`decode_qkv (${label}): rmsnorm → Q, K, V → RoPE → cache row`, async () => {
      const gpu = await testGpu();
      const { w, off } = flat({ wq: Q * C, wk: KV * C, wv: KV * C, g: C }, C + 1);
      const x = normals(B * C, C + 2, 2);
      const kPrior = normals(B * Tmax * KV, 3);
      const vPrior = normals(B * Tmax * KV, 4);
      const q = createBuffer(gpu, 'q', B * Q * 4);
      const kc = uploadBuffer(gpu, 'kc', kPrior);
      const vc = uploadBuffer(gpu, 'vc', vPrior);
      const rec = new Recorder(gpu, 'qkv');
      decodeQkv(rec, { q, kCache: kc, vCache: vc }, uploadBuffer(gpu, 'x', x), uploadBuffer(gpu, 'w', w), { wq: off.wq, wk: off.wk, wv: off.wv, g: off.g }, uploadRopeTable(gpu, Tmax, hs), { ...sh, eps });
      rec.submit();
      const rk = toF64(kPrior);
      const rv = toF64(vPrior);
      const rq = decodeQkvRef(x, w, { wq: off.wq, wk: off.wk, wv: off.wv, g: off.g }, { ...sh, eps }, rk, rv);
      expectClose(await readF32(gpu, q, B * Q), rq, TOL.matmul, 'q');
      expectClose(await readF32(gpu, kc, B * Tmax * KV), rk, TOL.matmul, 'k cache (the other rows untouched)');
      expectClose(await readF32(gpu, vc, B * Tmax * KV), rv, TOL.matmul, 'v cache');
    });

    it(`decode_attention (${label}): one query over ${pos + 1} cached keys`, async () => {
      const gpu = await testGpu();
      const q = normals(B * Q, 5, 1.5);
      const kc = normals(B * Tmax * KV, 6);
      const vc = normals(B * Tmax * KV, 7);
      const s = { B, H, KH, hs, Tmax, Tk: pos + 1 };
      // The CPU drivers' workgroup (8) and the GPUs' (64).
      for (const wg of [8, 64]) {
        const y = createBuffer(gpu, 'y', B * Q * 4);
        const rec = new Recorder(gpu, 'att');
        decodeAttention(rec, y, uploadBuffer(gpu, 'q', q), uploadBuffer(gpu, 'kc', kc), uploadBuffer(gpu, 'vc', vc), { ...s, wg });
        rec.submit();
        expectClose(await readF32(gpu, y, B * Q), decodeAttentionRef(q, kc, vc, s), TOL.matmul, `y (workgroup ${wg})`);
      }
    });

    it(`decode_gate_up and decode_matvec (${label}): norm folded in, SwiGLU and residual epilogues`, async () => {
      const gpu = await testGpu();
      const { w, off } = flat({ w1: F * C, w3: F * C, w2: C * F, wo: C * Q, g: C }, F + 3);
      const x = normals(B * C, 8, 2);
      const yAtt = normals(B * Q, 9);
      const res = normals(B * C, 10);
      const W = uploadBuffer(gpu, 'w', w);
      const X = uploadBuffer(gpu, 'x', x);
      const g = createBuffer(gpu, 'g', B * F * 4);
      const x1 = createBuffer(gpu, 'x1', B * C * 4);
      const x2 = createBuffer(gpu, 'x2', B * C * 4);
      const head = createBuffer(gpu, 'head', B * F * 4);
      const rec = new Recorder(gpu, 'ffn');
      decodeGateUp(rec, g, X, W, { w1: off.w1, w3: off.w3, g: off.g }, { B, K: C, F, eps });
      decodeMatvec(rec, x1, uploadBuffer(gpu, 'y', yAtt), W, { w: off.wo }, { B, K: Q, N: C, res: uploadBuffer(gpu, 'res', res) });
      decodeMatvec(rec, x2, g, W, { w: off.w2 }, { B, K: F, N: C, res: X });
      decodeMatvec(rec, head, X, W, { w: off.w1, g: off.g }, { B, K: C, N: F, eps });
      rec.submit();
      const rg = decodeGateUpRef(x, w, { w1: off.w1, w3: off.w3, g: off.g }, B, C, F, eps);
      expectClose(await readF32(gpu, g, B * F), rg, TOL.matmul, 'gate·up');
      expectClose(await readF32(gpu, x1, B * C), decodeMatvecRef(yAtt, w, { w: off.wo }, B, Q, C, 0, res), TOL.matmul, 'wo + residual');
      expectClose(await readF32(gpu, x2, B * C), decodeMatvecRef(rg, w, { w: off.w2 }, B, F, C, 0, x), TOL.matmul, 'w2 + residual');
      expectClose(await readF32(gpu, head, B * F), decodeMatvecRef(x, w, { w: off.w1, g: off.g }, B, C, F, eps), TOL.matmul, 'norm folded into the product');
    });
  }

  // Each invocation of decode_qkv, decode_matvec and decode_gate_up takes up to DECODE_BB_MAX
  // sequences, so a weight is loaded once for all of them. B = 5 and 7 leave a partial last block;
  // C = 6 is the f32 variant. Each row is the same fma chain whatever the block, so every block size
  // must give the same bits as one sequence per invocation, and those must match the references.
  for (const sh of [
    { B: 5, C: 32, H: 4, KH: 2, hs: 8, F: 40, convention: 'half' as const, pos: 3, Tmax: 6 },
    { B: 7, C: 6, H: 2, KH: 1, hs: 4, F: 10, convention: 'interleaved' as const, pos: 1, Tmax: 2 },
  ]) {
    const { B, C, H, KH, hs, F, pos, Tmax } = sh;
    const Q = H * hs;
    const KV = KH * hs;
    const eps = 1e-5;
    it(`sequences per invocation 1..${DECODE_BB_MAX} give the same bits (B=${B} C=${C} F=${F} pos=${pos})`, async () => {
      const gpu = await testGpu();
      const { w, off } = flat({ wq: Q * C, wk: KV * C, wv: KV * C, w1: F * C, w3: F * C, w2: C * F, g: C }, B + 40);
      const x = normals(B * C, B + 41, 2);
      const gIn = normals(B * F, B + 42);
      const W = uploadBuffer(gpu, 'w', w);
      const X = uploadBuffer(gpu, 'x', x);
      const G = uploadBuffer(gpu, 'gin', gIn);
      const table = uploadRopeTable(gpu, Tmax, hs);
      const outs: Float32Array[][] = [];
      for (let bb = 1; bb <= DECODE_BB_MAX; bb++) {
        const q = createBuffer(gpu, 'q', B * Q * 4);
        const kc = uploadBuffer(gpu, 'kc', new Float32Array(B * Tmax * KV));
        const vc = uploadBuffer(gpu, 'vc', new Float32Array(B * Tmax * KV));
        const g = createBuffer(gpu, 'g', B * F * 4);
        const x2 = createBuffer(gpu, 'x2', B * C * 4);
        const xn = createBuffer(gpu, 'xn', B * F * 4);
        const rec = new Recorder(gpu, `bb ${bb}`);
        decodeQkv(rec, { q, kCache: kc, vCache: vc }, X, W, { wq: off.wq, wk: off.wk, wv: off.wv, g: off.g }, table, { ...sh, eps, bb });
        decodeGateUp(rec, g, X, W, { w1: off.w1, w3: off.w3, g: off.g }, { B, K: C, F, eps, bb });
        decodeMatvec(rec, x2, G, W, { w: off.w2 }, { B, K: F, N: C, res: X, bb });
        decodeMatvec(rec, xn, X, W, { w: off.w1, g: off.g }, { B, K: C, N: F, eps, bb });
        rec.submit();
        outs.push([await readF32(gpu, q, B * Q), await readF32(gpu, kc, B * Tmax * KV), await readF32(gpu, vc, B * Tmax * KV), await readF32(gpu, g, B * F), await readF32(gpu, x2, B * C), await readF32(gpu, xn, B * F)]);
      }
      const names = ['q', 'k cache', 'v cache', 'gate·up', 'w2 + residual', 'norm folded in'];
      for (let bb = 2; bb <= DECODE_BB_MAX; bb++) outs[bb - 1].forEach((o, i) => expect(o, `${names[i]} with ${bb} sequences per invocation`).toEqual(outs[0][i]));
      const rk = new Float64Array(B * Tmax * KV);
      const rv = new Float64Array(B * Tmax * KV);
      const rq = decodeQkvRef(x, w, { wq: off.wq, wk: off.wk, wv: off.wv, g: off.g }, { ...sh, eps }, rk, rv);
      const refs = [rq, rk, rv, decodeGateUpRef(x, w, { w1: off.w1, w3: off.w3, g: off.g }, B, C, F, eps), decodeMatvecRef(gIn, w, { w: off.w2 }, B, F, C, 0, x), decodeMatvecRef(x, w, { w: off.w1, g: off.g }, B, C, F, eps)];
      refs.forEach((r, i) => expectClose(outs[DECODE_BB_MAX - 1][i], r, TOL.matmul, names[i]));
    });
  }

  it('launchers refuse bad shapes and offsets before dispatching', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'bad');
    const b = (n: number) => createBuffer(gpu, 'b', n * 4);
    const s = { B: 1, C: 8, H: 2, KH: 1, hs: 4, pos: 3, Tmax: 3, convention: 'interleaved' as const, eps: 1e-5 };
    expect(() => decodeQkv(rec, { q: b(8), kCache: b(12), vCache: b(12) }, b(8), b(200), { wq: 0, wk: 64, wv: 96, g: 128 }, b(100), s)).toThrow(/pos must be an integer in 0\.\.Tmax−1 \(2\), got 3/);
    expect(() => decodeQkv(rec, { q: b(8), kCache: b(12), vCache: b(12) }, b(8), b(200), { wq: 2, wk: 64, wv: 96, g: 128 }, b(100), { ...s, pos: 0 })).toThrow(/wq offset 2 is not a multiple of 4/);
    expect(() => decodeMatvec(rec, b(4), b(8), b(20), { w: 0 }, { B: 1, K: 8, N: 4 })).toThrow(/buffer 'w \(w\)' holds 80 bytes, needs 128/);
    expect(() => decodeAttention(rec, b(8), b(8), b(12), b(12), { B: 1, H: 2, KH: 1, hs: 4, Tmax: 3, Tk: 4 })).toThrow(/Tk \(4\) exceeds the cache's 3 rows/);
    expect(() => decodeMatvec(rec, b(8), b(16), b(64), { w: 0 }, { B: 2, K: 8, N: 4, bb: 5 })).toThrow(/sequences per invocation must be an integer in 1\.\.4, got 5/);
    // decode_layer reading its input from a history [B, Tmax] and writing the greedy pick after it.
    const ls = { B: 1, C: 8, F: 8, H: 2, KH: 1, hs: 4, pos: 2, Tmax: 3, convention: 'interleaved' as const, eps: 1e-5 };
    const caches = { kCache: b(12), vCache: b(12) };
    const run = { layer0: 0, layers: 1, offs: b(9), layerFloats: 0, emb: 0 };
    const head = { norm: 0, head: 0, V: 4, logits: b(4) };
    expect(() => decodeLayers(rec, b(8), caches, b(400), b(12), b(3), { ...run, greedy: true }, ls)).toThrow(/greedy decoding needs the head in the dispatch/);
    expect(() => decodeLayers(rec, b(8), caches, b(400), b(12), b(3), { ...run, head, greedy: true }, ls)).toThrow(/writes the next token at pos \+ 1 = 3, outside the history's 3 positions/);
    expect(() => decodeLayers(rec, b(8), caches, b(400), b(12), b(2), { ...run, head, greedy: true }, { ...ls, pos: 1 })).toThrow(/buffer 'tokens'/);
    expect(rec.dispatches).toBe(0);
  });
});
