// Whether WebGPU is available, on which adapter, and the limits the engine depends on; and what
// to do when it is not there.
import type { GpuStatus } from '../state.ts';
import { formatBytes } from '../format.ts';

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

export function AdapterPanel({ status }: { status: GpuStatus }) {
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
    </div>
  );
}

export function adapterLabel(status: GpuStatus): string {
  if (status.kind === 'probing') return 'looking for a GPU…';
  if (status.kind === 'unavailable') return 'no WebGPU';
  if (status.kind === 'lost') return 'GPU device lost — recovering';
  const a = status.adapter;
  return [a.vendor, a.architecture, a.device, a.description].filter((s, i, all) => s && all.indexOf(s) === i).join(' · ') || 'WebGPU adapter';
}
