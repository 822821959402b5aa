// The log histogram: counts per bucket stacked by level (uPlot bars), a
// hover readout, and drag-to-zoom that sets the time range.

import { html, useRef, useMemo } from '../vendor/htm-preact-standalone.js';
import { Chart, cssVar, axes } from './chart.js';
import { histogramSeries } from '../lib/series.js';
import { formatTime, formatCount } from '../lib/format.js';

const DRAW_ORDER = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * @param {{buckets: Array, fromMs: number, toMs: number, interval: {name: string, ms: number},
 *   onZoom: (fromMs: number, toMs: number) => void}} props
 */
export function Histogram({ buckets, fromMs, toMs, interval, onZoom }) {
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const readout = useRef(null);
  const series = useMemo(() => histogramSeries(buckets, { fromMs, toMs, intervalMs: interval.ms }), [buckets, fromMs, toMs, interval.ms]);
  const data = useMemo(() => [series.x, ...DRAW_ORDER.map((l) => series.stacked[l])], [series]);
  const total = useMemo(() => (buckets || []).reduce((n, b) => n + (Number(b.total) || 0), 0), [buckets]);

  const makeOptions = (width, uPlot) => {
    const bars = uPlot.paths.bars({ size: [0.9, 60], align: 1 });
    return {
      legend: { show: false },
      padding: [8, 8, 0, 0],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
      },
      select: { show: true },
      scales: {
        x: { time: true, range: () => [fromMs / 1000, toMs / 1000] },
        y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] },
      },
      axes: axes(),
      series: [
        {},
        ...DRAW_ORDER.map((level) => ({
          label: level,
          stroke: cssVar(`--lvl-${level}`),
          fill: cssVar(`--lvl-${level}`),
          width: 0,
          paths: bars,
          points: { show: false },
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width > 3) {
              const a = u.posToVal(left, 'x') * 1000;
              const b = u.posToVal(left + width, 'x') * 1000;
              zoomRef.current(Math.max(fromMs, Math.floor(a)), Math.min(toMs, Math.ceil(b)));
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            const el = readout.current;
            if (!el) return;
            const i = u.cursor.idx;
            if (i === null || i === undefined) {
              el.textContent = '';
              return;
            }
            const parts = DRAW_ORDER.slice()
              .reverse()
              .filter((l) => series.counts[l][i] > 0)
              .map((l) => `${l} ${formatCount(series.counts[l][i])}`);
            el.textContent = `${formatTime(series.x[i] * 1000, { ms: false })}: ${parts.length ? parts.join(', ') : 'no entries'}`;
          },
        ],
      },
    };
  };

  return html`<div class="histogram">
    <${Chart}
      makeOptions=${makeOptions}
      data=${data}
      height=${120}
      deps=${[data]}
      label=${`Log entries over time by level, ${formatCount(total)} in ${interval.name} buckets`}
    />
    <div class="histogram-foot">
      <span class="legend" aria-hidden="true">
        ${DRAW_ORDER.slice().reverse().map((l) => html`<span class="legend-item"><span class=${`swatch lvl-bg-${l}`}></span>${l}</span>`)}
      </span>
      <span class="readout" ref=${readout}></span>
      <span class="hint">Drag across the chart to zoom into a time range.</span>
    </div>
  </div>`;
}
