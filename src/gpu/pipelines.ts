// Compile each shader once per set of override constants; later requests return the cached pipeline.
// The cache key is the shader's file name plus the sorted overrides, so two launchers that share a
// WGSL file and its specialisation share one pipeline.

/** A WGSL source with the name of the file it came from (used as the label of every object made from it). */
export interface Shader {
  /** File name under shaders/, e.g. "score_expectation.wgsl". */
  readonly name: string;
  readonly code: string;
  /** Entry point (default "main"). */
  readonly entry?: string;
  /** Which specialisation of the file this is when launchers assemble several from it (e.g. the
   *  element width "vec4"); part of the cache key and the label. */
  readonly variant?: string;
}

/** The label of every GPU object made from a shader: its file name, plus the variant if any. */
export function shaderLabel(shader: Shader): string {
  return shader.variant ? `${shader.name} [${shader.variant}]` : shader.name;
}

export type Overrides = Readonly<Record<string, number>>;

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Number of pipelines compiled so far (tests use it to check nothing compiles in a hot loop). */
  compiled = 0;

  private readonly device: GPUDevice;

  constructor(device: GPUDevice) {
    this.device = device;
  }

  static key(shader: Shader, overrides: Overrides = {}): string {
    const o = Object.keys(overrides)
      .sort()
      .map((k) => `${k}=${overrides[k]}`)
      .join(',');
    return `${shaderLabel(shader)}:${shader.entry ?? 'main'}{${o}}`;
  }

  get(shader: Shader, overrides: Overrides = {}): GPUComputePipeline {
    const key = PipelineCache.key(shader, overrides);
    let p = this.pipelines.get(key);
    if (p) return p;
    const label = shaderLabel(shader);
    let module = this.modules.get(label);
    if (!module) {
      module = this.device.createShaderModule({ label, code: shader.code });
      this.modules.set(label, module);
    }
    p = this.device.createComputePipeline({
      label,
      layout: 'auto',
      compute: { module, entryPoint: shader.entry ?? 'main', constants: { ...overrides } },
    });
    this.pipelines.set(key, p);
    this.compiled++;
    return p;
  }

  clear(): void {
    this.modules.clear();
    this.pipelines.clear();
  }
}
