// One way to get a GPUDevice, in a browser (navigator.gpu) and in Node (the `webgpu` npm package, Dawn).
//
// The adapter's default limits are too low for the engine (128 MiB storage bindings, 16 KiB of
// workgroup memory), so we ask for the adapter's maxima of the limits we use. Uncaptured errors and
// device loss are recorded on the returned Gpu and rethrown at the next synchronisation point
// (`gpu.check()`, readbacks, `Recorder.submit()`), so a failing shader names itself instead of
// producing zeros.
import { GpuError, GpuUnavailableError } from './errors.ts';
import { PipelineCache } from './pipelines.ts';

/** What the UI and `tract info` show about an adapter. Plain data, safe to post between threads. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** e.g. "Node (Dawn) via lavapipe" or "browser". */
  runtime: string;
  features: string[];
  limits: Record<string, number>;
}

/** Limits the engine raises to the adapter's maximum (everything else stays at the default). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxTextureDimension2D',
] as const;

/** Features used when present (kernels check `gpu.features` before relying on them). */
const OPTIONAL_FEATURES = ['subgroups', 'shader-f16', 'timestamp-query'] as const;

/** What the engine cannot run without; checked against the adapter before requesting the device. */
const REQUIRED_MINIMUMS: Partial<Record<(typeof RAISED_LIMITS)[number], number>> = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupStorageSize: 16384,
};

export interface GpuOptions {
  /** Called with the text of every uncaptured error (also kept in `gpu.errors`). */
  onError?: (message: string) => void;
  /** Called once if the device is lost (destroyed, driver reset). */
  onLost?: (message: string) => void;
  powerPreference?: GPUPowerPreference;
  /** Node only: lower the JS thread's priority after device creation (default true): Dawn busy-polls
   *  on it while GPU work is pending, competing with the CPU driver's worker threads. */
  lowerPollingPriority?: boolean;
}

/** A device plus what the engine needs beside it: caches, error state, adapter facts. */
export class Gpu {
  readonly errors: string[] = [];
  lostMessage: string | null = null;
  readonly pipelines: PipelineCache;
  readonly features: ReadonlySet<string>;

  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;

  constructor(device: GPUDevice, adapter: AdapterSummary) {
    this.device = device;
    this.adapter = adapter;
    this.pipelines = new PipelineCache(device);
    this.features = new Set(device.features as unknown as Iterable<string>);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Throws if an uncaptured error happened or the device was lost since the last check. */
  check(): void {
    if (this.lostMessage !== null) throw new GpuError(`GPU device lost: ${this.lostMessage}`);
    if (this.errors.length > 0) {
      const all = this.errors.splice(0, this.errors.length);
      throw new GpuError(all.length === 1 ? all[0] : `${all.length} GPU errors:\n${all.join('\n')}`);
    }
  }

  /** Waits for all submitted work, then rethrows any error it caused. */
  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  destroy(): void {
    this.pipelines.clear();
    this.device.destroy();
  }
}

// Node: the object returned by the `webgpu` package's create() must stay referenced for the life of
// the process, or garbage collection destroys the instance and the process crashes.
let nodeGpu: GPU | null = null;
let nodeRuntime = '';

async function nodeNavigatorGpu(): Promise<GPU> {
  if (nodeGpu) return nodeGpu;
  const spec = 'webgpu';
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = await import(/* @vite-ignore */ spec);
  } catch (e) {
    throw new GpuUnavailableError(`could not load the 'webgpu' npm package (Dawn for Node): ${String(e)}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  Object.assign(globalThis, mod.globals);
  const flags = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TRACT_DAWN_FLAGS;
  nodeGpu = mod.create(flags ? flags.split(/\s+/).filter(Boolean) : []);
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  nodeRuntime = `Node/Dawn${env.TRACT_VULKAN_SOURCE ? `, ${env.TRACT_VULKAN_SOURCE}` : ''}`;
  return nodeGpu;
}

async function lowerThreadPriority(): Promise<void> {
  const spec = 'node:os';
  try {
    const os: { setPriority: (pid: number, prio: number) => void } = await import(/* @vite-ignore */ spec);
    os.setPriority(0, 19);
  } catch {
    // Not permitted or not Node: harmless, only slower on CPU drivers.
  }
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** The navigator.gpu of this runtime, or null with the reason. */
export async function gpuEntryPoint(): Promise<{ gpu: GPU | null; runtime: string; reason: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, runtime: 'browser', reason: '' };
  if (isNode()) {
    const gpu = await nodeNavigatorGpu();
    return { gpu, runtime: nodeRuntime, reason: '' };
  }
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
  return {
    gpu: null,
    runtime: 'browser',
    reason:
      secure === false
        ? 'navigator.gpu is missing because this page is not a secure context (use https or localhost)'
        : 'navigator.gpu is missing: this browser has no WebGPU (use a recent Chrome, Edge or another Chromium-based browser; on Linux enable it with --enable-unsafe-webgpu or chrome://flags/#enable-unsafe-webgpu)',
  };
}

/** The numeric limits of a GPUSupportedLimits as a plain record (they are prototype getters). */
export function limitsRecord(l: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (let o: object | null = l; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      const v = (l as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number' && !(key in out)) out[key] = v;
    }
  }
  return out;
}

function summarize(adapter: GPUAdapter, runtime: string): AdapterSummary {
  const info = adapter.info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    runtime,
    features: [...(adapter.features as unknown as Iterable<string>)].sort(),
    limits: limitsRecord(adapter.limits),
  };
}

/** A one-line name for an adapter, for logs and benchmark output. */
export function adapterName(a: AdapterSummary): string {
  const name = a.description || [a.vendor, a.architecture, a.device].filter((s) => s && s.length > 0).join(' ') || 'unknown adapter';
  return `${name} [${a.runtime}]`;
}

/** Returns a ready Gpu, or throws GpuUnavailableError saying what is missing. */
export async function requestGpu(options: GpuOptions = {}): Promise<Gpu> {
  const { gpu: entry, runtime, reason } = await gpuEntryPoint();
  if (!entry) throw new GpuUnavailableError(reason);
  const adapter = await entry.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError(
      isNode()
        ? 'no WebGPU adapter found: Dawn found no usable Vulkan driver. On a machine without a GPU run scripts/install-lavapipe.sh (CPU driver), or set VK_ICD_FILENAMES'
        : 'navigator.gpu.requestAdapter() returned no adapter: WebGPU is disabled or blocklisted for this GPU (check chrome://gpu)',
    );
  }
  for (const [name, min] of Object.entries(REQUIRED_MINIMUMS)) {
    const have = (adapter.limits as unknown as Record<string, number>)[name];
    if (have !== undefined && have < (min as number)) {
      throw new GpuUnavailableError(`the adapter's ${name} is ${have}; the engine needs at least ${min}`);
    }
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({ label: 'tract-web', requiredLimits, requiredFeatures });
  const gpu = new Gpu(device, summarize(adapter, runtime));

  device.addEventListener('uncapturederror', (ev) => {
    const e = (ev as GPUUncapturedErrorEvent).error;
    const msg = `${e.constructor?.name ?? 'GPUError'}: ${e.message}`;
    gpu.errors.push(msg);
    options.onError?.(msg);
  });
  void device.lost.then((info) => {
    gpu.lostMessage = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    options.onLost?.(gpu.lostMessage);
  });
  if (isNode() && options.lowerPollingPriority !== false) await lowerThreadPriority();
  return gpu;
}
