// Launchers for matrix products: C[b] = α · op(A[b]) · op(B[b]) (+ C[b]), row-major f32, batched.
// Five kernels compute the same thing: matmul.wgsl (8×8 register blocks in private arrays, for CPU
// Vulkan drivers, where workgroup-memory tiling loses), matmul_vec4.wgsl (4×4 blocks in vec4
// accumulators, no private arrays; 4×8 as 'vec4wide', 8×8 as 'vec4x8'), matmul_subgroup.wgsl
// (sharing op(A) loads across a subgroup by shuffles, where the adapter has `subgroups`), and for
// GPUs matmul_tiled.wgsl (64×64 workgroup tiles, 4×4 per invocation) and matmul_tiled_vec4.wgsl
// (128×128 tiles, 8×8 per invocation from vec4 reads of workgroup memory: large products). On GPUs
// the two tiled kernels can also split K (`splits`): partial products into a scratch buffer, summed
// by matmul_splitk_reduce.wgsl — for a small C with a long K (weight gradients), whose few tiles
// would leave most of a GPU idle. A split sums in another order than the other kernels, which all
// compute each output as the same sequential fma chain over k (so on CPU drivers, where split-K is
// never a candidate, every choice gives bit-identical results: test/kernels/matmul.test.ts).
// The autotuner (matmul_tuning.ts) measures them per shape class on the device; before it has,
// `matmulVariantFor` picks by adapter. Tests run every kernel.
import { createBuffer, defineKernel, f32, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, isCpuAdapter } from './common.ts';
import { KernelArgumentError } from '../gpu/index.ts';
import matmulWgsl from '../../shaders/matmul.wgsl?raw';
import matmulTiledWgsl from '../../shaders/matmul_tiled.wgsl?raw';
import matmulTiledVec4Wgsl from '../../shaders/matmul_tiled_vec4.wgsl?raw';
import matmulVec4Wgsl from '../../shaders/matmul_vec4.wgsl?raw';
import matmulBindingsWgsl from '../../shaders/common/matmul_bindings.wgsl?raw';
import matmulTilesWgsl from '../../shaders/common/matmul_tiles.wgsl?raw';
import matmulInputsF32Wgsl from '../../shaders/common/matmul_inputs_f32.wgsl?raw';
import matmulInputsF16Wgsl from '../../shaders/common/matmul_inputs_f16.wgsl?raw';
import matmulSubgroupWgsl from '../../shaders/matmul_subgroup.wgsl?raw';
import splitKReduceWgsl from '../../shaders/matmul_splitk_reduce.wgsl?raw';
import subgroupsWgsl from '../../shaders/common/subgroups.wgsl?raw';

/** The kernels over one kind of input storage (f32, or f16 for mixed precision: same code,
 *  another inputs prelude, which must come first for its `enable f16`). */
function kernelSet(inputs: string, variant: 'f32' | 'f16') {
  const make = (name: string, code: string, first: string[] = []) => defineKernel({ name, variant, code: [...first, inputs, matmulBindingsWgsl, code].join('\n') }, ['A', 'B', 'C']);
  return {
    registers: make('matmul.wgsl', matmulWgsl),
    tiled: make('matmul_tiled.wgsl', `${matmulTilesWgsl}\n${matmulTiledWgsl}`),
    tiled128: make('matmul_tiled_vec4.wgsl', `${matmulTilesWgsl}\n${matmulTiledVec4Wgsl}`),
    vec4: make('matmul_vec4.wgsl', matmulVec4Wgsl),
    subgroup: make('matmul_subgroup.wgsl', matmulSubgroupWgsl, [subgroupsWgsl]),
  };
}
/** Every source the f32 kernels are built from, in one string: the autotuner keys its kept timings
 *  on a hash of it (matmul_tuning.ts), so a changed kernel is measured again. */
export const MATMUL_KERNEL_SOURCES = matmulInputsF32Wgsl + matmulBindingsWgsl + matmulWgsl + matmulVec4Wgsl + matmulTilesWgsl + matmulTiledWgsl + matmulTiledVec4Wgsl + matmulSubgroupWgsl + splitKReduceWgsl;
const f32Kernels = kernelSet(matmulInputsF32Wgsl, 'f32');
const f16Kernels = kernelSet(matmulInputsF16Wgsl, 'f16');
const splitKReduce = defineKernel({ name: 'matmul_splitk_reduce.wgsl', code: splitKReduceWgsl }, ['part', 'C']);

