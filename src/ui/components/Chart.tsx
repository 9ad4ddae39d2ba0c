// A live line chart (uPlot). Created once; new data goes in with setData, so a chart that gets a
// point per training step costs about a millisecond per update. The number of points drawn is on
// the container (data-points) for tests.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** A second y axis on the right (another unit). */
  right?: boolean;
  /** Values at a few x only (null elsewhere): drawn as points joined across the gaps. */
  sparse?: boolean;
}

export interface ChartProps {
  title: string;
  x: number[];
  xLabel?: string;
  series: ChartSeries[];
  log?: boolean;
  testid?: string;
  height?: number;
}

export function Chart({ title, x, xLabel = 'step', series, log, testid, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement | null>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.right ? 'r' : 'l'}${s.sparse ? 's' : ''}`).join('|') + (log ? '|log' : '');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(240, el.clientWidth || 320);
    const hasRight = series.some((s) => s.right);
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : {}, ...(hasRight ? { r: {} } : {}) },
      axes: [
        { label: xLabel, size: 36 },
        { size: 52 },
        ...(hasRight ? [{ scale: 'r', side: 1 as const, grid: { show: false }, size: 52 }] : []),
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, scale: s.right ? 'r' : 'y', spanGaps: !!s.sparse, points: { show: !!s.sparse, size: 6 } })),
      ],
    };
    const u = new uPlot(opts, [[], ...series.map(() => [])] as unknown as uPlot.AlignedData, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 4) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series change (labels, axes), not on new data.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height, xLabel]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData([x, ...series.map((s) => s.values)] as unknown as uPlot.AlignedData);
    if (box.current) box.current.dataset.points = String(x.length);
  });

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" data-testid={testid} />
    </figure>
  );
}
