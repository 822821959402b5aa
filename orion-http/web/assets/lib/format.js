// Formatting of timestamps, byte counts, rates, percents and counts.
// Pure and deterministic: no locale-dependent output, `now` passed in.

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

function toMs(t) {
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * `2026-11-27 12:00:00.123` in local time, or in UTC with `{utc: true}`.
 * `{ms: false}` drops the milliseconds. Unparsable input → `"—"`.
 */
export function formatTime(t, { utc = false, ms = true } = {}) {
  const v = toMs(t);
  if (v === null) return '—';
  const d = new Date(v);
  const g = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  const base = `${g[0]}-${pad(g[1])}-${pad(g[2])} ${pad(g[3])}:${pad(g[4])}:${pad(g[5])}`;
  return ms ? `${base}.${pad(g[6], 3)}` : base;
}

/** `"just now"`, `"42 s ago"`, `"5 min ago"`, `"3 h ago"`, `"2 d ago"`; never for null. */
export function formatAgo(t, nowMs) {
  const v = toMs(t);
  if (v === null) return 'never';
  const s = Math.round((nowMs - v) / 1000);
  if (s < 0) return 'in the future';
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536` → `"1.5 KiB"`; binary units, one decimal past bytes. */
export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  let v = Math.abs(Number(n));
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  const sign = Number(n) < 0 ? '-' : '';
  return u === 0 ? `${sign}${Math.round(v)} B` : `${sign}${v.toFixed(1)} ${UNITS[u]}`;
}

/** Bytes per second: `"1.5 KiB/s"`. */
export function formatRate(n) {
  const b = formatBytes(n);
  return b === '—' ? b : `${b}/s`;
}

/** `12.345` → `"12.3%"`; null → `"—"`. */
export function formatPercent(p, digits = 1) {
  if (p === null || p === undefined || !Number.isFinite(Number(p))) return '—';
  return `${Number(p).toFixed(digits)}%`;
}

/** `12873` → `"12,873"` (no locale). */
export function formatCount(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  const [int, frac] = String(Math.abs(Number(n))).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (Number(n) < 0 ? '-' : '') + grouped + (frac ? `.${frac}` : '');
}

/** A total that may be a lower bound: `"10,000+"`. */
export function formatTotal(total, isLowerBound) {
  return formatCount(total) + (isLowerBound ? '+' : '');
}

/** Seconds → `"1d 2h 3m"` (`"45s"` under a minute). */
export function formatUptime(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  let s = Math.floor(Number(seconds));
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  const parts = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m || parts.length === 0) parts.push(`${m}m`);
  return parts.join(' ');
}

/** A JSON value as one line of text (strings unquoted). */
export function formatValue(v) {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
