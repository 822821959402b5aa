// Alert rules in the editor: the form ⇄ the API body (with its actions),
// the server's problems per field, and silences (scope, until). Pure.

import { parseDuration, toIso } from './timerange.js';

export const MAX_ACTIONS = 5;
export const ACTION_TYPES = [
  ['restart', 'Restart'],
  ['stop', 'Stop'],
  ['start', 'Start'],
];

export const EMPTY_FORM = {
  name: '',
  condition: '',
  windowMinutes: '5',
  repeatMinutes: '60',
  channels: 'email',
  source: '',
  serverId: '',
  filter: '',
  enabled: true,
  actions: [],
};

/** A new action row of the editor. */
export function emptyAction(serverId = '') {
  return { type: 'restart', serverId, scriptName: '' };
}

/** The editor's form of a rule (strings for the inputs), or the empty form. */
export function toForm(rule) {
  if (!rule) return { ...EMPTY_FORM, actions: [] };
  return {
    name: rule.name,
    condition: rule.condition,
    windowMinutes: String(rule.windowMinutes ?? 5),
    repeatMinutes: String(rule.repeatMinutes ?? 60),
    channels: (rule.channels || []).join('\n'),
    source: rule.source ?? '',
    serverId: rule.serverId ?? '',
    filter: rule.filter ?? '',
    enabled: rule.enabled !== false,
    actions: (Array.isArray(rule.actions) ? rule.actions : []).map((a) => ({ type: a.type, serverId: a.serverId ?? '', scriptName: a.scriptName ?? '' })),
  };
}

/**
 * The body of POST / PUT `…/alerts/rules` (a PUT replaces everything, so
 * every field is sent: `actions: []` removes them). Blank optional text
 * fields are left out; action fields are trimmed and sent even when
 * blank, so the server names the missing one (`actions[0].scriptName`).
 */
export function toBody(f) {
  const body = {
    name: f.name.trim(),
    condition: f.condition,
    windowMinutes: Number(f.windowMinutes),
    repeatMinutes: Number(f.repeatMinutes),
    channels: f.channels.split('\n').map((c) => c.trim()).filter(Boolean),
    enabled: f.enabled,
    actions: (f.actions || []).map((a) => ({ type: a.type, serverId: a.serverId.trim(), scriptName: a.scriptName.trim() })),
  };
  if (f.source.trim()) body.source = f.source.trim();
  if (f.serverId.trim()) body.serverId = f.serverId.trim();
  if (f.filter.trim()) body.filter = f.filter.trim();
  return body;
}

/** The body of the preview for the form: what it shares with a rule. */
export function previewBody(f) {
  const body = { condition: f.condition, windowMinutes: Number(f.windowMinutes) || 5 };
  if (f.source.trim()) body.source = f.source.trim();
  if (f.serverId.trim()) body.serverId = f.serverId.trim();
  if (f.filter.trim()) body.filter = f.filter.trim();
  return body;
}

/** The server's message about exactly `field` (`condition`, `actions[1].serverId`), or null. */
export function detailFor(err, field) {
  const details = err && Array.isArray(err.details) ? err.details : [];
  const d = details.find((x) => x && x.field === field);
  return d && d.message ? d.message : null;
}

/** The details of `err` about `field` or anything under it (`actions` → `actions`, `actions[2].type`, …) not claimed by `except`. */
export function detailsUnder(err, field, except = () => false) {
  const details = err && Array.isArray(err.details) ? err.details : [];
  return details.filter((d) => d && typeof d.field === 'string' && (d.field === field || d.field.startsWith(`${field}[`) || d.field.startsWith(`${field}.`)) && !except(d.field));
}

/** `"Restart api on web-1"`. */
export function describeAction(a) {
  const verb = (ACTION_TYPES.find(([t]) => t === a.type) || [a.type, a.type])[1];
  return `${verb} ${a.scriptName} on ${a.serverId}`;
}

/** An event's action as text: `"Restart api on web-1, command 12: ok — restarted"` (the command alone when the event does not name it). */
export function describeEventAction(a) {
  const status = a.status || 'pending';
  const what = a.type && a.serverId && a.scriptName ? `${describeAction(a)}, command` : 'command';
  return `${what} ${a.commandId}: ${status}${a.output ? ` — ${a.output}` : ''}`;
}

// ---- silences ----

export const SILENCE_DURATIONS = [
  ['30m', '30 minutes'],
  ['1h', '1 hour'],
  ['4h', '4 hours'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
];

/** The `until` of a silence lasting `duration` (`1h`) from `nowMs`, as RFC 3339. */
export function untilAfter(nowMs, duration) {
  const ms = parseDuration(duration);
  if (!ms) throw new Error(`unknown duration ${duration}`);
  return toIso(nowMs + ms);
}

/** The body of POST `…/alerts/silences` from the form `{ruleId: '' | id, serverId, duration, reason}`. */
export function silenceBody(form, nowMs) {
  const body = { until: untilAfter(nowMs, form.duration), reason: form.reason.trim() };
  if (form.ruleId !== '' && form.ruleId !== null && form.ruleId !== undefined) body.ruleId = Number(form.ruleId);
  if (form.serverId.trim()) body.serverId = form.serverId.trim();
  return body;
}

/** What a silence matches, in words: `"rule Payment errors"`, `"server web-1"`, both, or `"every rule"`. */
export function silenceScope(s, rules = []) {
  const parts = [];
  if (s.ruleId !== null && s.ruleId !== undefined) {
    const r = rules.find((x) => x.id === s.ruleId);
    parts.push(r ? `rule ${r.name}` : `rule ${s.ruleId} (deleted)`);
  }
  if (s.serverId) parts.push(`server ${s.serverId}`);
  return parts.length ? parts.join(', ') : 'every rule';
}
