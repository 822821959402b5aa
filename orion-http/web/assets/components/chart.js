// uPlot charts (histogram, server metrics, alert preview) and SVG
// sparklines. Colours come from the theme's CSS variables; charts are
// rebuilt when the theme changes.

import { html, useEffect, useRef, useState } from '../vendor/htm-preact-standalone.js';
import uPlot from '../vendor/uPlot.esm.js';
import { sparkPath } from '../lib/series.js';

export const THEME_EVENT = 'orion:theme';

/** The value of a CSS custom property of the document (`--level-error`). */
export function cssVar(name, fallback = '#888') {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function useThemeVersion() {
  const [v, setV] = useState(0);
  useEffect(() => {
    const on = () => setV((x) => x + 1);
    window.addEventListener(THEME_EVENT, on);
    return () => window.removeEventListener(THEME_EVENT, on);
  }, []);
  return v;
}

/** Axis styling shared by every chart. */
export function axes(extra = {}) {
  const stroke = cssVar('--muted');
  const grid = { stroke: cssVar('--grid'), width: 1 };
  return [
    { stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, size: 50, ...extra },
  ];
}

/**
 * A uPlot chart. `makeOptions(width)` builds the options (called again on
 * theme change); `data` is uPlot's column array. `label` names the chart
 * for assistive technology; `summary` is its text equivalent.
 */
export function Chart({ makeOptions, data, height = 180, label, summary, readout, legend, deps = [] }) {
  const box = useRef(null);
  const plot = useRef(null);
  const readoutEl = useRef(null);
  const readoutFn = useRef(readout);
  readoutFn.current = readout;
  const theme = useThemeVersion();

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = Math.max(200, el.clientWidth);
    const opts = { width, height, legend: { show: false }, ...makeOptions(width) };
    if (readout) {
      const onCursor = (u) => {
        const i = u.cursor.idx;
        if (readoutEl.current) readoutEl.current.textContent = i === null || i === undefined ? '' : readoutFn.current(u, i);
      };
      opts.hooks = { ...(opts.hooks || {}), setCursor: [...((opts.hooks && opts.hooks.setCursor) || []), onCursor] };
    }
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [theme, height, ...deps]);

  useEffect(() => {
    if (plot.current) plot.current.setData(data);
  }, [data]);

  return html`<figure class="chart">
    <div ref=${box} class="chart-canvas" role="img" aria-label=${label}></div>
    ${(legend || readout) &&
    html`<div class="chart-foot">
      ${legend &&
      html`<span class="legend" aria-hidden="true">
        ${legend.map(([text, cls]) => html`<span class="legend-item"><span class=${`swatch ${cls}`}></span>${text}</span>`)}
      </span>`}
      ${readout && html`<span class="readout" ref=${readoutEl}></span>`}
    </div>`}
    ${summary && html`<figcaption class="chart-summary">${summary}</figcaption>`}
  </figure>`;
}

export { uPlot };

/** An SVG sparkline of `points` `[{t (ms), value}]` over `[fromMs, toMs]`. */
export function Sparkline({ points, fromMs, toMs, label, max = 100, width = 120, height = 28 }) {
  const d = sparkPath(points, { width, height: height - 2, fromMs, toMs, min: 0, max });
  return html`<svg class="spark" viewBox=${`0 -1 ${width} ${height}`} width=${width} height=${height} role="img" aria-label=${label} focusable="false">
    <path class="spark-base" d=${`M0,${height - 2}L${width},${height - 2}`} />
    ${d && html`<path class="spark-line" d=${d} />`}
  </svg>`;
}
