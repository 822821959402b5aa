// The API parameters of a log search from the explorer's state. Pure.

import { resolveRange, toIso } from './timerange.js';

/**
 * `{q, from, to}` (relative or absolute ends) resolved at `nowMs` into the
 * params of `/logs`, `/logs/export`, `/logs/histogram` and `/logs/facets`.
 * @returns {{params: {q?:string, from:string, to:string}, fromMs:number, toMs:number} | {error:string}}
 */
export function searchParams({ q, from, to }, nowMs) {
  const r = resolveRange({ from, to }, nowMs);
  if (r.error) return { error: r.error };
  const params = { from: toIso(r.fromMs), to: toIso(r.toMs) };
  const query = String(q || '').trim();
  if (query) params.q = query;
  return { params, fromMs: r.fromMs, toMs: r.toMs };
}

/** The filename a download of the project's logs gets. */
export function exportFilename(project, format) {
  const ext = { ndjson: 'ndjson', json: 'json', csv: 'csv' }[format] || 'ndjson';
  return `${project}-logs.${ext}`;
}

/** The first detail message of an API error about `field` (e.g. `q`, `condition`), else the error sentence. */
export function fieldError(err, field) {
  if (!err) return null;
  const details = Array.isArray(err.details) ? err.details : [];
  const d = details.find((x) => x && x.field === field);
  if (d && d.message) return d.message;
  return err.message || err.error || null;
}
