// Loaded by kernels.html in headless Chromium: exposes the score kernels and the matmul kernels
// (every one the autotuner may choose in the browser) to the test through window.tract, running on
// the browser's own WebGPU (navigator.gpu, SwiftShader in CI).
import { adapterName, createBuffer, readF32, Recorder, requestGpu, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { raftLossBackward, readoutRow, READOUT_EXTRA, scoreExpectation, uploadScoreTokens } from '../../src/kernels/score.ts';
import { describeMatmulKernel, matmul, MATMUL_KERNELS, matmulRunsOn, type MatmulShape } from '../../src/kernels/matmul.ts';

export interface MatmulCase {
  shape: MatmulShape;
  a: number[];
  b: number[];
}

/** C = op(A)·op(B) by every matmul kernel this adapter can run (split-K too, which the autotuner
 *  times on GPUs only; the subgroup kernels where it has `subgroups`): the kernel's name and its C. */
async function matmulCase(c: MatmulCase): Promise<{ features: string[]; results: { kernel: string; c: number[] }[] }> {
  const g = await (gpu ??= requestGpu());
  const A = uploadBuffer(g, 'A', new Float32Array(c.a));
  const B = uploadBuffer(g, 'B', new Float32Array(c.b));
  const n = c.shape.M * c.shape.N * (c.shape.batch ?? 1);
  const results: { kernel: string; c: number[] }[] = [];
  for (const k of MATMUL_KERNELS.filter((k) => matmulRunsOn(g, k))) {
    const C = createBuffer(g, 'C', n * 4);
    const rec = new Recorder(g, 'browser matmul');
    matmul(rec, C, A, B, { ...c.shape, ...k });
    rec.submit();
    results.push({ kernel: describeMatmulKernel(k), c: Array.from(await readF32(g, C, n)) });
  }
  return { features: [...g.features].sort(), results };
}

export interface ScoreCase {
  N: number;
  V: number;
  ids: number[];
  values: number[];
  logits: number[];
  gold: number[];
  mask: number[];
  renormalize: boolean;
}

let gpu: Promise<Gpu> | null = null;

async function scoreCase(c: ScoreCase) {
  const g = await (gpu ??= requestGpu());
  const K = c.ids.length;
  const tokens = uploadScoreTokens(g, c.ids, c.values, c.V);
  const logits = uploadBuffer(g, 'logits', new Float32Array(c.logits));
  const out = createBuffer(g, 'readout', c.N * (K + READOUT_EXTRA) * 4);
  const back = { dlogits: createBuffer(g, 'dlogits', c.N * c.V * 4), loss: createBuffer(g, 'loss', c.N * 4), yhat: createBuffer(g, 'yhat2', c.N * 4) };
  const rec = new Recorder(g, 'browser score');
  scoreExpectation(rec, out, logits, tokens, { N: c.N, V: c.V, renormalize: c.renormalize });
  raftLossBackward(rec, back, logits, uploadBuffer(g, 'gold', new Float32Array(c.gold)), uploadBuffer(g, 'mask', new Uint32Array(c.mask)), tokens, {
    N: c.N,
    V: c.V,
    renormalize: c.renormalize,
  });
  rec.submit();
  const data = await readF32(g, out);
  const rows = Array.from({ length: c.N }, (_, n) => readoutRow(data, n, K));
  return {
    adapter: adapterName(g.adapter),
    probs: rows.flatMap((r) => r.probs),
    mass: rows.map((r) => r.mass),
    yhat: rows.map((r) => r.yhat),
    dlogits: Array.from(await readF32(g, back.dlogits)),
    loss: Array.from(await readF32(g, back.loss)),
  };
}

async function validationMessage(): Promise<string> {
  const g = await (gpu ??= requestGpu());
  try {
    uploadScoreTokens(g, [1, 1], [1, 2], 4);
    return 'no error';
  } catch (e) {
    return (e as Error).message;
  }
}

(window as unknown as { tract: unknown }).tract = { scoreCase, validationMessage, matmulCase };
document.getElementById('status')!.textContent = 'ready';
