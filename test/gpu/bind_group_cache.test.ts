// The dispatch caches (src/gpu/dispatch.ts) keep a bind group per pipeline and buffers, so repeated
// shapes create no GPU objects; a buffer's destroy() must drop the bind groups that name it. They
// used to stay cached (up to 4096 per pipeline) with their descriptor sets: on lavapipe every
// descriptor pool is memory maps of its own, and `tract run`'s evaluations, which make buffers per
// batch, crashed the process (SIGSEGV in vkCreateDescriptorPool) once it ran out of maps.
import { describe, expect, it } from 'vitest';
import { createBuffer, dispatchCacheStats, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { add } from '../../src/kernels/residual.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('the bind-group cache follows buffer lifetimes', () => {
  it('a destroyed buffer takes its cached bind groups with it; a live one keeps them (and reuses them)', async () => {
    const gpu = await testGpu();
    const a = uploadBuffer(gpu, 'a', new Float32Array([1, 2, 3]));
    const keep = uploadBuffer(gpu, 'b', new Float32Array([10, 20, 30]));
    const run = (out: GPUBuffer) => {
      const rec = new Recorder(gpu, 'cache test');
      add(rec, out, a, keep, 3);
      rec.submit();
    };
    const before = dispatchCacheStats(gpu).bindGroups;
    const outs = Array.from({ length: 5 }, (_, i) => createBuffer(gpu, `out${i}`, 12));
    for (const o of outs) run(o);
    expect(dispatchCacheStats(gpu).bindGroups).toBe(before + 5);
    run(outs[0]); // the same buffers: the cached bind group, no new one
    expect(dispatchCacheStats(gpu).bindGroups).toBe(before + 5);
    expect(Array.from(await readF32(gpu, outs[0], 3))).toEqual([11, 22, 33]);
    for (const o of outs.slice(1)) o.destroy();
    expect(dispatchCacheStats(gpu).bindGroups).toBe(before + 1);
    keep.destroy(); // a buffer every remaining bind group names
    expect(dispatchCacheStats(gpu).bindGroups).toBe(before);
    outs[0].destroy();
    a.destroy();
    expect(dispatchCacheStats(gpu).bindGroups).toBe(before);
  });
});
