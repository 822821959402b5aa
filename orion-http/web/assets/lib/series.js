// Chart data shaping: the log histogram (stacked by level) for uPlot and
// sparkline paths for plain SVG. Pure.

import { LEVELS } from './query.js';

/**
 * Histogram buckets `[{start, total, counts: {level: n}}]` (empty buckets
 * left out by the server) → zero-filled uPlot columns over the range.
 * @returns {{x: number[], counts: Object<string, number[]>, stacked: Object<string, number[]>, levels: string[]}}
 *   `x` in seconds; `stacked[level]` is the sum of that level and every
 *   lower one, so drawing the highest level first and the lowest last
 *   gives a stacked bar chart.
 */
export function histogramSeries(buckets, { fromMs, toMs, intervalMs }) {
  const first = Math.floor(fromMs / intervalMs) * intervalMs;
  const n = Math.max(0, Math.ceil((toMs - first) / intervalMs));
  const x = new Array(n);
  for (let i = 0; i < n; i += 1) x[i] = (first + i * intervalMs) / 1000;
  const counts = {};
  for (const l of LEVELS) counts[l] = new Array(n).fill(0);
  for (const b of buckets || []) {
    const ms = Date.parse(b.start);
    if (!Number.isFinite(ms)) continue;
    const i = Math.round((ms - first) / intervalMs);
    if (i < 0 || i >= n) continue;
    for (const [level, c] of Object.entries(b.counts || {})) {
      if (counts[level]) counts[level][i] += Number(c) || 0;
    }
  }
  const stacked = {};
  let running = new Array(n).fill(0);
  for (const l of LEVELS) {
    running = running.map((v, i) => v + counts[l][i]);
    stacked[l] = running;
  }
  return { x, counts, stacked, levels: LEVELS };
}

/**
 * An SVG path (`d`) of `points` `[{t, value}]` (t in ms) across a
 * `width`×`height` box over `[fromMs, toMs]`, values scaled within
 * `[min, max]`. Null values break the line.
 */
export function sparkPath(points, { width, height, fromMs, toMs, min = 0, max = 100 }) {
  const span = Math.max(1, toMs - fromMs);
  const range = max - min || 1;
  let d = '';
  let run = 0; // points in the current stretch
  // A stretch of one point (the first heartbeat, or one between gaps)
  // would draw nothing: it becomes a 2-unit dash.
  const dash = () => (run === 1 ? 'h2' : '');
  for (const p of points || []) {
    if (p.value === null || p.value === undefined || !Number.isFinite(p.value)) {
      d += dash();
      run = 0;
      continue;
    }
    const x = ((p.t - fromMs) / span) * width;
    const clamped = Math.min(max, Math.max(min, p.value));
    const y = height - ((clamped - min) / range) * height;
    d += `${run ? 'L' : 'M'}${round(run ? x : Math.min(x, width - 2))},${round(y)}`;
    run += 1;
  }
  return d + dash();
}

function round(v) {
  return Math.round(v * 10) / 10;
}

/**
 * The metrics points of one server (`/servers/metrics`) for one key:
 * `[{t (ms), value}]`, oldest first. The server leaves out the steps
 * without heartbeats; given the answer's step (`stepMs`, from
 * `stepSeconds`), every missing step between two points becomes a
 * `null` point, so a sparkline breaks there instead of joining across it.
 */
export function metricPoints(list, key, { stepMs } = {}) {
  const points = (list || [])
    .map((p) => ({ t: typeof p.t === 'number' ? p.t : Date.parse(p.t), value: p[key] ?? null }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  return stepMs > 0 ? fillSteps(points, stepMs) : points;
}

/**
 * `points` (sorted by `t`, on steps of `stepMs` aligned on the epoch, as
 * the server aligns them) with a `{t, value: null}` for every step missing
 * between the first and the last. At most `max` points are added (a
 * malformed answer cannot make the page build millions).
 */
export function fillSteps(points, stepMs, max = 100_000) {
  if (!(stepMs > 0) || points.length < 2) return points;
  const out = [];
  let added = 0;
  for (let i = 0; i < points.length; i += 1) {
    const p = points[i];
    if (i > 0) {
      const prev = points[i - 1];
      for (let t = prev.t + stepMs; t <= p.t - stepMs / 2 && added < max; t += stepMs) {
        out.push({ t, value: null });
        added += 1;
      }
    }
    out.push(p);
  }
  return out;
}
