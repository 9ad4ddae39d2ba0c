// Whether WebGPU is available, on which adapter, and the limits the engine depends on; and what
// to do when it is not there.
import { formatBytes } from '../format.ts';
import type { KernelTable } from '../../kernels/matmul_tuning.ts';
import type { GpuStatus, KernelsState } from '../state.ts';

const SHOWN_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
];

const limit = (k: string, v: number | undefined) => (v === undefined ? '—' : k.endsWith('Size') ? formatBytes(v) : String(v));

export function NoWebGpu({ status }: { status: Extract<GpuStatus, { kind: 'unavailable' }> }) {
  return (
    <section className="banner warning" data-testid="webgpu-unavailable" role="alert">
      <h2>WebGPU is not available</h2>
      <p>
        <strong>What is missing:</strong> {status.reason}
      </p>
      <p>
        <strong>What to try:</strong> a recent Chrome or Edge (version 113 or later) on Windows, macOS or ChromeOS; on Linux, Chrome or Chromium started with{' '}
        <code>--enable-unsafe-webgpu</code> (or <code>chrome://flags/#enable-unsafe-webgpu</code>); Safari 26 or Firefox 141 and later on supported systems. The page
        must come from https or localhost, and <code>chrome://gpu</code> shows whether WebGPU is blocked for your GPU.
      </p>
      <p>
        <strong>Without WebGPU:</strong> the Data view and the shipped evaluation still work. {status.fallback.message}.
      </p>
    </section>
  );
}

export function AdapterPanel({ status, kernels, onMeasure }: { status: GpuStatus; kernels?: KernelsState; onMeasure?: () => void }) {
  if (status.kind === 'probing') return <p aria-busy="true">Looking for a GPU adapter…</p>;
  if (status.kind === 'unavailable') return <p className="warning">No WebGPU: {status.reason}</p>;
  if (status.kind === 'lost') return <p className="warning">The GPU device was lost ({status.message}); getting a new one…</p>;
  const a = status.adapter;
  const name = [a.vendor, a.architecture, a.device, a.description].filter((s, i, all) => s && all.indexOf(s) === i).join(' · ');
  return (
    <div data-testid="adapter-panel">
      <p className="adapter-name" data-testid="adapter-name">
        {name || 'unnamed adapter'}
      </p>
      <p className="muted">
        {a.features.length} features: {a.features.join(', ')}
      </p>
      <table className="limits">
        <thead>
          <tr>
            <th>limit</th>
            <th>adapter</th>
            <th>granted to the engine</th>
          </tr>
        </thead>
        <tbody>
          {SHOWN_LIMITS.map((k) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{limit(k, a.limits[k])}</td>
              <td>{limit(k, status.granted[k])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {kernels && <KernelChoices kernels={kernels} onMeasure={onMeasure} />}
    </div>
  );
}

/** The matmul kernel measured fastest per shape class on this adapter (kernels/matmul_tuning.ts),
 *  the training attention likewise (kernels/attention_tuning.ts), and the button that measures them. */
function KernelChoices({ kernels, onMeasure }: { kernels: KernelsState; onMeasure?: () => void }) {
  const { table, measuring, note } = kernels;
  const button = onMeasure && (
    <button type="button" onClick={onMeasure} disabled={measuring !== null} data-testid="kernels-measure">
      {measuring ? (measuring.total ? `Measuring… ${measuring.done}/${measuring.total} shape classes` : 'Measuring…') : table ? 'Measure again' : 'Measure the kernels'}
    </button>
  );
  if (!table || table.rows.length === 0) {
    return (
      <div data-testid="kernel-choices">
        <p className="muted">
          Matmul kernels: not measured on this adapter yet; the engine uses its built-in choice for this kind of adapter. Measuring times every candidate kernel
          on the shapes a default run trains (seconds on a GPU, a minute or more on a CPU adapter) and keeps the fastest in this browser.
        </p>
        {button}
      </div>
    );
  }
  return (
    <div data-testid="kernel-choices">
      <details>
        <summary>
          Matmul kernels chosen by measurement: {table.rows.length} shape classes, {summarise(table)}
        </summary>
        <table className="limits">
          <thead>
            <tr>
              <th>shape class (op(A) op(B), M×N×K)</th>
              <th>timed at</th>
              <th>fastest kernel</th>
              <th>GFLOP/s</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r) => (
              <tr key={r.shapeClass}>
                <td>{r.shapeClass}</td>
                <td>{r.shape}</td>
                <td>{r.kernel}</td>
                <td>{r.gflops.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {table.attention && (
        <details data-testid="attention-choices">
          <summary>
            Training attention chosen by measurement: fused in {table.attention.filter((r) => r.kernel === 'fused').length} of {table.attention.length} shape classes
          </summary>
          <p className="muted">
            split: three kernels through the T×T probabilities, which the backward reads; fused: online softmax keeping one log-sum-exp per row, the backward
            recomputing the probabilities (FlashAttention-style). Times are one forward and backward; the adapter's default stays unless the other is at
            least 1.1× faster.
          </p>
          <table className="limits">
            <thead>
              <tr>
                <th>shape class</th>
                <th>timed at</th>
                <th>chosen</th>
                <th>split ms</th>
                <th>fused ms</th>
              </tr>
            </thead>
            <tbody>
              {table.attention.map((r) => (
                <tr key={r.shapeClass}>
                  <td>{r.shapeClass}</td>
                  <td>{r.shape}</td>
                  <td>{r.kernel}</td>
                  <td>{r.splitMs.toFixed(2)}</td>
                  <td>{r.fusedMs.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {table.precision && (
        <p data-testid="precision-choices">
          Training precision chosen by measurement:{' '}
          {table.precision.map((r) => `${r.choice} (${r.shapeClass.replace(/^precision /, '')}: a step takes ${r.f32Ms.toFixed(1)} ms in f32, ${r.mixedMs.toFixed(1)} ms mixed)`).join('; ')}.
          Mixed precision (f16 matmul operands, f32 master weights, loss scaling) is kept only where it is at least 1.1× faster.
        </p>
      )}
      {note && <p className="muted">{note}</p>}
      {button}
    </div>
  );
}

/** "mostly vec4 8×8, up to 1.81 GFLOP/s". */
function summarise(t: KernelTable): string {
  const counts = new Map<string, number>();
  for (const r of t.rows) counts.set(r.kernel, (counts.get(r.kernel) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  return `mostly ${top}, up to ${Math.max(...t.rows.map((r) => r.gflops)).toFixed(2)} GFLOP/s`;
}

export function adapterLabel(status: GpuStatus): string {
  if (status.kind === 'probing') return 'looking for a GPU…';
  if (status.kind === 'unavailable') return 'no WebGPU';
  if (status.kind === 'lost') return 'GPU device lost — recovering';
  const a = status.adapter;
  return [a.vendor, a.architecture, a.device, a.description].filter((s, i, all) => s && all.indexOf(s) === i).join(' · ') || 'WebGPU adapter';
}
