// The adapter panel lists the matmul kernels measured on the adapter (the worker posts the kept ones
// after startup, and new ones when the Measure button had it time them): the button's action and the
// worker's progress reach the state, the panel shows the progress, one row per shape class with its
// kernel and rate, or says nothing was measured yet.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AdapterPanel } from '../../src/ui/components/AdapterPanel.tsx';
import { initialState, reducer } from '../../src/ui/state.ts';
import type { KernelTable } from '../../src/kernels/matmul_tuning.ts';
import type { AdapterSummary } from '../../src/gpu/index.ts';

const adapter: AdapterSummary = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader', runtime: 'browser', features: [], limits: {} };
const table: KernelTable = {
  adapter: 'google swiftshader [browser]',
  rows: [
    { shapeClass: 'NT 1024x64x64', shape: '1152×64×64', kernel: 'vec4x8 16×4', gflops: 3.21 },
    { shapeClass: 'NN 1024x64x256', shape: '1152×64×176', kernel: 'vec4x8 16×4', gflops: 4.05 },
    { shapeClass: 'TN 64x256x1024', shape: '64×176×1152', kernel: 'vec4wide 8×8', gflops: 2.5 },
  ],
};

describe('the kernels measured on the adapter', () => {
  it('reach the state and the panel: one row per class, the usual winner and the best rate in the summary', () => {
    let s = reducer(initialState, { type: 'engine', msgs: [{ type: 'ready', adapter, granted: {}, recovered: false }, { type: 'kernels', table: null }] });
    expect(s.kernels).toEqual({ table: null, measuring: null, note: null });
    const panel = () => renderToStaticMarkup(createElement(AdapterPanel, { status: s.gpu, kernels: s.kernels, onMeasure: () => {} }));
    expect(panel()).toContain('Matmul kernels: not measured on this adapter yet');
    expect(panel()).toMatch(/<button type="button" data-testid="kernels-measure">Measure the kernels<\/button>/);
    s = reducer(s, { type: 'kernels-requested' });
    expect(panel()).toMatch(/<button type="button" disabled="" data-testid="kernels-measure">Measuring…<\/button>/);
    s = reducer(s, { type: 'engine', msgs: [{ type: 'kernels-progress', done: 2, total: 3 }] });
    expect(panel()).toContain('Measuring… 2/3 shape classes');
    s = reducer(s, { type: 'engine', msgs: [{ type: 'kernels', table, note: 'matmul kernels: 3 shape classes timed in 1.0 s' }] });
    expect(s.kernels.table).toEqual(table);
    expect(s.kernels.measuring).toBeNull();
    const html = panel();
    expect(html).toContain('matmul kernels: 3 shape classes timed in 1.0 s');
    expect(html).toContain('>Measure again</button>');
    expect(html).toContain('Matmul kernels chosen by measurement: 3 shape classes, mostly vec4x8 16×4, up to 4.05 GFLOP/s');
    expect((html.match(/<td>vec4x8 16×4<\/td>/g) ?? []).length).toBe(2);
    expect(html).toContain('<td>TN 64x256x1024</td><td>64×176×1152</td><td>vec4wide 8×8</td><td>2.50</td>');
    expect(html).not.toContain('not measured');
    expect(html).not.toContain('attention-choices'); // none measured
    // With the training attention measured: its own table, the winner and both times per class.
    s = reducer(s, {
      type: 'engine',
      msgs: [
        {
          type: 'kernels',
          table: {
            ...table,
            attention: [
              { shapeClass: 'attention hs16 4/2 b4 t256', shape: 'B 4, T 256', kernel: 'fused', splitMs: 339.2, fusedMs: 118.5 },
              { shapeClass: 'attention hs16 4/2 b4 t16', shape: 'B 4, T 16', kernel: 'split', splitMs: 4.1, fusedMs: 4.75 },
            ],
          },
        },
      ],
    });
    const withAttention = panel();
    expect(withAttention).toContain('Training attention chosen by measurement: fused in 1 of 2 shape classes');
    expect(withAttention).toContain('<td>attention hs16 4/2 b4 t256</td><td>B 4, T 256</td><td>fused</td><td>339.20</td><td>118.50</td>');
    expect(withAttention).toContain('<td>split</td><td>4.10</td><td>4.75</td>');
    expect(withAttention).not.toContain('precision-choices'); // none measured (no shader-f16 here)
    // With the training precision measured: the choice and both step times.
    s = reducer(s, {
      type: 'engine',
      msgs: [{ type: 'kernels', table: { ...table, precision: [{ shapeClass: 'precision d64 f176 l4 h4/2 v1024 b4', choice: 'f32', f32Ms: 309.26, mixedMs: 343.1 }] } }],
    });
    expect(panel()).toContain('Training precision chosen by measurement: f32 (d64 f176 l4 h4/2 v1024 b4: a step takes 309.3 ms in f32, 343.1 ms mixed)');
    // A failed measurement ends the progress.
    s = reducer(s, { type: 'kernels-requested' });
    s = reducer(s, { type: 'engine', msgs: [{ type: 'error', message: 'device lost', context: 'kernels-measure' }] });
    expect(s.kernels.measuring).toBeNull();
  });
});
