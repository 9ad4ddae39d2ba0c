// Typed kernel dispatch and command recording.
//
// A kernel is a WGSL file plus the names of its storage bindings in @binding order. Binding 0 is
// always the kernel's uniform `Params` struct (the shapes, so one pipeline serves every shape);
// storage bindings start at 1. `Recorder.run(kernel, { buffers: { logits, ... } })` is checked by the
// type system: a missing or misspelled binding does not compile.
//
// A Recorder puts many dispatches into one command buffer and one compute pass, so a whole training
// step is one submit (each submit costs ~50 µs on a CPU driver, each dispatch in a pass ~16 µs).
import type { Gpu } from './device.ts';
import { GpuError } from './errors.ts';
import { shaderLabel, type Overrides, type Shader } from './pipelines.ts';
import { UNIFORM, COPY_DST } from './buffers.ts';

export interface Kernel<B extends string> {
  readonly shader: Shader;
  readonly bindings: readonly B[];
}

export function defineKernel<const B extends string>(shader: Shader, bindings: readonly B[]): Kernel<B> {
  return { shader, bindings };
}

/** A value in a Params struct written as f32 (numbers without this wrapper are u32). */
export interface F32 {
  readonly f32: number;
}
export function f32(x: number): F32 {
  return { f32: x };
}
/** A value in a Params struct written as i32. */
export interface I32 {
  readonly i32: number;
}
export function i32(x: number): I32 {
  return { i32: x };
}

/** Packs a Params struct whose fields are all 4-byte scalars, in declaration order. */
export function packParams(values: readonly (number | F32 | I32)[]): Uint32Array<ArrayBuffer> {
  // Uniform buffers bind in 16-byte units; pad the struct to a multiple of 16 bytes.
  const words = new Uint32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
  const f = new Float32Array(words.buffer);
  const i = new Int32Array(words.buffer);
  values.forEach((v, k) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new GpuError(`packParams: field ${k} = ${v} is not a u32 (wrap floats with f32())`);
      }
      words[k] = v;
    } else if ('f32' in v) {
      f[k] = v.f32;
    } else {
      i[k] = v.i32;
    }
  });
  return words;
}

export type BufferBinding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export interface RunArgs<B extends string> {
  params: readonly (number | F32 | I32)[];
  buffers: { readonly [K in B]: BufferBinding };
  /** Workgroup counts; each at most maxComputeWorkgroupsPerDimension. */
  workgroups: number | readonly [number, number?, number?];
  overrides?: Overrides;
}

let nextBufferId = 1;
const bufferIds = new WeakMap<GPUBuffer, number>();
/** What to forget when a buffer is destroyed: the bind groups that name it (they would keep it and
 *  their descriptor sets alive: on lavapipe every live descriptor pool is memory maps of its own, and
 *  a long evaluation that made new buffers per batch ran the process out of them and crashed). */
const onDestroy = new Map<number, Set<() => void>>();
function bufferId(b: GPUBuffer): number {
  let id = bufferIds.get(b);
  if (id === undefined) {
    const mine = nextBufferId++;
    id = mine;
    bufferIds.set(b, id);
    const destroy = b.destroy.bind(b);
    b.destroy = () => {
      for (const forget of [...(onDestroy.get(mine) ?? [])]) forget();
      onDestroy.delete(mine);
      destroy();
    };
  }
  return id;
}

const MAX_CACHED = 4096;

/** Uniform buffers keyed by content, and bind groups keyed by pipeline and buffers: shapes repeat
 *  step after step, so after the first step no dispatch creates a GPU object. */
class DispatchCaches {
  readonly uniforms = new Map<string, GPUBuffer>();
  /** Per pipeline: the bind group of each buffer set, and how to forget it (cache entry and hooks). */
  readonly bindGroups = new WeakMap<GPUComputePipeline, Map<string, { bg: GPUBindGroup; forget: () => void }>>();
  /** Bind groups held now, over all pipelines (dispatchCacheStats). */
  liveBindGroups = 0;

  uniform(gpu: Gpu, label: string, words: Uint32Array<ArrayBuffer>): GPUBuffer {
    const key = `${label}|${words.join(',')}`;
    let buf = this.uniforms.get(key);
    if (!buf) {
      if (this.uniforms.size >= MAX_CACHED) this.uniforms.clear();
      buf = gpu.device.createBuffer({ label: `${label}.params`, size: words.byteLength, usage: UNIFORM | COPY_DST });
      gpu.device.queue.writeBuffer(buf, 0, words);
      this.uniforms.set(key, buf);
    }
    return buf;
  }