export type MatmulVariant = 'registers' | 'vec4' | 'vec4wide' | 'vec4x8' | 'tiled' | 'tiled128' | 'subgroup' | 'subgroupwide';

/** The kernel before measurement, by kind of adapter: SwiftShader the 8×8 vec4 kernel (3.2–4.2
 *  GFLOP/s there against 0.4–0.5 for the register kernel, `tract bench matmul`), other CPU drivers
 *  (lavapipe, where the register kernel runs 20–22 and the vec4 ones 15–17) the register kernel,
 *  GPUs the tiled one. */
export function matmulVariantFor(gpu: Gpu): MatmulVariant {
  if (/swiftshader/i.test(`${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`)) return 'vec4x8';
  return isCpuAdapter(gpu.adapter) ? 'registers' : 'tiled';
}

/** One concrete kernel: the variant, and for 'registers' and 'vec4' the workgroup's invocation
 *  columns (WGX; WGY = 64 / WGX), which decides how many invocations idle past a narrow output;
 *  for 'tiled' and 'tiled128' optionally `splits`, the parts K is split into (split-K). */
export interface MatmulKernelChoice {
  variant: MatmulVariant;
  wgx?: number;
  splits?: number;
}

/** Every kernel the autotuner (matmul_tuning.ts) times for a shape. */
export const MATMUL_CANDIDATES: readonly MatmulKernelChoice[] = [
  // The plain 4×4 vec4 kernel and 2-column register workgroups lost every shape on lavapipe and
  // SwiftShader when they were candidates (`tract bench matmul`, 2026-12-06), so they are timed no
  // more; tests still run them.
  { variant: 'registers', wgx: 4 },
  { variant: 'registers', wgx: 8 },
  { variant: 'registers', wgx: 16 },
  { variant: 'registers', wgx: 32 },
  { variant: 'vec4wide', wgx: 8 },
  { variant: 'vec4wide', wgx: 16 },
  { variant: 'vec4x8', wgx: 8 },
  { variant: 'vec4x8', wgx: 16 },
  { variant: 'tiled' },
  { variant: 'tiled128' },
  // Timed only where the adapter has the `subgroups` feature (matmulCandidates).
  { variant: 'subgroup' },
  { variant: 'subgroupwide' },
  // Timed only on GPUs (matmulCandidates): on a CPU driver both threads are busy without it, and
  // its other summation order would make a run's numbers depend on which kernel won a timing.
  { variant: 'tiled', splits: 4 },
  { variant: 'tiled', splits: 16 },
  { variant: 'tiled128', splits: 4 },
  { variant: 'tiled128', splits: 16 },
];

/** Whether this device can run a kernel at all (the subgroup kernels need `subgroups`). */
export function matmulRunsOn(gpu: Gpu, k: MatmulKernelChoice): boolean {
  return !isSubgroupVariant(k.variant) || gpu.features.has('subgroups');
}

/** The candidates the tuner times on this device: those it can run, split-K on GPUs only. */
export function matmulCandidates(gpu: Gpu): MatmulKernelChoice[] {
  return MATMUL_CANDIDATES.filter((k) => matmulRunsOn(gpu, k) && (!k.splits || !isCpuAdapter(gpu.adapter)));
}

function isSubgroupVariant(v: MatmulVariant): boolean {
  return v === 'subgroup' || v === 'subgroupwide';
}

/** The workgroup-tiled variants: the only ones that can split K. */
function isTiledVariant(v: MatmulVariant | undefined): boolean {
  return v === 'tiled' || v === 'tiled128';
}

/** The variants whose workgroup shape is fixed (no WGX to choose). */
function hasFixedShape(v: MatmulVariant): boolean {
  return isTiledVariant(v) || isSubgroupVariant(v);
}

/** Every kernel there is (tests run them all against the reference). */
export const MATMUL_KERNELS: readonly MatmulKernelChoice[] = [{ variant: 'registers', wgx: 2 }, { variant: 'vec4', wgx: 8 }, { variant: 'vec4', wgx: 16 }, ...MATMUL_CANDIDATES];
/** A choice as text ("registers 8×8", "tiled 64×64", "tiled 64×64 split-K 4"), for tables and logs. */
export function describeMatmulKernel(k: MatmulKernelChoice): string {
  const split = k.splits && k.splits > 1 ? ` split-K ${k.splits}` : '';
  if (k.variant === 'tiled') return `tiled 64×64${split}`;
  if (k.variant === 'tiled128') return `tiled 128×128 vec4${split}`;
  if (k.variant === 'subgroup') return 'subgroup 8×4 ×64';
  if (k.variant === 'subgroupwide') return 'subgroup 8×8 ×64';
  return `${k.variant} ${k.wgx}×${64 / k.wgx!}`;
}

