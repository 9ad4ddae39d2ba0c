// Launchers for the fused decode-step kernels: one new token per sequence (B rows), reading weights
// straight from the model's flat parameter buffer at element offsets. Together they run a
// transformer layer in 5 dispatches (training's forward takes ~17):
//   decodeQkv        rmsnorm → Q, K, V in one product → RoPE → KV-cache write   decode_qkv.wgsl
//   decodeAttention  scores, softmax and the weighted sum for the one query      decode_attention.wgsl
//   decodeMatvec     (rmsnorm →) x·Wᵀ (+ residual)                               decode_matvec.wgsl
//   decodeGateUp     rmsnorm → gate and up in one pass → SwiGLU                  decode_gate_up.wgsl
//   decodeLayer      all of the above for one layer, one workgroup per sequence  decode_layer.wgsl
//                    (small models on CPU drivers, where dispatches cost more than the arithmetic)
// CPU references: src/reference/decode.ts.
import { createBuffer, defineKernel, f32, KernelArgumentError, type BufferBinding, type Gpu, type Recorder } from '../gpu/index.ts';
import { checkBuffer, checkDim, deviceBuffer, elementGrid, isCpuAdapter, rowKernels, shader } from './common.ts';
import qkvWgsl from '../../shaders/decode_qkv.wgsl?raw';
import attentionWgsl from '../../shaders/decode_attention.wgsl?raw';
import matvecWgsl from '../../shaders/decode_matvec.wgsl?raw';
import gateUpWgsl from '../../shaders/decode_gate_up.wgsl?raw';
import layerWgsl from '../../shaders/decode_layer.wgsl?raw';

const WG = 64;
/** Sequences an invocation of decode_qkv, decode_matvec and decode_gate_up takes (their BB_MAX):
 *  each loaded weight feeds that many rows, so a step over B sequences reads the layer's weights
 *  ceil(B / 4) times instead of B — the products are memory-bound on every device. */
export const DECODE_BB_MAX = 4;

/** The workgroup of decode_qkv, decode_matvec and decode_gate_up: 16 on CPU drivers, where a layer's
 *  products have only a few hundred invocations and 64 leaves a few workgroups to share among the
 *  driver's threads (the ~5M shape's wo and w2: 64 invocations, one workgroup); 64 on GPUs.
 *  Measured on lavapipe, the ~5M shape's split-form decode step, medians of 12 interleaved rounds
 *  (ms; two runs, the box 2× slower in the second) — 4 sequences per invocation with workgroup 16 /
 *  the same with 64 / one sequence per invocation with 64 (before):
 *    1 sequence, position 60:   4.14 / 4.68 / 4.58;   8.57 / — / 9.06
 *    4 sequences, position 60:  8.14 / 9.51 / 12.72;  12.48 / — / 18.40
 *    4 sequences, position 250: 15.77 / 18.19 / 23.96; 17.13 / — / 24.84 */
function productWg(gpu: Gpu): number {
  return isCpuAdapter(gpu.adapter) ? 16 : WG;
}

/** Sequences per invocation for B rows: `bb` when given (tests: 1..DECODE_BB_MAX), else min(B, 4).
 *  Each output is the same fma chain whatever it is. */
function seqBlock(name: string, B: number, bb?: number): number {
  if (bb === undefined) return Math.min(B, DECODE_BB_MAX);
  if (!Number.isInteger(bb) || bb < 1 || bb > DECODE_BB_MAX) throw new KernelArgumentError(name, `sequences per invocation must be an integer in 1..${DECODE_BB_MAX}, got ${bb}`);
  return bb;
}

/** decode_layer's workgroup: one SIMD batch of a CPU driver (the form runs only on CPU adapters).
 *  Fewer invocations than tasks, but each barrier resumes fewer of them: interleaved per step,
 *  stories260K, 8 vs 64 invocations: lavapipe 0.44 vs 0.53 ms (min of 10 rounds), SwiftShader
 *  1.6–1.9 vs 2.2–3.1 ms per decoded token. */
