// Launchers for rotary position embeddings (rope_forward.wgsl, run forward or backward; rope_cache.wgsl,
// an inference forward's q and k rotations with the KV-cache writes) and the
// cos/sin table they read. The table is built on the host with llama2.c's f32 arithmetic
// (ropeTable, src/kernels/rope_table.ts: plain math shared with the CPU reference model and the ONNX export).
import { defineKernel, f32, KernelArgumentError, uploadBuffer, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { ropeTable, type RopeShape } from './rope_table.ts';
import { bindingBytes, checkBuffer, checkDim, elementGrid, shader } from './common.ts';
import ropeWgsl from '../../shaders/rope_forward.wgsl?raw';
import ropeCacheWgsl from '../../shaders/rope_cache.wgsl?raw';

export { ropeTable, type RopeConvention, type RopeShape } from './rope_table.ts';

const WG = 64;
const kernel = defineKernel(shader('rope_forward.wgsl', ropeWgsl), ['table', 'x']);

/** The cos/sin table [maxPos, hs/2, 2] on the GPU (maxPos · hs floats). */
export function uploadRopeTable(gpu: Gpu, maxPos: number, hs: number, theta = 10000): GPUBuffer {
  checkDim('rope table', 'maxPos', maxPos);
  if (!Number.isInteger(hs) || hs < 2 || hs % 2 !== 0) throw new KernelArgumentError('rope table', `hs must be an even integer ≥ 2, got ${hs}`);
  return uploadBuffer(gpu, 'rope_table', ropeTable(maxPos, hs, theta));
}

/** Offset and size in bytes of a binding inside its GPUBuffer. */
function resolve(b: BufferBinding): { buffer: GPUBuffer; offset: number } {
  const slice = b as { buffer?: GPUBuffer; offset?: number };
  return slice.buffer === undefined ? { buffer: b as GPUBuffer, offset: 0 } : { buffer: slice.buffer, offset: slice.offset ?? 0 };
}

function sameBinding(a: BufferBinding, b: BufferBinding): boolean {
  const x = resolve(a);
  const y = resolve(b);
  return x.buffer === y.buffer && x.offset === y.offset;
}

/** The checks every RoPE launcher makes of the head size, the first position and the convention. */
function checkRopeArgs(name: string, hs: number, posOffset: number, convention: RopeShape['convention']): void {
  if (hs % 2 !== 0) throw new KernelArgumentError(name, `hs must be even, got ${hs}`);
  if (!Number.isInteger(posOffset) || posOffset < 0) throw new KernelArgumentError(name, `posOffset must be an integer ≥ 0, got ${posOffset}`);
  if (convention !== 'interleaved' && convention !== 'half') throw new KernelArgumentError(name, `convention must be 'interleaved' or 'half', got ${String(convention)}`);
}

/** The positions the table holds (its max_pos), refusing a table without positions 0 … needed − 1. */
function tablePositions(name: string, table: BufferBinding, hs: number, needed: number, posOffset: number, T: number): number {
  const maxPos = Math.floor(bindingBytes(table) / 4 / hs);
  if (maxPos < needed) {
    throw new KernelArgumentError(name, `the RoPE table holds ${maxPos} positions of head size ${hs}; positions up to ${needed - 1} are needed (posOffset ${posOffset} + T ${T})`);
  }
  return maxPos;
}

function rope(name: string, rec: Recorder, out: BufferBinding, x: BufferBinding, table: BufferBinding, s: RopeShape, direction: 1 | -1): void {
  const { R, T, nHeads, hs } = s;
  const posOffset = s.posOffset ?? 0;
  for (const [k, v] of Object.entries({ R, T, nHeads, hs })) checkDim(name, k, v);
  checkRopeArgs(name, hs, posOffset, s.convention);
  const n = R * nHeads * hs;
  checkBuffer(name, 'x', x, n);
  checkBuffer(name, 'out', out, n);
  const maxPos = tablePositions(name, table, hs, posOffset + Math.min(R, T), posOffset, T);
  if (!sameBinding(out, x)) {
    const src = resolve(x);
    const dst = resolve(out);
    rec.copy(src.buffer, src.offset, dst.buffer, dst.offset, n * 4);
  }
  const pairs = R * nHeads * (hs / 2);
  rec.run(kernel, {
    params: [R, T, nHeads, hs, posOffset, maxPos, s.convention === 'half' ? 1 : 0, f32(direction)],
    buffers: { table, x: out },
    workgroups: elementGrid(rec.gpu, pairs, WG),
    overrides: { WG },
  });
}

/**
 * out [R, nHeads·hs] = RoPE(x) at positions (r mod T) + posOffset; out may be x (in place),
 * otherwise x is copied into out first. `table` is uploadRopeTable's (or ropeTable's) [maxPos, hs/2, 2].
 */
export function ropeForward(rec: Recorder, out: BufferBinding, x: BufferBinding, table: BufferBinding, s: RopeShape): void {
  rope('rope_forward.wgsl', rec, out, x, table, s, 1);
}

/** dx [R, nHeads·hs] = the rotation of dout by −angle (the transpose of ropeForward); dx may be dout. */
export function ropeBackward(rec: Recorder, dx: BufferBinding, dout: BufferBinding, table: BufferBinding, s: RopeShape): void {
  rope('rope_forward.wgsl (backward)', rec, dx, dout, table, s, -1);
}

const cacheKernel = defineKernel(shader('rope_cache.wgsl', ropeCacheWgsl), ['table', 'q', 'k', 'v', 'k_cache', 'v_cache']);

/** ropeToCache's shape: B sequences of T new rows at positions posOffset …, H query and KH key/value heads. */
export interface RopeCacheShape {
  B: number;
  T: number;
  H: number;
  KH: number;
  hs: number;
  /** Rows per sequence in the cache (its capacity). */
  Tmax: number;
  posOffset: number;
  convention: RopeShape['convention'];
}

/**
 * An inference forward's step after the q, k, v products (rope_cache.wgsl, one dispatch): q [B·T, H·hs]
 * rotated in place, k [B·T, KH·hs] rotated into kCache rows b·Tmax + posOffset + t, v copied into
 * vCache's (= ropeForward of q and k, then kvCacheWrite of k and v; k itself is left unrotated).
 */
export function ropeToCache(rec: Recorder, out: { q: BufferBinding; kCache: BufferBinding; vCache: BufferBinding }, k: BufferBinding, v: BufferBinding, table: BufferBinding, s: RopeCacheShape): void {
  const name = 'rope_cache.wgsl';
  const { B, T, H, KH, hs, Tmax, posOffset } = s;
  for (const [key, val] of Object.entries({ B, T, H, KH, hs, Tmax })) checkDim(name, key, val);
  checkRopeArgs(name, hs, posOffset, s.convention);
  if (posOffset + T > Tmax) throw new KernelArgumentError(name, `posOffset + T = ${posOffset + T} exceeds the cache capacity Tmax = ${Tmax}`);
  const R = B * T;
  const KV = KH * hs;
  checkBuffer(name, 'q', out.q, R * H * hs);
  checkBuffer(name, 'k', k, R * KV);
  checkBuffer(name, 'v', v, R * KV);
  checkBuffer(name, 'k_cache', out.kCache, B * Tmax * KV);
  checkBuffer(name, 'v_cache', out.vCache, B * Tmax * KV);
  const maxPos = tablePositions(name, table, hs, posOffset + T, posOffset, T);
  const perRow = (H + KH) * (hs / 2) + KV;
  rec.run(cacheKernel, {
    params: [R, T, H, KH, hs, posOffset, maxPos, s.convention === 'half' ? 1 : 0, Tmax],
    buffers: { table, q: out.q, k, v, k_cache: out.kCache, v_cache: out.vCache },
    workgroups: elementGrid(rec.gpu, R * perRow, WG),
    overrides: { WG },
  });
}
