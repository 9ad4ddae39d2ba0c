// Whether WebGPU is available, on which adapter, and the limits the engine depends on.
import type { GpuStatus } from '../state.ts';

const SHOWN_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
];

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KiB`;
  return `${n}`;
}

export function AdapterPanel({ status }: { status: GpuStatus }) {
  if (status.kind === 'probing') {
    return (
      <section className="card" aria-busy="true">
        <h2>WebGPU</h2>
        <p>Looking for a GPU adapter…</p>
      </section>
    );
  }
  if (status.kind === 'unavailable') {
    return (
      <section className="card warning" data-testid="webgpu-unavailable">
        <h2>WebGPU is not available</h2>
        <p>{status.reason}</p>
        <p>
          Try a recent Chrome or Edge on desktop. On Linux, start Chromium with <code>--enable-unsafe-webgpu</code>. The page must be
          served over https or from localhost.
        </p>
      </section>
    );
  }
  const a = status.adapter;
  const name = [a.vendor, a.architecture, a.device, a.description].filter((s, i, all) => s && all.indexOf(s) === i).join(' · ');
  return (
    <section className="card" data-testid="adapter-panel">
      <h2>WebGPU adapter</h2>
      <p className="adapter-name" data-testid="adapter-name">
        {name || 'unnamed adapter'}
      </p>
      <p className="muted">{a.features.length} features: {a.features.join(', ')}</p>
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
              <td>{a.limits[k] !== undefined ? formatBytes(a.limits[k]) : '—'}</td>
              <td>{status.granted[k] !== undefined ? formatBytes(status.granted[k]) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