const LAYER_WG = 8;
/** decode_layer.wgsl keeps a head's q and y in eight named vec4s at most: hs ≤ 4·DECODE_HV_MAX. */
export const DECODE_HV_MAX = 8;
const qkvKernels = rowKernels('decode_qkv.wgsl', qkvWgsl, ['x', 'w', 'table', 'q', 'k_cache', 'v_cache']);
const attentionKernels = rowKernels('decode_attention.wgsl', attentionWgsl, ['q', 'k_cache', 'v_cache', 'y']);
/** Query rows the attention kernel holds in registers: at most MAXQ Elems and MAXG heads. */
const MAXQ = 64;
const MAXG = 8;
const matvecKernels = rowKernels('decode_matvec.wgsl', matvecWgsl, ['x', 'w', 'res', 'y']);
const gateUpKernels = rowKernels('decode_gate_up.wgsl', gateUpWgsl, ['x', 'w', 'y']);
const layerKernel = defineKernel(shader('decode_layer.wgsl', layerWgsl), ['w', 'table', 'tokens', 'offs', 'x', 'k_cache', 'v_cache', 'logits']);

/** decodeQkv's shape and the feed-forward width. */
export interface DecodeLayerShape extends DecodeQkvShape {
  F: number;
}

/** The per-layer offsets table decode_layer.wgsl reads: [nLayers, 9] u32 in vec4s (wq, wk, wv, wo,
 *  w1, w2, w3, attention norm, ffn norm), from offsets in floats. */
export const LAYER_OFFSETS = ['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3', 'gAtt', 'gFfn'] as const;
export type LayerOffsets = Record<(typeof LAYER_OFFSETS)[number], number>;

export function layerOffsetsTable(layers: readonly LayerOffsets[]): Uint32Array<ArrayBuffer> {
  const t = new Uint32Array(layers.length * LAYER_OFFSETS.length);
  layers.forEach((l, i) =>
    LAYER_OFFSETS.forEach((k, j) => {
      if (!Number.isInteger(l[k]) || l[k] < 0 || l[k] % 4 !== 0) throw new KernelArgumentError('decode_layer.wgsl', `layer ${i} ${k} offset must be a multiple of 4 floats, got ${l[k]}`);
      t[i * LAYER_OFFSETS.length + j] = l[k] / 4;
    }),
  );
  return t;
}

/** Workgroup bytes decode_layer.wgsl needs for a model: [x | xn | x1 | q | k | y | g]. */
export function decodeLayerBytes(s: Pick<DecodeLayerShape, 'C' | 'F' | 'H' | 'KH' | 'hs'>): number {
  // The vectors, and the greedy read-out's best value and index per invocation.
  return 4 * (3 * s.C + 2 * s.H * s.hs + s.KH * s.hs + s.F) + 8 * LAYER_WG;
}

/** Whether decodeLayers takes this model on this device: rows a multiple of 4 floats (C, F, hs) and
 *  the vectors within the workgroup memory limit. */
export function decodeLayerFits(gpu: Gpu, s: Pick<DecodeLayerShape, 'C' | 'F' | 'H' | 'KH' | 'hs'>): boolean {
  return s.C % 4 === 0 && s.F % 4 === 0 && s.hs % 4 === 0 && s.hs <= 4 * DECODE_HV_MAX && s.H % s.KH === 0 && decodeLayerBytes(s) <= gpu.limits.maxComputeWorkgroupStorageSize;
}

export interface DecodeLayersRun {
  /** The first layer and how many run in this dispatch. */
  layer0: number;
  layers: number;
  /** Offsets table (layerOffsetsTable, uploaded) with a row for every layer of the model. */
  offs: BufferBinding;
  /** Floats between consecutive layers' caches inside kCache / vCache (layers > 1). */
  layerFloats: number;
  /** The first layer reads the embedding of tokens [B] (tok_embeddings at this offset, floats). */
  emb?: number;
  /** End with the norm and the head into logits [B, V]; without it x [B, C] gets the output. */
  head?: { norm: number; head: number; V: number; logits: BufferBinding };
  /** Run only these sequences (distinct rows < B, at most DECODE_MAX_ROWS): one workgroup each; the
   *  other rows of x, the caches and the logits are not touched. Default: all B. */
  rows?: readonly number[];
  /** Greedy decoding in this dispatch (needs the head): tokens is a generator's history [B, Tmax]
   *  (u32) instead of [B], sequence b's input is tokens[b·Tmax + pos], and the first index of its
   *  largest logit is written at tokens[b·Tmax + pos + 1], where the next step reads its input
   *  (sample_token.wgsl's rule at temperature 0 and no penalty). */
  greedy?: boolean;
}