  bindGroup(gpu: Gpu, label: string, pipeline: GPUComputePipeline, uniform: GPUBuffer, bindings: BufferBinding[]): GPUBindGroup {
    let perPipeline = this.bindGroups.get(pipeline);
    if (!perPipeline) {
      perPipeline = new Map();
      this.bindGroups.set(pipeline, perPipeline);
    }
    const parts = [bufferId(uniform)];
    for (const b of bindings) {
      if (isPlainBuffer(b)) parts.push(bufferId(b));
      else parts.push(bufferId(b.buffer), b.offset ?? 0, b.size ?? -1);
    }
    const key = parts.join(',');
    let cached = perPipeline.get(key);
    if (!cached) {
      // Full: forget every entry (their hooks too, or long-lived buffers would collect stale ones).
      if (perPipeline.size >= MAX_CACHED) for (const e of [...perPipeline.values()]) e.forget();
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
      bindings.forEach((b, k) => {
        entries.push({ binding: k + 1, resource: isPlainBuffer(b) ? { buffer: b } : b });
      });
      const bg = gpu.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
      // Forgotten when any buffer it names is destroyed (the cached uniform never is); forgetting
      // also unhooks it from the others, so long-lived buffers (weights) collect no stale hooks.
      const cache = perPipeline;
      const ids = [...new Set(bindings.map((b) => bufferId(isPlainBuffer(b) ? b : b.buffer)))];
      const forget = () => {
        if (cache.delete(key)) this.liveBindGroups--;
        for (const id of ids) onDestroy.get(id)?.delete(forget);
      };
      for (const id of ids) {
        let hooks = onDestroy.get(id);
        if (!hooks) onDestroy.set(id, (hooks = new Set()));
        hooks.add(forget);
      }
      cached = { bg, forget };
      perPipeline.set(key, cached);
      this.liveBindGroups++;
    }
    return cached.bg;
  }
}

function isPlainBuffer(b: BufferBinding): b is GPUBuffer {
  // A slice is a plain object { buffer, offset?, size? }; a GPUBuffer has no `buffer` property.
  return (b as { buffer?: unknown }).buffer === undefined;
}

const caches = new WeakMap<Gpu, DispatchCaches>();
function cachesFor(gpu: Gpu): DispatchCaches {
  let c = caches.get(gpu);
  if (!c) {
    c = new DispatchCaches();
    caches.set(gpu, c);
  }
  return c;
}

/** How many uniform buffers and bind groups the dispatch caches of a device hold now (tests). */
export function dispatchCacheStats(gpu: Gpu): { uniforms: number; bindGroups: number } {
  const c = caches.get(gpu);
  return { uniforms: c?.uniforms.size ?? 0, bindGroups: c?.liveBindGroups ?? 0 };
}

/** Records dispatches and copies into one command buffer; `submit()` sends it. */
export class Recorder {
  private readonly encoder: GPUCommandEncoder;
  private pass: GPUComputePassEncoder | null = null;
  private submitted = false;
  /** Number of dispatches recorded (benchmarks and tests read it). */
  dispatches = 0;

  readonly gpu: Gpu;
  readonly label: string;

  constructor(gpu: Gpu, label: string) {
    this.gpu = gpu;
    this.label = label;
    this.encoder = gpu.device.createCommandEncoder({ label });
  }

  run<B extends string>(kernel: Kernel<B>, args: RunArgs<B>): void {
    const gpu = this.gpu;
    const name = shaderLabel(kernel.shader);
    const wg = typeof args.workgroups === 'number' ? [args.workgroups, 1, 1] : [args.workgroups[0], args.workgroups[1] ?? 1, args.workgroups[2] ?? 1];
    const maxWg = gpu.limits.maxComputeWorkgroupsPerDimension;
    for (const n of wg) {
      if (!Number.isInteger(n) || n < 0 || n > maxWg) {
        throw new GpuError(`${name}: workgroup count ${wg.join('x')} is outside 0..${maxWg} (maxComputeWorkgroupsPerDimension)`);
      }
    }
    const bindings = kernel.bindings.map((b) => {
      const buf = args.buffers[b];
      if (!buf) throw new GpuError(`${name}: no buffer for binding '${b}'`);
      return buf;
    });
    if (wg[0] === 0 || wg[1] === 0 || wg[2] === 0) return;
    const pipeline = gpu.pipelines.get(kernel.shader, args.overrides);
    const c = cachesFor(gpu);
    const uniform = c.uniform(gpu, name, packParams(args.params));
    const bg = c.bindGroup(gpu, name, pipeline, uniform, bindings);
    if (!this.pass) this.pass = this.encoder.beginComputePass({ label: this.label });
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bg);
    this.pass.dispatchWorkgroups(wg[0], wg[1], wg[2]);
    this.dispatches++;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Zero-fills `size` bytes of `buffer` from `offset` (default: all of it). */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    this.endPass();
    this.encoder.clearBuffer(buffer, offset, size);
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Ends recording and queues the command buffer. */
  submit(): void {
    if (this.submitted) throw new GpuError(`${this.label}: submitted twice`);
    this.submitted = true;
    this.endPass();
    this.gpu.device.queue.submit([this.encoder.finish()]);
  }
}

/** Records one kernel, submits it, and returns (no wait). */
export function runOnce<B extends string>(gpu: Gpu, kernel: Kernel<B>, args: RunArgs<B>): void {
  const rec = new Recorder(gpu, kernel.shader.name);
  rec.run(kernel, args);
  rec.submit();
}
