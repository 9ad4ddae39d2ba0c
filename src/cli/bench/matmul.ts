// `tract bench matmul`: GFLOP/s of the matmul kernel the adapter gets before tuning (registers on
// CPU drivers, tiled on GPUs) at 256³ and 512³ (TRACT_BENCH_MATMUL_SIZES=512,1024,... for others),
// and of the other kernel for comparison, median over repeats; then the autotuner's timing of every
// candidate kernel at the same sizes, in Node and (unless TRACT_BENCH_BROWSER=0) in headless
// Chromium (SwiftShader without a GPU). Where the adapter has shader-f16, the same kernel with f16
// inputs (f32 accumulation: the mixed-precision matmul) is timed in the same interleaved rounds and
// printed as its own dtype 'f16' line.
import { adapterName, createBuffer, requestGpu, uploadBuffer, type Recorder } from '../../gpu/index.ts';
import { f32ToF16Bits } from '../../model/halfFloat.ts';
import { describeMatmulKernel, matmul, matmulVariantFor, type MatmulShape, type MatmulVariant } from '../../kernels/matmul.ts';
import { tuneMatmul, type MatmulTuning } from '../../kernels/matmul_tuning.ts';
import { openBenchSession } from './browser_bench.ts';
import { envPositiveInts } from './env.ts';
import { round, timeInterleaved } from './timing.ts';

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  const adapter = adapterName(gpu.adapter);
  const chosen = matmulVariantFor(gpu);
  const other: MatmulVariant = chosen === 'registers' ? 'tiled' : 'registers';
  for (const size of envPositiveInts('TRACT_BENCH_MATMUL_SIZES', [256, 512])) {
    const n = size * size;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(i) * 0.5;
    const A = uploadBuffer(gpu, 'A', data);
    const B = uploadBuffer(gpu, 'B', data);
    const C = createBuffer(gpu, 'C', n * 4);
    const flops = 2 * size ** 3;
    const half = gpu.features.has('shader-f16');
    const H = half ? uploadBuffer(gpu, 'A16', Uint16Array.from(data, f32ToF16Bits)) : null;
    const [t, t2, t3] = await timeInterleaved(
      gpu,
      [
        { label: `matmul ${chosen}`, record: (rec) => matmul(rec, C, A, B, { M: size, N: size, K: size, variant: chosen }) },
        { label: `matmul ${other}`, record: (rec) => matmul(rec, C, A, B, { M: size, N: size, K: size, variant: other }) },
        ...(H ? [{ label: `matmul ${chosen} f16`, record: (rec: Recorder) => matmul(rec, C, H, H, { M: size, N: size, K: size, variant: chosen, half: true }) }] : []),
      ],
      { reps: 9, inner: size <= 256 ? 4 : 1 },
    );
    const result = {
      adapter,
      size,
      dtype: 'f32',
      gflops: round(flops / t.medianMs / 1e6, 2),
      kernel: chosen,
      ms: round(t.medianMs, 3),
      [`${other}Gflops`]: round(flops / t2.medianMs / 1e6, 2),
    };
    if (json) console.log(JSON.stringify(result));
    else console.log(`matmul ${size}³: ${result.gflops} GFLOP/s (${chosen} kernel, ${result.ms} ms); ${other} kernel ${result[`${other}Gflops`]} GFLOP/s  [${adapter}]`);
    if (t3) {
      const f16 = { adapter, size, dtype: 'f16', accumulate: 'f32', gflops: round(flops / t3.medianMs / 1e6, 2), kernel: chosen, ms: round(t3.medianMs, 3), vsF32: round(t.medianMs / t3.medianMs, 2) };
      if (json) console.log(JSON.stringify(f16));
      else console.log(`matmul ${size}³ f16 inputs, f32 accumulation: ${f16.gflops} GFLOP/s (${chosen} kernel, ${f16.ms} ms; ${f16.vsF32}× the f32 rate)  [${adapter}]`);
    } else if (json) console.log(JSON.stringify({ adapter, size, dtype: 'f16', status: 'skipped', why: 'the adapter has no shader-f16' }));
    else console.log(`matmul ${size}³ f16: not measured (the adapter has no shader-f16)  [${adapter}]`);
  }
  const sizes = envPositiveInts('TRACT_BENCH_MATMUL_SIZES', [256, 512]);
  const shapes: MatmulShape[] = sizes.map((n) => ({ M: n, N: n, K: n }));
  printTuning((await tuneMatmul(gpu, shapes)).tuning, 'node', json);
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