/** The most rows a decode_layer dispatch can be given (its uniform holds the list). */
export const DECODE_MAX_ROWS = 256;

/**
 * Layers of a decode step for B sequences in one dispatch (decode_layer.wgsl), one workgroup per
 * sequence: x [B, C] holds the residual stream in (unless run.emb) and out (unless run.head); k, v
 * of position pos go into the caches, layer layer0 + i at i · layerFloats.
 */
export function decodeLayers(
  rec: Recorder,
  x: BufferBinding,
  caches: { kCache: BufferBinding; vCache: BufferBinding },
  w: BufferBinding,
  table: BufferBinding,
  tokens: BufferBinding,
  run: DecodeLayersRun,
  s: DecodeLayerShape,
): void {
  const name = 'decode_layer.wgsl';
  const { B, C, F, H, KH, hs, pos, Tmax } = s;
  for (const [k, v] of Object.entries({ B, C, F, H, KH, hs, Tmax, layers: run.layers })) checkDim(name, k, v);
  if (!decodeLayerFits(rec.gpu, s)) throw new KernelArgumentError(name, `C (${C}), F (${F}) and hs (${hs}) must be multiples of 4, hs at most ${4 * DECODE_HV_MAX}, KH must divide H, and ${decodeLayerBytes(s)} bytes of workgroup memory must fit the adapter's ${rec.gpu.limits.maxComputeWorkgroupStorageSize}`);
  if (!Number.isInteger(pos) || pos < 0 || pos >= Tmax) throw new KernelArgumentError(name, `pos must be an integer in 0..Tmax−1 (${Tmax - 1}), got ${pos}`);
  if (B > rec.gpu.limits.maxComputeWorkgroupsPerDimension) throw new KernelArgumentError(name, `B = ${B} exceeds maxComputeWorkgroupsPerDimension`);
  const KV = KH * hs;
  const cacheFloats = B * Tmax * KV;
  if (run.layers > 1 && (run.layerFloats < cacheFloats || run.layerFloats % 4 !== 0)) throw new KernelArgumentError(name, `layerFloats (${run.layerFloats}) must be a multiple of 4 and hold a layer's ${cacheFloats} floats`);
  checkBuffer(name, 'offs', run.offs, (run.layer0 + run.layers) * LAYER_OFFSETS.length);
  checkBuffer(name, 'x', x, B * C);
  checkBuffer(name, 'table', table, (pos + 1) * hs);
  if (run.greedy) {
    checkBuffer(name, 'tokens', tokens, B * Tmax);
    if (!run.head) throw new KernelArgumentError(name, 'greedy decoding needs the head in the dispatch');
    if (pos + 1 >= Tmax) throw new KernelArgumentError(name, `greedy decoding writes the next token at pos + 1 = ${pos + 1}, outside the history's ${Tmax} positions`);
  } else {
    checkBuffer(name, 'tokens', tokens, run.emb !== undefined ? B : 1);
  }
  for (const [k, c] of Object.entries({ k_cache: caches.kCache, v_cache: caches.vCache })) checkBuffer(name, k, c, (run.layers - 1) * run.layerFloats + cacheFloats);
  if (run.emb !== undefined) checkOffsets(name, w, { emb: [run.emb, C] }, true);
  if (run.head) {
    checkOffsets(name, w, { norm: [run.head.norm, C], head: [run.head.head, run.head.V * C] }, true);
    checkBuffer(name, 'logits', run.head.logits, B * run.head.V);
  }
  const rows = run.rows;
  if (rows) {
    if (rows.length === 0 || rows.length > Math.min(B, DECODE_MAX_ROWS)) throw new KernelArgumentError(name, `rows must list 1..${Math.min(B, DECODE_MAX_ROWS)} sequences, got ${rows.length}`);
    const seen = new Set<number>();
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= B || seen.has(r)) throw new KernelArgumentError(name, `rows must be distinct integers in 0..B−1 (${B - 1}), got ${r}`);
      seen.add(r);
    }
  }
  const rowWords = new Array<number>(DECODE_MAX_ROWS).fill(0);
  rows?.forEach((r, i) => (rowWords[i] = r));
  const q = (n: number) => n / 4;
  rec.run(layerKernel, {
    params: [
      C, H, KH, hs, pos, Tmax, s.convention === 'half' ? 1 : 0, run.emb !== undefined ? 1 : 0, q(run.emb ?? 0),
      run.layer0, run.layers, q(run.layers > 1 ? run.layerFloats : 0), run.head ? 1 : 0, q(run.head?.norm ?? 0), q(run.head?.head ?? 0), run.head?.V ?? 0,
      f32(s.eps), f32(Math.fround(Math.sqrt(hs))), C / 4, F / 4, (H * hs) / 4, KV / 4,
      rows ? 1 : 0, run.greedy ? Tmax : 1, run.greedy ? pos : 0, run.greedy ? 1 : 0, 0, 0, ...rowWords,
    ],
    // Without a head the logits binding is unused: a scratch word is bound there (WebGPU refuses two
    // writable bindings of one buffer, so x cannot stand in).
    buffers: { w, table, tokens, offs: run.offs, x, k_cache: caches.kCache, v_cache: caches.vCache, logits: run.head?.logits ?? deviceBuffer(rec.gpu, 'decode.unused', () => createBuffer(rec.gpu, 'decode.unused', 16)) },
    workgroups: rows ? rows.length : B,
    overrides: { WG: LAYER_WG, HV: hs / 4, MEMV: (3 * C + 2 * H * hs + KV + F) / 4 },
  });
}

