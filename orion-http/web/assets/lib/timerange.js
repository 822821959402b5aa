// Time ranges: relative expressions (`now`, `now-1h`, `now-7d`) and
// absolute RFC 3339 instants, as kept in the URL (`from`, `to`) and sent
// to the API (always resolved to absolute instants). Pure: `now` is a
// parameter everywhere.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Relative presets of the picker, shortest first. */
export const PRESETS = ['15m', '1h', '24h', '7d'];

/** The default range of the explorer. */
export const DEFAULT_RANGE = Object.freeze({ from: 'now-1h', to: 'now' });

/** `"15m"` → 900000; null when it is not `<integer><s|m|h|d|w>`. */
export function parseDuration(text) {
  const m = /^(\d+)([smhdw])$/.exec(String(text).trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n <= 0) return null;
  return n * UNIT_MS[m[2]];
}

/** 900000 → `"15m"` (the largest unit dividing it exactly). */
export function formatDuration(ms) {
  for (const unit of ['w', 'd', 'h', 'm', 's']) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses one end of a range.
 * @returns {{kind:'relative', offsetMs:number} | {kind:'absolute', ms:number} | null}
 */
export function parseTimeExpr(text) {
  const s = String(text ?? '').trim();
  if (s === 'now') return { kind: 'relative', offsetMs: 0 };
  const rel = /^now([+-])(\d+[smhdw])$/.exec(s);
  if (rel) {
    const d = parseDuration(rel[2]);
    if (d === null) return null;
    return { kind: 'relative', offsetMs: rel[1] === '-' ? -d : d };
  }
  if (RFC3339.test(s)) {
    const ms = Date.parse(s.replace(' ', 'T'));
    if (Number.isFinite(ms)) return { kind: 'absolute', ms };
  }
  return null;
}

/** The instant `text` means at `nowMs`, or null when it does not parse. */
export function resolveTime(text, nowMs) {
  const p = parseTimeExpr(text);
  if (!p) return null;
  return p.kind === 'relative' ? nowMs + p.offsetMs : p.ms;
}

/**
 * Resolves `{from, to}` at `nowMs`.
 * @returns {{fromMs:number, toMs:number, error?:undefined} | {error:string}}
 */
export function resolveRange(range, nowMs) {
  const fromMs = resolveTime(range.from, nowMs);
  const toMs = resolveTime(range.to ?? 'now', nowMs);
  if (fromMs === null) return { error: `Start time "${range.from}" is not a time (use now-1h or 2026-01-31T12:00:00Z).` };
  if (toMs === null) return { error: `End time "${range.to}" is not a time (use now or 2026-01-31T12:00:00Z).` };
  if (fromMs >= toMs) return { error: 'The start of the range must be before its end.' };
  return { fromMs, toMs };
}

/** The range `{from, to}` of a preset such as `"1h"`. */
export function presetRange(preset) {
  return { from: `now-${preset}`, to: 'now' };
}

/** The preset a range is, or null (`{from:'now-1h', to:'now'}` → `'1h'`). */
export function matchPreset(range, presets = PRESETS) {
  if ((range.to ?? 'now') !== 'now') return null;
  const m = /^now-(\d+[smhdw])$/.exec(String(range.from));
  if (!m) return null;
  return presets.includes(m[1]) ? m[1] : null;
}

/** RFC 3339 with milliseconds in UTC, as the API writes them. */
export function toIso(ms) {
  return new Date(ms).toISOString();
}

/** An absolute range between two instants. */
export function absoluteRange(fromMs, toMs) {
  return { from: toIso(Math.min(fromMs, toMs)), to: toIso(Math.max(fromMs, toMs)) };
}

const PRESET_WORDS = { '15m': 'Last 15 minutes', '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days' };

/** Words for a range (`"Last hour"`, `"Last 3d"`, or the two instants). */
export function describeRange(range) {
  const preset = matchPreset(range);
  if (preset) return PRESET_WORDS[preset];
  const m = /^now-(\d+[smhdw])$/.exec(String(range.from));
  if (m && (range.to ?? 'now') === 'now') return `Last ${m[1]}`;
  return `${range.from} → ${range.to ?? 'now'}`;
}

/** Histogram intervals the server offers, shortest first. */
export const INTERVALS = [
  { name: '1m', ms: 60_000 },
  { name: '5m', ms: 300_000 },
  { name: '1h', ms: 3_600_000 },
  { name: '1d', ms: 86_400_000 },
];

/** The finest interval that keeps a span within `maxBuckets` buckets. */
export function chooseInterval(spanMs, maxBuckets = 400) {
  for (const i of INTERVALS) if (spanMs / i.ms <= maxBuckets) return i;
  return INTERVALS[INTERVALS.length - 1];
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

/**
 * The value of an `<input type="datetime-local">` for `ms`, in a zone
 * `offsetMinutes` behind UTC (what `Date#getTimezoneOffset` returns).
 */
export function toLocalInput(ms, offsetMinutes) {
  const d = new Date(ms - offsetMinutes * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The instant of a `datetime-local` value, or null. */
export function fromLocalInput(value, offsetMinutes) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(value));
  if (!m) return null;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  return utc + offsetMinutes * 60_000;
}