/** WGX before measurement: narrow outputs (N of 48 or 96 for K/V and small models) get fewer
 *  columns of invocations so that fewer of them idle past the edge. */
function defaultWgx(N: number): number {
  return Math.min(16, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(N / 8)))));
}

/**
 * The class of shapes one tuned choice serves: the transposes, and M, N, K and the batch each
 * rounded up to a power of two (a trimmed training step's rows vary step to step; the best kernel
 * for 832 rows is the best for 1024).
 */
export function matmulShapeClass(s: Pick<MatmulShape, 'M' | 'N' | 'K' | 'batch' | 'transA' | 'transB'>): string {
  const p = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
  return `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} ${p(s.M)}x${p(s.N)}x${p(s.K)}${(s.batch ?? 1) > 1 ? ` b${p(s.batch!)}` : ''}`;
}

/** Measured choices per device (matmul_tuning.ts fills it), by shape class. */
const tuned = new WeakMap<Gpu, Map<string, MatmulKernelChoice>>();

/** Installs measured choices for a device (replacing those of the same classes). */
export function setMatmulChoices(gpu: Gpu, choices: Iterable<[string, MatmulKernelChoice]>): void {
  let m = tuned.get(gpu);
  if (!m) tuned.set(gpu, (m = new Map()));
  for (const [k, c] of choices) m.set(k, c);
}

/** The kernel matmul() runs for a shape on this device: the forced variant if the shape names one,
 *  else the measured choice for its class, else the adapter-class default. */