/** Each tensor [offset, size] (floats) lies inside the parameter buffer w (vec4: 4-float aligned). */
function checkOffsets(name: string, w: BufferBinding, offsets: Record<string, [number, number]>, vec4: boolean): void {
  for (const [k, [off, size]] of Object.entries(offsets)) {
    if (!Number.isInteger(off) || off < 0) throw new KernelArgumentError(name, `${k} offset must be an integer ≥ 0, got ${off}`);
    if (vec4 && off % 4 !== 0) throw new KernelArgumentError(name, `${k} offset ${off} is not a multiple of 4 floats`);
    checkBuffer(name, `w (${k})`, w, off + size);
  }
}

export interface DecodeQkvShape {
  B: number;
  C: number;
  H: number;
  KH: number;
  hs: number;
  /** Position of the new token (its row in the cache and of the RoPE table). */
  pos: number;
  Tmax: number;
  convention: 'interleaved' | 'half';
  eps: number;
  /** Sequences per invocation (default min(B, DECODE_BB_MAX); tests force each). */
  bb?: number;
}

/** q [B, H·hs] (=), k_cache[b, pos], v_cache[b, pos] (=) from x [B, C] and the layer's attention
 *  norm g and wq, wk, wv at offsets (floats) in w. */
export function decodeQkv(
  rec: Recorder,
  out: { q: BufferBinding; kCache: BufferBinding; vCache: BufferBinding },
  x: BufferBinding,
  w: BufferBinding,
  off: { wq: number; wk: number; wv: number; g: number },
  table: BufferBinding,
  s: DecodeQkvShape,
): void {
  const name = 'decode_qkv.wgsl';
  const { B, C, H, KH, hs, pos, Tmax } = s;
  for (const [k, v] of Object.entries({ B, C, H, KH, hs, Tmax })) checkDim(name, k, v);
  if (hs % 2 !== 0) throw new KernelArgumentError(name, `hs must be even, got ${hs}`);
  if (H % KH !== 0) throw new KernelArgumentError(name, `KH (${KH}) must divide H (${H})`);
  if (!Number.isInteger(pos) || pos < 0 || pos >= Tmax) throw new KernelArgumentError(name, `pos must be an integer in 0..Tmax−1 (${Tmax - 1}), got ${pos}`);
  const Q = H * hs;
  const KV = KH * hs;
  const vec4 = C % 4 === 0;
  checkOffsets(name, w, { wq: [off.wq, Q * C], wk: [off.wk, KV * C], wv: [off.wv, KV * C], g: [off.g, C] }, vec4);
  checkBuffer(name, 'x', x, B * C);
  checkBuffer(name, 'table', table, (pos + 1) * hs);
  checkBuffer(name, 'q', out.q, B * Q);
  checkBuffer(name, 'k_cache', out.kCache, B * Tmax * KV);
  checkBuffer(name, 'v_cache', out.vCache, B * Tmax * KV);
  const e = vec4 ? 4 : 1;
  const bb = seqBlock(name, B, s.bb);
  rec.run(qkvKernels.pick(C), {
    params: [B, C, H, KH, hs, off.wq / e, off.wk / e, off.wv / e, off.g / e, pos, Tmax, s.convention === 'half' ? 1 : 0, f32(s.eps)],
    buffers: { x, w, table, q: out.q, k_cache: out.kCache, v_cache: out.vCache },
    workgroups: elementGrid(rec.gpu, (Math.ceil(B / bb) * (Q + 2 * KV)) / 2, productWg(rec.gpu)),
    overrides: { WG: productWg(rec.gpu), BB: bb },
  });
}

