// A live line chart (uPlot). Created once; new data goes in with setData, so a chart that gets a
// point per training step costs about a millisecond per update. The number of points drawn is on
// the container (data-points) for tests. The x axis is whole steps (no 1.5); the legend shows the
// values under the cursor while hovering and the latest values otherwise (never "--").
// Charts are built one per task (oneTaskEach): the Train view builds four at once when a run starts
// and again when a stage adds a series, and four uPlot constructions in one task made the main
// thread's longest task (~110 ms on SwiftShader, issue 15's target is < 100 ms).
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
  /** Drawn dashed (a second quantity of the same stage). */
  dash?: boolean;
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

const pending: (() => void)[] = [];
let draining = false;

/** Runs `fn` in a task of its own, after those queued before it (one chart construction per task). */
function oneTaskEach(fn: () => void): void {
  pending.push(fn);
  if (draining) return;
  draining = true;
  const next = () => {
    pending.shift()?.();
    if (pending.length) setTimeout(next, 0);
    else draining = false;
  };
  setTimeout(next, 0);
}

export function Chart({ title, x, xLabel = 'step', series, log, testid, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement | null>(null);
  const plot = useRef<uPlot | null>(null);
  /** Draws the latest data (props of the last render) on the chart, once it exists. */
  const draw = useRef<() => void>(() => {});
  draw.current = () => {
    const u = plot.current;
    if (!u) return;
    u.setData([x, ...series.map((s) => s.values)] as unknown as uPlot.AlignedData);
    showLatest(u);
    if (box.current) box.current.dataset.points = String(series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== undefined).length, 0));
  };
  const shape = series.map((s) => `${s.label}:${s.right ? 'r' : 'l'}${s.sparse ? 's' : ''}${s.dash ? 'd' : ''}`).join('|') + (log ? '|log' : '');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(240, el.clientWidth || 320);
    const hasRight = series.some((s) => s.right);
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : {}, ...(hasRight ? { r: {} } : {}) },
      axes: [
        // Whole steps only: tick spacings are integers and labels have no decimals.
        { label: xLabel, size: 36, incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000], values: (_u, ticks) => ticks.map((t) => String(Math.round(t))) },
        { size: 52 },
        ...(hasRight ? [{ scale: 'r', side: 1 as const, grid: { show: false }, size: 52 }] : []),
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          dash: s.dash ? [5, 3] : undefined,
          scale: s.right ? 'r' : 'y',
          spanGaps: !!s.sparse,
          points: { show: !!s.sparse, size: 6 },
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '' : formatValue(v)),
        })),
      ],
      hooks: {
        // Off the plot, the legend shows each series' latest value instead of "--".
        setCursor: [(u) => showLatest(u)],
      },
    };
    let gone = false;
    let ro: ResizeObserver | null = null;
    oneTaskEach(() => {
      if (gone) return;
      const u = new uPlot(opts, [[], ...series.map(() => [])] as unknown as uPlot.AlignedData, el);
      plot.current = u;
      draw.current();
      ro = new ResizeObserver(() => {
        const w = el.clientWidth;
        if (w > 0 && Math.abs(w - u.width) > 4) u.setSize({ width: w, height });
      });
      ro.observe(el);
    });
    return () => {
      gone = true;
      ro?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series change (labels, axes), not on new data.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height, xLabel]);

  useEffect(() => draw.current());

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" data-testid={testid} />
    </figure>
  );
}

/** A legend value: 3 significant digits, exponent for tiny ones (learning rates). */
function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2);
  return a >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

/** With the cursor off the plot: the legend at each series' last value (per series, as stages end at different steps). */
function showLatest(u: uPlot): void {
  if (u.cursor.idx !== null && u.cursor.idx !== undefined) return;
  const idxs = u.data.map((col, i) => {
    if (i === 0) return col.length > 0 ? col.length - 1 : null;
    for (let k = col.length - 1; k >= 0; k--) if (col[k] !== null && col[k] !== undefined) return k;
    return null;
  });
  if (idxs[0] === null) return;
  u.setLegend({ idxs }, false);
}