export function matmulKernelFor(gpu: Gpu, s: MatmulShape): MatmulKernelChoice {
  if (s.variant) {
    if (!hasFixedShape(s.variant)) return { variant: s.variant, wgx: s.wgx ?? defaultWgx(s.N) };
    return s.splits && s.splits > 1 ? { variant: s.variant, splits: s.splits } : { variant: s.variant };
  }
  const t = tuned.get(gpu)?.get(matmulShapeClass(s));
  if (t) return t;
  const variant = matmulVariantFor(gpu);
  return variant === 'tiled' ? { variant } : { variant, wgx: defaultWgx(s.N) };
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
  /** Force a kernel (tests, the autotuner); default: the measured choice, else by adapter. */
  variant?: MatmulVariant;
  /** With variant 'registers': WGX (a power of two ≤ 32). */
  wgx?: number;
  /** With variant 'tiled' or 'tiled128': split K into this many parts (2–64), summed by a second
   *  kernel; a product whose partials do not fit the device's split-K scratch runs unsplit. */
  splits?: number;
  /** A and B hold f16 (2 bytes per element; kernels/cast.ts writes them) and are widened to f32 on
   *  load; C stays f32. Needs the device feature shader-f16. */
  half?: boolean;
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
  // Input elements are 2 bytes with `half`: a buffer of n f16 needs what n/2 f32 would.
  const inputUnits = (n: number) => (s.half ? Math.ceil(n / 2) : n);
  if (s.half && !rec.gpu.features.has('shader-f16')) throw new KernelArgumentError(name, 'half (f16) inputs need the device feature shader-f16, which this adapter does not offer');
  checkBuffer(name, 'A', A, inputUnits((batch - 1) * strideA + M * K));
  checkBuffer(name, 'B', B, inputUnits((batch - 1) * strideB + K * N));
  checkBuffer(name, 'C', C, (batch - 1) * strideC + M * N);
  const kernels = s.half ? f16Kernels : f32Kernels;
  if (s.splits !== undefined && s.splits !== 1 && !isTiledVariant(s.variant)) throw new KernelArgumentError(name, `splits (${s.splits}) needs variant 'tiled' or 'tiled128'`);
  const kernel = matmulKernelFor(rec.gpu, s);
  const params = [M, N, K, strideA, strideB, strideC, s.accumulate ? 1 : 0, f32(s.alpha ?? 1)];
  const overrides = { TRANS_A: s.transA ? 1 : 0, TRANS_B: s.transB ? 1 : 0 };
  if (isTiledVariant(kernel.variant)) {
    const tile = kernel.variant === 'tiled' ? 64 : 128;
    const k = kernel.variant === 'tiled' ? kernels.tiled : kernels.tiled128;
    const splits = kernel.splits ?? 1;
    if (!(Number.isInteger(splits) && splits >= 1 && splits <= 64)) throw new KernelArgumentError(name, `splits must be an integer in 1..64, got ${splits}`);
    const part = splits > 1 ? splitKScratch(rec.gpu, { M, N, batch }, splits) : null;
    if (!part) {
      rec.run(k, { params, buffers: { A, B, C }, workgroups: [Math.ceil(N / tile), Math.ceil(M / tile), batch], overrides });
    } else {
      // Partials [batch · splits] × [M·N] into the scratch (α = 1, overwrite), then their sum into C.
      const partParams = [M, N, K, strideA, strideB, M * N, 0, f32(1)];
      rec.run(k, { params: partParams, buffers: { A, B, C: part }, workgroups: [Math.ceil(N / tile), Math.ceil(M / tile), batch * splits], overrides: { ...overrides, SPLITS: splits } });
      const count = batch * M * N;
      rec.run(splitKReduce, { params: [count, splits, M * N, strideC, s.accumulate ? 1 : 0, f32(s.alpha ?? 1)], buffers: { part, C }, workgroups: Math.ceil(count / 256) });
    }
  } else if (isSubgroupVariant(kernel.variant)) {
    if (!rec.gpu.features.has('subgroups')) throw new KernelArgumentError(name, "the subgroup kernel needs the device feature 'subgroups', which this adapter does not offer");
    // 64 invocations of 8 rows × 4 columns (8 × 8 wide) each per workgroup, all on the same 8 rows.
    const wide = kernel.variant === 'subgroupwide';
    rec.run(kernels.subgroup, { params, buffers: { A, B, C }, workgroups: [Math.ceil(N / (wide ? 512 : 256)), Math.ceil(M / 8), batch], overrides: { ...overrides, WIDE: wide ? 1 : 0 } });
  } else {
    // WGX × WGY invocations of TM × TN outputs each (8 × 8 in matmul.wgsl; 4 × 4 in matmul_vec4.wgsl,
    // 4 × 8 with its WIDE override, 8 × 8 with WIDE and TALL), 64 per workgroup.
    const WGX = kernel.wgx!;
    if (!(WGX >= 1 && WGX <= 64 && Number.isInteger(Math.log2(WGX)))) throw new KernelArgumentError(name, `wgx must be a power of two ≤ 64, got ${WGX}`);
    const WGY = 64 / WGX;
    // Outputs per invocation: rows × columns.
    const [tm, tn] = kernel.variant === 'registers' || kernel.variant === 'vec4x8' ? [8, 8] : kernel.variant === 'vec4wide' ? [4, 8] : [4, 4];
    rec.run(kernel.variant === 'registers' ? kernels.registers : kernels.vec4, {
      params,
      buffers: { A, B, C },
      workgroups: [Math.ceil(N / (tn * WGX)), Math.ceil(M / (tm * WGY)), batch],
      overrides: { ...overrides, WGX, WGY, ...(kernel.variant === 'vec4wide' ? { WIDE: 1 } : kernel.variant === 'vec4x8' ? { WIDE: 1, TALL: 1 } : {}) },
    });
  }
}

type Common = Pick<MatmulShape, 'batch' | 'accumulate' | 'alpha' | 'variant' | 'wgx' | 'splits' | 'half'>;

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

/** Bytes of the split-K scratch a device keeps (one buffer, made on first use, shared by every
 *  split product: WebGPU orders the dispatches that write and read it). 64 MiB holds, e.g., the
 *  partials of a 1376×512 weight gradient split 16 ways. */
export const SPLITK_SCRATCH_BYTES = 64 * 2 ** 20;
const splitScratch = new WeakMap<Gpu, GPUBuffer>();

function splitKScratchBytes(gpu: Gpu): number {
  return Math.min(SPLITK_SCRATCH_BYTES, gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
}

/** Whether a product's split-K partials (batch · splits · M·N floats) fit the scratch, i.e. whether
 *  a split choice would run split rather than fall back to the unsplit kernel. */
export function splitKFits(gpu: Gpu, s: { M: number; N: number; batch?: number }, splits: number): boolean {
  return (s.batch ?? 1) * splits * s.M * s.N * 4 <= splitKScratchBytes(gpu);
}

/** The device's split-K scratch when the product's partials fit it (splitKFits), else null. */
function splitKScratch(gpu: Gpu, s: { M: number; N: number; batch?: number }, splits: number): GPUBuffer | null {
  if (!splitKFits(gpu, s, splits)) return null;
  let b = splitScratch.get(gpu);
  if (!b) splitScratch.set(gpu, (b = createBuffer(gpu, 'matmul split-K partials', splitKScratchBytes(gpu))));
  return b;
}
