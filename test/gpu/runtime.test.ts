// The GPU runtime: errors surface with the shader's name, device loss is reported, pipelines compile
// once per shader and override set, params pack as the WGSL struct expects, buffers round-trip.
import { describe, expect, it } from 'vitest';
import {
  createBuffer,
  defineKernel,
  f32,
  GpuError,
  packParams,
  readF32,
  readU32,
  Recorder,
  requestGpu,
  uploadBuffer,
} from '../../src/gpu/index.ts';
import { testGpu } from '../helpers/gpu.ts';

const fill = defineKernel(
  {
    name: 'test_fill.wgsl',
    code: `
struct Params { n: u32, value: f32 }
override SCALE: f32 = 1.0;
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < P.n) { out[g.x] = P.value * SCALE + f32(g.x); }
}`,
  },
  ['out'],
);

describe('GPU runtime', () => {
  it('uploads, dispatches a typed kernel and reads back', async () => {
    const gpu = await testGpu();
    const out = createBuffer(gpu, 'out', 100 * 4);
    const rec = new Recorder(gpu, 'fill');
    rec.run(fill, { params: [100, f32(0.5)], buffers: { out }, workgroups: 2, overrides: { SCALE: 2 } });
    rec.submit();
    const r = await readF32(gpu, out);
    expect(r[0]).toBe(1);
    expect(r[99]).toBe(100);
    const u = uploadBuffer(gpu, 'u', new Uint32Array([7, 8, 9]));
    expect(Array.from(await readU32(gpu, u))).toEqual([7, 8, 9]);
  });

  it('compiles a pipeline once per shader and override set', async () => {
    const gpu = await testGpu();
    const out = createBuffer(gpu, 'out', 4 * 4);
    const before = gpu.pipelines.compiled;
    for (let i = 0; i < 5; i++) {
      const rec = new Recorder(gpu, 'fill');
      rec.run(fill, { params: [4, f32(i)], buffers: { out }, workgroups: 1, overrides: { SCALE: 3 } });
      rec.run(fill, { params: [4, f32(i)], buffers: { out }, workgroups: 1, overrides: { SCALE: 4 } });
      rec.submit();
    }
    await gpu.sync();
    expect(gpu.pipelines.compiled - before).toBe(2);
  });

  it('surfaces a WGSL error with the shader file name', async () => {
    const gpu = await testGpu();
    const broken = defineKernel({ name: 'broken_on_purpose.wgsl', code: '@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }' }, []);
    const rec = new Recorder(gpu, 'broken');
    rec.run(broken, { params: [], buffers: {}, workgroups: 1 });
    rec.submit();
    await expect(gpu.sync()).rejects.toThrow(/broken_on_purpose\.wgsl/);
    // Reported once, then the device is usable again.
    await gpu.sync();
  });

  it('refuses workgroup counts beyond the device limit, naming the kernel', async () => {
    const gpu = await testGpu();
    const rec = new Recorder(gpu, 'too many');
    const out = createBuffer(gpu, 'out', 4);
    expect(() => rec.run(fill, { params: [1, f32(0)], buffers: { out }, workgroups: [70000] })).toThrow(/test_fill\.wgsl: workgroup count 70000x1x1/);
  });

  it('refuses buffers larger than the device allows before allocating', async () => {
    const gpu = await testGpu();
    expect(() => createBuffer(gpu, 'huge', gpu.limits.maxBufferSize + 4)).toThrow(/huge: .* exceeds the device's maxBufferSize/);
  });

  it('packs params as u32, f32 and i32 fields, padded to 16 bytes', () => {
    const w = packParams([3, f32(1.5), { i32: -2 }]);
    expect(w.length).toBe(4);
    expect(w[0]).toBe(3);
    expect(new Float32Array(w.buffer)[1]).toBe(1.5);
    expect(new Int32Array(w.buffer)[2]).toBe(-2);
    expect(() => packParams([1.5])).toThrow(/not a u32/);
    expect(() => packParams([-1])).toThrow(/not a u32/);
  });

  it('reports a lost device at the next sync, with the reason', async () => {
    const gpu = await requestGpu(); // its own device: this test destroys it
    let lost = '';
    const lostSeen = new Promise<void>((resolve) => {
      void gpu.device.lost.then((info) => {
        lost = info.message;
        resolve();
      });
    });
    gpu.destroy();
    await lostSeen;
    await new Promise((r) => setTimeout(r, 10));
    expect(() => gpu.check()).toThrow(GpuError);
    expect(() => gpu.check()).toThrow(/GPU device lost: destroyed/);
    expect(typeof lost).toBe('string');
  });
});
