// `tract bench matmul`: GFLOP/s of the matmul kernel the adapter gets (registers on CPU drivers,
// tiled on GPUs) at 256³ and 512³ (TRACT_BENCH_MATMUL_SIZES=512,1024,... for others), and of the
// other kernel for comparison. Median over repeats. f32 only: the engine has no f16 matmul yet.
import { adapterName, createBuffer, requestGpu, uploadBuffer } from '../../gpu/index.ts';
import { matmul, matmulVariantFor, type MatmulVariant } from '../../kernels/matmul.ts';
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
    const [t, t2] = await timeInterleaved(
      gpu,
      [
        { label: `matmul ${chosen}`, record: (rec) => matmul(rec, C, A, B, { M: size, N: size, K: size, variant: chosen }) },
        { label: `matmul ${other}`, record: (rec) => matmul(rec, C, A, B, { M: size, N: size, K: size, variant: other }) },
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
  }
  gpu.destroy();
}
