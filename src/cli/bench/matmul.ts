// `tract bench matmul`: first the autotuner's timing of every candidate kernel at 256³ and 512³
// (TRACT_BENCH_MATMUL_SIZES=512,1024,... for others); then, per size, GFLOP/s of the kernel it chose
// beside the kernel the adapter gets before tuning (registers on CPU drivers, tiled 64×64 on GPUs),
// median over interleaved repeats. Where the adapter has shader-f16, the chosen kernel with f16
// inputs (f32 accumulation: the mixed-precision matmul) is timed in the same rounds and printed as
// its own dtype 'f16' line. Then the autotuner again in headless Chromium (SwiftShader without a
// GPU), unless TRACT_BENCH_BROWSER=0.
import { adapterName, createBuffer, requestGpu, uploadBuffer, type Recorder } from '../../gpu/index.ts';
import { f32ToF16Bits } from '../../model/halfFloat.ts';
import { describeMatmulKernel, matmul, matmulKernelFor, matmulVariantFor, type MatmulKernelChoice, type MatmulShape } from '../../kernels/matmul.ts';
import { tuneMatmul, type MatmulTuning } from '../../kernels/matmul_tuning.ts';
import { openBenchSession } from './browser_bench.ts';
import { envPositiveInts } from './env.ts';
import { round, timeInterleaved } from './timing.ts';

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  const adapter = adapterName(gpu.adapter);
  const sizes = envPositiveInts('TRACT_BENCH_MATMUL_SIZES', [256, 512]);
  const shapes: MatmulShape[] = sizes.map((n) => ({ M: n, N: n, K: n }));
  // No store: this measures afresh and installs the choices on this device only.
  printTuning((await tuneMatmul(gpu, shapes)).tuning, 'node', json);
  const untunedVariant = matmulVariantFor(gpu);
  const half = gpu.features.has('shader-f16');
  for (const size of sizes) {
    const n = size * size;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(i) * 0.5;
    const A = uploadBuffer(gpu, 'A', data);
    const C = createBuffer(gpu, 'C', n * 4);
    const H = half ? uploadBuffer(gpu, 'A16', Uint16Array.from(data, f32ToF16Bits)) : null;
    const shape = { M: size, N: size, K: size };
    const chosen = matmulKernelFor(gpu, shape);
    const untuned = matmulKernelFor(gpu, { ...shape, variant: untunedVariant });
    const flops = 2 * size ** 3;
    const run = (k: MatmulKernelChoice, inputs = A, f16 = false) => (rec: Recorder) => matmul(rec, C, inputs, inputs, { ...shape, ...k, half: f16 });
    const [t, t2, t3] = await timeInterleaved(
      gpu,
      [
        { label: `matmul ${describeMatmulKernel(chosen)}`, record: run(chosen) },
        { label: `matmul ${describeMatmulKernel(untuned)}`, record: run(untuned) },
        ...(H ? [{ label: `matmul ${describeMatmulKernel(chosen)} f16`, record: run(chosen, H, true) }] : []),
      ],
      { reps: 9, inner: size <= 256 ? 4 : 1 },
    );
    const gflops = (ms: number) => round(flops / ms / 1e6, 2);
    const kernel = describeMatmulKernel(chosen);
    const result = { adapter, size, dtype: 'f32', gflops: gflops(t.medianMs), kernel, ms: round(t.medianMs, 3), untunedKernel: describeMatmulKernel(untuned), untunedGflops: gflops(t2.medianMs) };
    if (json) console.log(JSON.stringify(result));
    else console.log(`matmul ${size}³: ${result.gflops} GFLOP/s (${kernel}, the autotuner's choice, ${result.ms} ms); before tuning ${result.untunedKernel} ${result.untunedGflops} GFLOP/s  [${adapter}]`);
    if (t3) {
      const f16 = { adapter, size, dtype: 'f16', accumulate: 'f32', gflops: gflops(t3.medianMs), kernel, ms: round(t3.medianMs, 3), vsF32: round(t.medianMs / t3.medianMs, 2) };
      if (json) console.log(JSON.stringify(f16));
      else console.log(`matmul ${size}³ f16 inputs, f32 accumulation: ${f16.gflops} GFLOP/s (${kernel}, ${f16.ms} ms; ${f16.vsF32}× the f32 rate)  [${adapter}]`);
    } else if (json) console.log(JSON.stringify({ adapter, size, dtype: 'f16', status: 'skipped', why: 'the adapter has no shader-f16' }));
    else console.log(`matmul ${size}³ f16: not measured (the adapter has no shader-f16)  [${adapter}]`);
    for (const b of [A, C, H]) b?.destroy();
  }
  gpu.destroy();
  if (process.env.TRACT_BENCH_BROWSER === '0') return;
  const session = await openBenchSession({ pagePath: MATMUL_PAGE });
  try {
    printTuning(await session.call<MatmulTuning>('matmulTune', { shapes }, 10 * 60_000), 'chromium', json);
  } finally {
    await session.close();
  }
}

const MATMUL_PAGE = '/src/cli/bench/pages/matmul.html';

/** Every candidate's rate per timed shape, fastest first. */
function printTuning(t: MatmulTuning, runtime: string, json: boolean): void {
  for (const e of t.entries) {
    const { M, N, K, batch } = e.shape;
    const flops = 2 * M * N * K * batch;
    const rates = [...e.candidates].sort((a, b) => a.ms - b.ms).map((c) => ({ kernel: describeMatmulKernel(c.choice), gflops: Math.round((flops / (c.ms * 1e6)) * 100) / 100 }));
    if (json) console.log(JSON.stringify({ adapter: t.adapter, runtime, kind: 'tuning', shape: `${M}×${N}×${K}`, chosen: describeMatmulKernel(e.choice), gflops: rates[0].gflops, candidates: rates }));
    else console.log(`tuning ${runtime} ${M}×${N}×${K}: ${rates.map((r) => `${r.kernel} ${r.gflops}`).join(', ')} GFLOP/s  [${t.adapter}]`);
  }
}
