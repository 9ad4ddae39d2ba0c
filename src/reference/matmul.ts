// CPU reference for the matmul kernels (matmul.wgsl, matmul_vec4.wgsl, matmul_tiled.wgsl, ...):
// C[b] = α · op(A[b]) · op(B[b]) (+ C[b]), row-major, in Float64. Same shape options as the launcher.
// And for matmul_splitk_reduce.wgsl, the sum of a split-K product's partials.
import type { Floats } from './floats.ts';
import type { MatmulShape } from '../kernels/matmul.ts';

/** The launcher's shape options (src/kernels/matmul.ts), less the kernel choice. */
export type MatmulRefShape = Omit<MatmulShape, 'variant'>;

export function matmulRef(C: Float64Array, A: Floats, B: Floats, s: MatmulRefShape): void {
  const { M, N, K } = s;
  const batch = s.batch ?? 1;
  const sa = s.strideA ?? M * K;
  const sb = s.strideB ?? K * N;
  const sc = s.strideC ?? M * N;
  const alpha = s.alpha ?? 1;
  for (let b = 0; b < batch; b++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const a = A[b * sa + (s.transA ? k * M + m : m * K + k)];
          const bb = B[b * sb + (s.transB ? n * K + k : k * N + n)];
          acc += a * bb;
        }
        const i = b * sc + m * N + n;
        C[i] = (s.accumulate ? C[i] : 0) + alpha * acc;
      }
    }
  }
}

/** matmul_splitk_reduce.wgsl: C[b·strideC + i] = α · Σ_s part[(b·S + s)·perBatch + i] (+ C), for
 *  i < perBatch (= M·N), b < batch. */
export function splitKReduceRef(C: Float64Array, part: Floats, s: { batch: number; splits: number; perBatch: number; strideC: number; accumulate?: boolean; alpha?: number }): void {
  for (let b = 0; b < s.batch; b++) {
    for (let i = 0; i < s.perBatch; i++) {
      let acc = 0;
      for (let k = 0; k < s.splits; k++) acc += part[(b * s.splits + k) * s.perBatch + i];
      const j = b * s.strideC + i;
      C[j] = (s.accumulate ? C[j] : 0) + (s.alpha ?? 1) * acc;
    }
  }
}
