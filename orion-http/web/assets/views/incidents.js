// Incidents: crash reports grouped by server, script and event, newest
// first, filtered by state (open / resolved / all, in the URL). The
// selected incident (`sel` in the URL) opens below the table with its
// state, its count and dates, and the newest report's crash context: the
// last lines (stream and time), how the process ended, its restarts and
// the machine's figures at that moment. Open ones have a Resolve button.
// Every text an agent sent (message, script, lines) is rendered as text.
// Live `incident` events (opened, repeated, resolved) refresh the list and
// the open incident without a reload.
// API: GET /projects/:p/incidents?status&from&to&limit,
// GET /projects/:p/incidents/:id, POST /projects/:p/incidents/:id/resolve.

import { html, useEffect, useMemo, useRef, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useTitle, useUrlState, useKeyAction } from '../components/hooks.js';
import { ErrorNotice, Loading, Link, Select, Status } from '../components/ui.js';
import { TimeRangePicker } from '../components/timerange.js';
import { useLiveEvents } from '../components/liveevents.js';
import { resolveRange, toIso } from '../lib/timerange.js';
import { formatTime, formatCount, formatPercent, formatBytes, formatRate, formatUptime } from '../lib/format.js';
import { statusParam, describeCount, describeStatus, contextView, sortIncidents } from '../lib/incident.js';
import { moveIndex } from '../lib/virtual.js';
import { pathFor } from '../lib/routes.js';

const SCHEMA = {
  from: { type: 'string', default: 'now-7d' },
  to: { type: 'string', default: 'now' },
  status: { type: 'string', default: 'all' },
  sel: { type: 'int', default: null },
};

const STATUS_OPTIONS = [
  ['all', 'All incidents'],
  ['open', 'Open'],
  ['resolved', 'Resolved'],
];

function StateBadge({ incident }) {
  const word = describeStatus(incident);
  return html`<span class=${`incident-state ${word === 'Open' ? 'inc-open' : 'inc-resolved'}`}>${word}</span>`;
}

function Metrics({ m }) {
  if (!m) return html`<p class="muted">The report carried no figures.</p>`;
  return html`<dl class="facts wide">
    <dt>Taken</dt><dd>${m.timestamp ? html`<time datetime=${m.timestamp}>${formatTime(m.timestamp, { ms: false })}</time>` : '—'}</dd>
    <dt>CPU</dt><dd>${formatPercent(m.cpu)}</dd>
    <dt>RAM</dt><dd>${formatPercent(m.ram)}${m.ramUsedBytes !== null && m.ramTotalBytes ? ` (${formatBytes(m.ramUsedBytes)} of ${formatBytes(m.ramTotalBytes)})` : ''}</dd>
    <dt>Disk</dt><dd>${formatPercent(m.disk)}${m.diskUsedBytes !== null && m.diskTotalBytes ? ` (${formatBytes(m.diskUsedBytes)} of ${formatBytes(m.diskTotalBytes)})` : ''}</dd>
    <dt>Load</dt><dd>${m.loadAverage ? m.loadAverage.map((x) => Number(x).toFixed(2)).join(' ') : '—'}</dd>
    <dt>Network</dt><dd>${m.rx === null && m.tx === null ? '—' : `${formatRate(m.rx)} in, ${formatRate(m.tx)} out`}</dd>
    <dt>Uptime</dt><dd>${formatUptime(m.uptime)}</dd>
  </dl>`;
}

