// The matmul of this tree and of another checkout (AB_OTHER) on ONE device in one process,
// alternating (the order reversed every round): this tree's autotuner choice per size, measured
// afresh on the device (as `bench matmul` does), against the other tree's default kernel for the
// adapter (its matmulKernelFor where it has one, else matmulVariantFor: revisions since the matmul
// variants, 3d3d46f). The other tree's Gpu wraps this tree's device. Run by scripts/ab.sh matmul.
import { createBuffer, Recorder, requestGpu, uploadBuffer } from '../src/gpu/index.ts';
import { describeMatmulKernel, matmul, matmulKernelFor } from '../src/kernels/matmul.ts';
import { tuneMatmul } from '../src/kernels/matmul_tuning.ts';

const other = process.env.AB_OTHER;
if (!other) throw new Error('ab-matmul: set AB_OTHER to the other checkout');
const label = process.env.AB_LABEL ?? other;
const rounds = Number(process.env.AB_ROUNDS ?? 9);
const sizes = (process.env.AB_SHAPES || '256,512').split(',').map(Number);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`ab-matmul: AB_ROUNDS must be a positive integer, got ${process.env.AB_ROUNDS}`);
for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`ab-matmul: AB_SHAPES must list sizes (positive integers), got ${process.env.AB_SHAPES}`);

const gpu = await requestGpu();
const og = await import(`${other}/src/gpu/index.ts`);
const om = await import(`${other}/src/kernels/matmul.ts`);
const otherGpu = new og.Gpu(gpu.device, gpu.adapter);
await tuneMatmul(gpu, sizes.map((n) => ({ M: n, N: n, K: n })));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

for (const size of sizes) {
  const data = Float32Array.from({ length: size * size }, (_, i) => Math.sin(i) * 0.5);
  const shape = { M: size, N: size, K: size };
  const inner = size <= 256 ? 4 : 1; // short products: several per submit, as bench matmul
  const chosen = matmulKernelFor(gpu, shape);
  const otherKernel = om.matmulKernelFor ? om.matmulKernelFor(otherGpu, shape) : { variant: om.matmulVariantFor(otherGpu) };
  const otherName = om.describeMatmulKernel ? om.describeMatmulKernel(otherKernel) : otherKernel.variant;
  const sides = {
    other: { gpu: otherGpu, Rec: og.Recorder, A: og.uploadBuffer(otherGpu, 'A', data), C: og.createBuffer(otherGpu, 'C', size * size * 4), run: om.matmul, kernel: otherKernel },
    this: { gpu, Rec: Recorder, A: uploadBuffer(gpu, 'A', data), C: createBuffer(gpu, 'C', size * size * 4), run: matmul as typeof om.matmul, kernel: chosen },
  };
  const once = async (k: 'other' | 'this') => {
    const s = sides[k];
    const rec = new s.Rec(s.gpu, `ab ${k}`);
    for (let i = 0; i < inner; i++) s.run(rec, s.C, s.A, s.A, { ...shape, ...s.kernel });
    const t0 = performance.now();
    rec.submit();
    await s.gpu.sync();
    return (performance.now() - t0) / inner;
  };
  for (let w = 0; w < 3; w++) for (const k of ['other', 'this'] as const) await once(k);
  const ms = { other: [] as number[], this: [] as number[] };
  for (let r = 0; r < rounds; r++) for (const k of (r % 2 === 0 ? ['other', 'this'] : ['this', 'other']) as ('other' | 'this')[]) ms[k].push(await once(k));
  const gflops = (t: number) => ((2 * size ** 3) / t / 1e6).toFixed(2);
  console.log(`matmul ${size}³: ${label} (${otherName}) ${gflops(median(ms.other))} GFLOP/s, this tree (${describeMatmulKernel(chosen)}, the autotuner's choice) ${gflops(median(ms.this))} GFLOP/s (medians of ${rounds} rounds): this/other ${(median(ms.other) / median(ms.this)).toFixed(2)}×`);
}
process.exit(0);
