// Errors the GPU layer raises. Each carries the label of the GPU object or kernel it is about, so a
// message names the shader file, buffer or limit at fault.

/** A WebGPU validation, out-of-memory or internal error, or a lost device, surfaced as an exception. */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

/** WebGPU is unavailable here, or the adapter lacks what the engine needs. */
export class GpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuUnavailableError';
  }
}

/** Bad arguments to a kernel launcher (shapes, token ids), caught before anything is dispatched. */
export class KernelArgumentError extends Error {
  constructor(kernel: string, message: string) {
    super(`${kernel}: ${message}`);
    this.name = 'KernelArgumentError';
  }
}
