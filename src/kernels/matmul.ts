// Launchers for matrix products: C[b] = α · op(A[b]) · op(B[b]) (+ C[b]), row-major f32, batched.
// Two kernels compute the same thing: matmul.wgsl (register blocks only, for CPU Vulkan drivers,
// where workgroup-memory tiling loses) and matmul_tiled.wgsl (workgroup tiles + register blocks, for
// GPUs). `matmulVariantFor` picks by adapter; tests run both.
import { defineKernel, f32, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, isCpuAdapter, shader } from './common.ts';
import { KernelArgumentError } from '../gpu/index.ts';
import matmulWgsl from '../../shaders/matmul.wgsl?raw';
import matmulTiledWgsl from '../../shaders/matmul_tiled.wgsl?raw';

const registersKernel = defineKernel(shader('matmul.wgsl', matmulWgsl), ['A', 'B', 'C']);
const tiledKernel = defineKernel(shader('matmul_tiled.wgsl', matmulTiledWgsl), ['A', 'B', 'C']);

export type MatmulVariant = 'registers' | 'tiled';

export function matmulVariantFor(gpu: Gpu): MatmulVariant {
  return isCpuAdapter(gpu.adapter) ? 'registers' : 'tiled';
}

export interface MatmulShape {
  /** Rows of C and of op(A). */
  M: number;
  /** Columns of C and of op(B). */
  N: number;
  /** The contracted dimension. */
  K: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Element strides between batch entries; default the matrix size, 0 shares one matrix. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Add onto C instead of overwriting it. */
  accumulate?: boolean;
  alpha?: number;
  /** Force a kernel (tests); default by adapter. */
  variant?: MatmulVariant;
}

/** C = α · op(A) · op(B) (+ C), the general form the named products below call. */
export function matmul(rec: Recorder, C: BufferBinding, A: BufferBinding, B: BufferBinding, s: MatmulShape): void {
  const name = 'matmul';
  const { M, N, K } = s;
  const batch = s.batch ?? 1;
  for (const [k, v] of Object.entries({ M, N, K, batch })) checkDim(name, k, v);
  const strideA = s.strideA ?? M * K;
  const strideB = s.strideB ?? K * N;
  const strideC = s.strideC ?? M * N;
  if (strideC === 0 && batch > 1) throw new KernelArgumentError(name, 'strideC = 0 would make batch entries overwrite each other');
  checkBuffer(name, 'A', A, (batch - 1) * strideA + M * K);
  checkBuffer(name, 'B', B, (batch - 1) * strideB + K * N);
  checkBuffer(name, 'C', C, (batch - 1) * strideC + M * N);
  const variant = s.variant ?? matmulVariantFor(rec.gpu);
  const params = [M, N, K, strideA, strideB, strideC, s.accumulate ? 1 : 0, f32(s.alpha ?? 1)];
  const overrides = { TRANS_A: s.transA ? 1 : 0, TRANS_B: s.transB ? 1 : 0 };
  if (variant === 'tiled') {
    rec.run(tiledKernel, { params, buffers: { A, B, C }, workgroups: [Math.ceil(N / 64), Math.ceil(M / 64), batch], overrides });
  } else {
    // WGX × WGY invocations of TM × TN = 8 × 8 outputs (matmul.wgsl). 64 invocations per
    // workgroup; narrow outputs (N of 48 or 96 for K/V and small models) get fewer columns of
    // invocations so that fewer of them idle past the edge.
    const WGX = Math.min(16, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(N / 8)))));
    const WGY = 64 / WGX;
    rec.run(registersKernel, {
      params,
      buffers: { A, B, C },
      workgroups: [Math.ceil(N / (8 * WGX)), Math.ceil(M / (8 * WGY)), batch],
      overrides: { ...overrides, WGX, WGY },
    });
  }
}

type Common = Pick<MatmulShape, 'batch' | 'accumulate' | 'alpha' | 'variant'>;

/** Forward: C [M, N] = A [M, K] · B [K, N]. */
export function matmulForward(rec: Recorder, C: BufferBinding, A: BufferBinding, B: BufferBinding, s: { M: number; N: number; K: number } & Common): void {
  matmul(rec, C, A, B, s);
}

/** Backward to A: dA [M, K] = dC [M, N] · Bᵀ, with B [K, N]. */
export function matmulBackwardA(rec: Recorder, dA: BufferBinding, dC: BufferBinding, B: BufferBinding, s: { M: number; N: number; K: number } & Common): void {
  matmul(rec, dA, dC, B, { ...s, M: s.M, N: s.K, K: s.N, transB: true, strideA: s.M * s.N, strideB: s.K * s.N, strideC: s.M * s.K });
}

/** Backward to B: dB [K, N] = Aᵀ · dC [M, N], with A [M, K]. */
export function matmulBackwardB(rec: Recorder, dB: BufferBinding, A: BufferBinding, dC: BufferBinding, s: { M: number; N: number; K: number } & Common): void {
  matmul(rec, dB, A, dC, { ...s, M: s.K, N: s.N, K: s.M, transA: true, strideA: s.M * s.K, strideB: s.M * s.N, strideC: s.K * s.N });
}