function IncidentDetails({ project, id, focus, version, onClose, onResolved }) {
  const one = useAsync((signal) => api.get(projectPath(project, `/incidents/${id}`), undefined, { signal }), [project, id, version]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const heading = useRef(null);
  // Opened by a click: focus moves to it (and it scrolls into view); j / k
  // moves leave the focus and the scroll where the reader is.
  useEffect(() => {
    if (!focus || !heading.current) return;
    heading.current.focus({ preventScroll: true });
    if (heading.current.scrollIntoView) heading.current.scrollIntoView({ block: 'nearest' });
  }, [!!one.data]);

  const resolve = async () => {
    setBusy(true);
    setError(null);
    try {
      const after = await api.post(projectPath(project, `/incidents/${id}/resolve`));
      one.setData(after);
      onResolved(after);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const i = one.data;
  const ctx = i ? contextView(i.context) : null;
  const what = i ? `${i.event}${i.scriptName ? ` of ${i.scriptName}` : ''}${i.serverId ? ` on ${i.serverId}` : ''}` : '';
  return html`<section class="panel incident" role="region" aria-labelledby="incident-title">
    <div class="panel-head">
      <h2 id="incident-title" tabindex="-1" ref=${heading}>Incident ${id}${what ? `: ${what}` : ''}</h2>
      <button type="button" onClick=${onClose}>Close incident</button>
    </div>
    ${one.loading && !i && html`<${Loading} what="Loading the incident…" />`}
    <${ErrorNotice} error=${one.error} />
    <${ErrorNotice} error=${error} prefix="Not resolved" />
    ${i &&
    html`<dl class="facts wide">
        <dt>State</dt><dd><${StateBadge} incident=${i} /></dd>
        <dt>Count</dt><dd>${describeCount(i.count)}</dd>
        <dt>First report</dt><dd><time datetime=${i.firstAt || i.timestamp}>${formatTime(i.firstAt || i.timestamp)}</time></dd>
        <dt>Last report</dt><dd><time datetime=${i.lastAt || i.timestamp}>${formatTime(i.lastAt || i.timestamp)}</time></dd>
        <dt>Resolved</dt><dd>${i.resolvedAt ? html`<time datetime=${i.resolvedAt}>${formatTime(i.resolvedAt)}</time>` : '—'}</dd>
        <dt>Server</dt><dd>${i.serverId ? html`<${Link} href=${pathFor('server', { project, serverId: i.serverId })}>${i.serverId}<//>` : '—'}</dd>
        <dt>Script</dt><dd>${i.scriptName ?? '—'}</dd>
        <dt>Event</dt><dd>${i.event}</dd>
      </dl>
      <pre class="message">${i.message}</pre>
      ${i.status === 'open' &&
      html`<div class="actions">
        <button type="button" class="primary" disabled=${busy} onClick=${resolve}>Resolve</button>
        <span class="muted small">It also resolves by itself once its script has been running for 5 minutes.</span>
      </div>`}
      <h3>Crash context${i.count > 1 ? ' (the newest report)' : ''}</h3>
      ${!ctx
        ? html`<p class="muted">The agent sent no context with this report.</p>`
        : html`<dl class="facts wide">
              <dt>Ended with</dt><dd>${ctx.exit ?? '—'}</dd>
              <dt>Restarts</dt><dd>${ctx.restarts === null ? '—' : formatCount(ctx.restarts)}</dd>
            </dl>
            <h4>Machine at the crash</h4>
            <${Metrics} m=${ctx.metrics} />
            ${ctx.lines.length === 0
              ? html`<p class="muted">No output lines in the report.</p>`
              : html`<div class="table-wrap">
                  <table class="table compact context-lines">
                    <caption>Last lines before the crash (${formatCount(ctx.lines.length)})</caption>
                    <thead><tr><th scope="col">Time</th><th scope="col">Stream</th><th scope="col">Line</th></tr></thead>
                    <tbody>
                      ${ctx.lines.map(
                        (l, k) => html`<tr key=${k} class=${l.stream === 'stderr' ? 'stderr' : ''}>
                          <td class="nowrap"><time datetime=${l.timestamp}>${formatTime(l.timestamp)}</time></td>
                          <td class="nowrap"><span class=${`stream stream-${l.stream === 'stderr' ? 'stderr' : 'stdout'}`}>${l.stream}</span></td>
                          <td class="line-cell">${l.line}</td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`}`}`}
  </section>`;
}

export function IncidentsView({ project }) {
  useTitle(`Incidents · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const filter = STATUS_OPTIONS.some(([v]) => v === state.status) ? state.status : 'all';
  const [tick, setTick] = useState(0);
  const range = useMemo(() => resolveRange(state, Date.now()), [state.from, state.to, tick]);
  const list = useAsync(
    (signal) =>
      range.error
        ? Promise.resolve([])
        : api.get(projectPath(project, '/incidents'), { status: statusParam(filter), from: toIso(range.fromMs), to: toIso(range.toMs), limit: 500 }, { signal }),
    [project, range, filter],
  );
  const [message, setMessage] = useState('');
  const [error, setError] = useState(null);
  const focusDetails = useRef(false);
  const open = (i) => {
    focusDetails.current = true;
    setState({ sel: i.id }, { replace: true });
  };

  const items = sortIncidents(Array.isArray(list.data) ? list.data : (list.data && list.data.incidents) || []);
  const selIndex = items.findIndex((i) => i.id === state.sel);
  const move = (d) => {
    if (!items.length) return false;
    const next = items[moveIndex(selIndex, d, items.length)];
    focusDetails.current = false;
    setState({ sel: next.id }, { replace: true });
    const row = document.querySelector(`[data-incident="${next.id}"]`);
    if (row && row.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
    return true;
  };
  useKeyAction('next', () => move(1));
  useKeyAction('prev', () => move(-1));
  useKeyAction('close', () => {
    if (state.sel === null) return false;
    setState({ sel: null }, { replace: true });
    return true;
  });

  // A report or a resolution elsewhere: the list and the open incident follow.
  const [version, setVersion] = useState(0);
  const CHANGES = { opened: 'opened', repeated: 'has a new report', resolved: 'resolved' };
  useLiveEvents(project, ['incident'], (m) => {
    const i = m.incident;
    if (!i) return;
    setTick((t) => t + 1); // the range again from now: the new report's lastAt is after the old `to`
    if (i.id === state.sel) setVersion((v) => v + 1);
    setMessage(`Incident ${i.id} ${CHANGES[m.change] || 'changed'}.`);
  });

  const resolved = (i) => {
    setMessage(`Incident ${i.id} resolved.`);
    list.reload();
  };
  const resolve = async (i) => {
    setError(null);
    try {
      resolved(await api.post(projectPath(project, `/incidents/${i.id}/resolve`)));
    } catch (err) {
      setError(err);
    }
  };

  const empty = filter === 'open' ? 'No open incidents in this range.' : filter === 'resolved' ? 'No resolved incidents in this range.' : 'No incidents in this range.';
  return html`<div class="page">
    <h1>Incidents</h1>
    <div class="toolbar">
      <${TimeRangePicker} range=${{ from: state.from, to: state.to }} onChange=${(r) => setState({ ...r })} presets=${['1h', '24h', '7d', '30d']} />
      <${Select} label="Show" className="inline" value=${filter} onChange=${(status) => setState({ status })} options=${STATUS_OPTIONS} />
      <button type="button" onClick=${() => setTick(tick + 1)}>Refresh</button>
    </div>
    <${Status}>${message || (list.data ? `${formatCount(items.length)} ${filter === 'all' ? '' : `${filter} `}${items.length === 1 ? 'incident' : 'incidents'}` : '')}<//>
    <${ErrorNotice} error=${error || list.error} />
    ${list.loading && !list.data && html`<${Loading} />`}
    ${list.data && items.length === 0 && html`<p class="empty">${empty}</p>`}
    ${items.length > 0 &&
    html`<div class="table-wrap"><table class="table">
      <caption class="visually-hidden">Incidents, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Last report</th><th scope="col">Server</th><th scope="col">Script</th><th scope="col">Event</th><th scope="col">Message</th>
          <th scope="col">State</th><th scope="col">Count</th><th scope="col">First report</th><th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (i) => html`<tr key=${i.id} data-incident=${i.id} class=${i.id === state.sel ? 'selected' : ''} aria-selected=${i.id === state.sel ? 'true' : undefined} onClick=${() => open(i)}>
            <td class="nowrap"><time datetime=${i.lastAt || i.timestamp}>${formatTime(i.lastAt || i.timestamp, { ms: false })}</time></td>
            <td>${i.serverId ? html`<${Link} href=${pathFor('server', { project, serverId: i.serverId })}>${i.serverId}<//>` : '—'}</td>
            <td>${i.scriptName ?? '—'}</td>
            <td>${i.event}</td>
            <td class="msg-cell">${i.message}</td>
            <td><${StateBadge} incident=${i} />${i.resolvedAt ? html`<div class="muted small">${formatTime(i.resolvedAt, { ms: false })}</div>` : ''}</td>
            <td>${formatCount(i.count ?? 1)}</td>
            <td class="nowrap"><time datetime=${i.firstAt || i.timestamp}>${formatTime(i.firstAt || i.timestamp, { ms: false })}</time></td>
            <td class="actions-cell">
              <button type="button" aria-label=${`Details of incident ${i.id}`} onClick=${(e) => { e.stopPropagation(); open(i); }}>Details</button>
              ${i.status === 'open' && html`<button type="button" aria-label=${`Resolve incident ${i.id}`} onClick=${(e) => { e.stopPropagation(); resolve(i); }}>Resolve</button>`}
            </td>
          </tr>`,
        )}
      </tbody>
    </table></div>`}
    ${state.sel !== null &&
    html`<${IncidentDetails} key=${state.sel} project=${project} id=${state.sel} focus=${focusDetails.current} version=${version} onClose=${() => setState({ sel: null }, { replace: true })} onResolved=${resolved} />`}
  </div>`;
}