export interface DecodeAttentionShape {
  B: number;
  H: number;
  KH: number;
  hs: number;
  Tmax: number;
  /** Keys per sequence to attend to (the new token's position + 1). */
  Tk: number;
  /** Force a workgroup size (a power of two; tests run the CPU and the GPU choice). */
  wg?: number;
}

/** y [B, H·hs] (=) = softmax(q·kᵀ/√hs)·v over the first Tk cache rows (one pass, online softmax). */
export function decodeAttention(rec: Recorder, y: BufferBinding, q: BufferBinding, kCache: BufferBinding, vCache: BufferBinding, s: DecodeAttentionShape): void {
  const name = 'decode_attention.wgsl';
  const { B, H, KH, hs, Tmax, Tk } = s;
  for (const [k, v] of Object.entries({ B, H, KH, hs, Tmax, Tk })) checkDim(name, k, v);
  if (H % KH !== 0) throw new KernelArgumentError(name, `KH (${KH}) must divide H (${H})`);
  if (Tk > Tmax) throw new KernelArgumentError(name, `Tk (${Tk}) exceeds the cache's ${Tmax} rows`);
  if (s.wg !== undefined && (!Number.isInteger(s.wg) || s.wg < 1 || (s.wg & (s.wg - 1)) !== 0)) throw new KernelArgumentError(name, `workgroup size must be a power of two, got ${s.wg}`);
  const w = hs % 4 === 0 ? 4 : 1;
  if (hs > MAXQ * w) throw new KernelArgumentError(name, `head size ${hs} exceeds the kernel's ${MAXQ * w}`);
  // Query heads per workgroup: the most heads of one kv group whose rows fit the registers.
  const G = H / KH;
  let hpw = 1;
  for (let d = 1; d <= Math.min(G, MAXG); d++) if (G % d === 0 && (d * hs) / w <= MAXQ) hpw = d;
  checkBuffer(name, 'q', q, B * H * hs);
  checkBuffer(name, 'y', y, B * H * hs);
  checkBuffer(name, 'k_cache', kCache, B * Tmax * KH * hs);
  checkBuffer(name, 'v_cache', vCache, B * Tmax * KH * hs);
  if (B * H > rec.gpu.limits.maxComputeWorkgroupsPerDimension) throw new KernelArgumentError(name, `B·H = ${B * H} exceeds maxComputeWorkgroupsPerDimension`);
  rec.run(attentionKernels.pick(hs), {
    params: [B, H, KH, hs, Tmax, Tk, f32(Math.fround(Math.sqrt(hs))), hpw],
    buffers: { q, k_cache: kCache, v_cache: vCache, y },
    workgroups: (B * H) / hpw,
    // CPU drivers pay for every barrier across all invocations of a workgroup: 8 (one SIMD row on
    // lavapipe) measured ~2× faster than 64 at 256 keys and ~5× at 1.
    overrides: { WG: s.wg ?? (isCpuAdapter(rec.gpu.adapter) ? 8 : 64) },
  });
}

