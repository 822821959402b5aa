// Incidents (grouped crash reports) and their crash context, shaped for
// the incidents screen and the server page. Pure.

import { normalizeHeartbeat } from './heartbeat.js';

const SIGNALS = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
};

/** The status filter of the screen (`all`, `open`, `resolved`) → the API's `status` parameter (none for all). */
export function statusParam(filter) {
  return filter === 'open' || filter === 'resolved' ? filter : undefined;
}

/** How the process ended: `"exit code 2"`, `"signal 9 (SIGKILL)"`, both, or `null` when the context does not say. */
export function describeExit(context) {
  if (!context || typeof context !== 'object') return null;
  const parts = [];
  if (Number.isInteger(context.exitCode)) parts.push(`exit code ${context.exitCode}`);
  if (context.signal !== null && context.signal !== undefined && context.signal !== '') {
    const name = SIGNALS[context.signal];
    parts.push(`signal ${context.signal}${name ? ` (${name})` : ''}`);
  }
  return parts.length ? parts.join(', ') : null;
}

/** `"1 report"`, `"3 reports"`. */
export function describeCount(count) {
  const n = Number.isFinite(Number(count)) && Number(count) > 0 ? Number(count) : 1;
  return `${n} ${n === 1 ? 'report' : 'reports'}`;
}

/** `"Open"`, `"Resolved"`; an incident of a server without grouping has no status and reads as open. */
export function describeStatus(incident) {
  return incident && incident.status === 'resolved' ? 'Resolved' : 'Open';
}

/**
 * The crash context as the screen shows it:
 * `{lines: [{timestamp, stream, line}], exit, restarts, metrics}` with
 * `metrics` the flat heartbeat record (`normalizeHeartbeat`) or null, lines
 * oldest first, each stream `stdout` / `stderr` (anything else kept as sent).
 * Null when there is no context.
 */
export function contextView(context) {
  if (!context || typeof context !== 'object') return null;
  const lines = (Array.isArray(context.lines) ? context.lines : [])
    .filter((l) => l && typeof l === 'object')
    .map((l) => ({ timestamp: l.timestamp ?? null, stream: typeof l.stream === 'string' ? l.stream : 'stdout', line: l.line == null ? '' : String(l.line) }));
  return {
    lines,
    exit: describeExit(context),
    restarts: Number.isFinite(context.restarts) ? context.restarts : null,
    metrics: context.metrics ? normalizeHeartbeat(context.metrics) : null,
  };
}

/** Incidents newest first by `lastAt` (the older shape has only `timestamp`), ties by id. */
export function sortIncidents(list) {
  const at = (i) => Date.parse(i.lastAt || i.timestamp) || 0;
  return (list || []).slice().sort((a, b) => at(b) - at(a) || (b.id || 0) - (a.id || 0));
}
