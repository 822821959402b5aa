// uPlot charts (histogram, server metrics, alert preview) and SVG
// sparklines. Colours come from the theme's CSS variables; charts are
// rebuilt when the theme changes.

import { html, useEffect, useRef, useState } from '../vendor/htm-preact-standalone.js';
import { sparkPath } from '../lib/series.js';

// uPlot is 40% of the dashboard's JavaScript and only charts need it: it
// is imported when the first chart mounts, off the path to the first
// screen (the logs explorer's rows come before its histogram).
let uPlotModule = null;

/** uPlot, loaded once. */
export function loadUPlot() {
  if (!uPlotModule) uPlotModule = import('../vendor/uPlot.esm.js').then((m) => m.default);
  return uPlotModule;
}

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
 * A uPlot chart. `makeOptions(width, uPlot)` builds the options (called
 * again on theme change); `data` is uPlot's column array. `label` names the chart
 * for assistive technology; `summary` is its text equivalent.
 */
export function Chart({ makeOptions, data, height = 180, label, summary, readout, legend, deps = [] }) {
  const box = useRef(null);
  const plot = useRef(null);
  const readoutEl = useRef(null);
  const readoutFn = useRef(readout);
  readoutFn.current = readout;
  const theme = useThemeVersion();
  const dataRef = useRef(data);
  dataRef.current = data;
  const optionsRef = useRef(makeOptions);
  optionsRef.current = makeOptions;

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    let u = null;
    let ro = null;
    let gone = false;
    loadUPlot().then((uPlot) => {
      if (gone) return;
      const width = Math.max(200, el.clientWidth);
      const opts = { width, height, legend: { show: false }, ...optionsRef.current(width, uPlot) };
      if (readout) {
        const onCursor = (p) => {
          const i = p.cursor.idx;
          if (readoutEl.current) readoutEl.current.textContent = i === null || i === undefined ? '' : readoutFn.current(p, i);
        };
        opts.hooks = { ...(opts.hooks || {}), setCursor: [...((opts.hooks && opts.hooks.setCursor) || []), onCursor] };
      }
      u = new uPlot(opts, dataRef.current, el);
      plot.current = u;
      ro = new ResizeObserver(() => {
        const w = Math.max(200, el.clientWidth);
        if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
      });
      ro.observe(el);
    });
    return () => {
      gone = true;
      if (ro) ro.disconnect();
      if (u) u.destroy();
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


/** An SVG sparkline of `points` `[{t (ms), value}]` over `[fromMs, toMs]`. */
export function Sparkline({ points, fromMs, toMs, label, max = 100, width = 120, height = 28 }) {
  const d = sparkPath(points, { width, height: height - 2, fromMs, toMs, min: 0, max });
  return html`<svg class="spark" viewBox=${`0 -1 ${width} ${height}`} width=${width} height=${height} role="img" aria-label=${label} focusable="false">
    <path class="spark-base" d=${`M0,${height - 2}L${width},${height - 2}`} />
    ${d && html`<path class="spark-line" d=${d} />`}
  </svg>`;
}