export interface DecodeMatvecShape {
  B: number;
  /** Input width. */
  K: number;
  /** Output width. */
  N: number;
  /** Sequences per invocation (default min(B, DECODE_BB_MAX); tests force each). */
  bb?: number;
}

/**
 * y [B, N] (=) = (res +) s_b · (x ⊙ g)·Wᵀ with W [N, K] at off.w in w; with off.g the RMSNorm of
 * x (gain g, eps) is folded in (s_b its scale), else s_b = 1 and g = 1.
 */
export function decodeMatvec(
  rec: Recorder,
  y: BufferBinding,
  x: BufferBinding,
  w: BufferBinding,
  off: { w: number; g?: number },
  s: DecodeMatvecShape & { eps?: number; res?: BufferBinding },
): void {
  const name = 'decode_matvec.wgsl';
  const { B, K, N } = s;
  for (const [k, v] of Object.entries({ B, K, N })) checkDim(name, k, v);
  const norm = off.g !== undefined;
  const vec4 = K % 4 === 0;
  checkOffsets(name, w, { w: [off.w, N * K], ...(norm ? { g: [off.g!, K] as [number, number] } : {}) }, vec4);
  if (norm && (!(s.eps! >= 0) || !Number.isFinite(s.eps))) throw new KernelArgumentError(name, `eps must be a finite number ≥ 0, got ${s.eps}`);
  checkBuffer(name, 'x', x, B * K);
  checkBuffer(name, 'y', y, B * N);
  if (s.res) checkBuffer(name, 'res', s.res, B * N);
  const e = vec4 ? 4 : 1;
  const bb = seqBlock(name, B, s.bb);
  rec.run(matvecKernels.pick(K), {
    params: [B, K, N, off.w / e, (off.g ?? 0) / e, f32(s.eps ?? 0)],
    // Without a residual the binding is unused: x is bound there (read-only aliasing is allowed).
    buffers: { x, w, res: s.res ?? x, y },
    workgroups: elementGrid(rec.gpu, Math.ceil(B / bb) * Math.ceil(N / 4), productWg(rec.gpu)), // 4 outputs per invocation (NB)
    overrides: { WG: productWg(rec.gpu), NORM: norm ? 1 : 0, RESIDUAL: s.res ? 1 : 0, BB: bb },
  });
}

/** y [B, F] (=) = silu(s_b (x ⊙ g)·W1ᵀ) ⊙ (s_b (x ⊙ g)·W3ᵀ), s_b the RMSNorm scale of x [B, K]. */
export function decodeGateUp(rec: Recorder, y: BufferBinding, x: BufferBinding, w: BufferBinding, off: { w1: number; w3: number; g: number }, s: { B: number; K: number; F: number; eps: number; bb?: number }): void {
  const name = 'decode_gate_up.wgsl';
  const { B, K, F } = s;
  for (const [k, v] of Object.entries({ B, K, F })) checkDim(name, k, v);
  const vec4 = K % 4 === 0;
  checkOffsets(name, w, { w1: [off.w1, F * K], w3: [off.w3, F * K], g: [off.g, K] }, vec4);
  checkBuffer(name, 'x', x, B * K);
  checkBuffer(name, 'y', y, B * F);
  const e = vec4 ? 4 : 1;
  const bb = seqBlock(name, B, s.bb);
  rec.run(gateUpKernels.pick(K), {
    params: [B, K, F, off.w1 / e, off.w3 / e, off.g / e, f32(s.eps)],
    buffers: { x, w, y },
    workgroups: elementGrid(rec.gpu, Math.ceil(B / bb) * F, productWg(rec.gpu)),
    overrides: { WG: productWg(rec.gpu), BB: bb },
  });
}
