// Incidents (crash alerts from the agents), newest first.
// API: GET /projects/:p/incidents?from&to&limit[&status]; POST /incidents/:id/resolve
// when the server groups incidents (part 3 of the contract).

import { html, useMemo, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useTitle, useUrlState, useKeyAction } from '../components/hooks.js';
import { ErrorNotice, Loading, Link, Select, Status } from '../components/ui.js';
import { TimeRangePicker } from '../components/timerange.js';
import { resolveRange, toIso } from '../lib/timerange.js';
import { formatTime, formatCount } from '../lib/format.js';
import { moveIndex } from '../lib/virtual.js';
import { pathFor } from '../lib/routes.js';

const SCHEMA = {
  from: { type: 'string', default: 'now-7d' },
  to: { type: 'string', default: 'now' },
  status: { type: 'string', default: 'all' },
  sel: { type: 'int', default: null },
};

export function IncidentsView({ project }) {
  useTitle(`Incidents · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const [tick, setTick] = useState(0);
  const range = useMemo(() => resolveRange(state, Date.now()), [state.from, state.to, tick]);
  const list = useAsync(
    (signal) =>
      range.error
        ? Promise.resolve([])
        : api.get(
            projectPath(project, '/incidents'),
            { from: toIso(range.fromMs), to: toIso(range.toMs), limit: 500, status: state.status === 'open' ? 'open' : undefined },
            { signal },
          ),
    [project, range, state.status],
  );
  const [message, setMessage] = useState('');
  const [error, setError] = useState(null);

  const items = (Array.isArray(list.data) ? list.data : (list.data && list.data.incidents) || [])
    .filter((i) => state.status !== 'open' || !i.status || i.status === 'open')
    .slice()
    .sort((a, b) => Date.parse(b.lastAt || b.timestamp) - Date.parse(a.lastAt || a.timestamp));
  const grouped = items.some((i) => i.status !== undefined);
  const selIndex = items.findIndex((i) => i.id === state.sel);
  const move = (d) => {
    if (!items.length) return false;
    const next = items[moveIndex(selIndex, d, items.length)];
    setState({ sel: next.id }, { replace: true });
    const row = document.querySelector(`[data-incident="${next.id}"]`);
    if (row && row.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
    return true;
  };
  useKeyAction('next', () => move(1));
  useKeyAction('prev', () => move(-1));

  const resolve = async (i) => {
    setError(null);
    try {
      await api.post(projectPath(project, `/incidents/${i.id}/resolve`), {});
      setMessage(`Incident ${i.id} resolved.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return html`<div class="page">
    <h1>Incidents</h1>
    <div class="toolbar">
      <${TimeRangePicker} range=${{ from: state.from, to: state.to }} onChange=${(r) => setState({ ...r, sel: null })} presets=${['1h', '24h', '7d', '30d']} />
      <${Select} label="Show" className="inline" value=${state.status} onChange=${(status) => setState({ status })} options=${[['all', 'All incidents'], ['open', 'Open only']]} />
      <button type="button" onClick=${() => setTick(tick + 1)}>Refresh</button>
    </div>
    <${Status}>${message || (list.data ? `${formatCount(items.length)} ${items.length === 1 ? 'incident' : 'incidents'}` : '')}<//>
    <${ErrorNotice} error=${error || list.error} />
    ${list.loading && !list.data && html`<${Loading} />`}
    ${list.data && items.length === 0 && html`<p class="empty">No incidents in this range.</p>`}
    ${items.length > 0 &&
    html`<table class="table">
      <caption class="visually-hidden">Incidents, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th><th scope="col">Server</th><th scope="col">Script</th><th scope="col">Event</th><th scope="col">Message</th>
          ${grouped && html`<th scope="col">Status</th><th scope="col">Count</th><th scope="col">Actions</th>`}
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (i) => html`<tr key=${i.id} data-incident=${i.id} class=${i.id === state.sel ? 'selected' : ''} aria-selected=${i.id === state.sel ? 'true' : undefined} onClick=${() => setState({ sel: i.id }, { replace: true })}>
            <td class="nowrap"><time datetime=${i.lastAt || i.timestamp}>${formatTime(i.lastAt || i.timestamp, { ms: false })}</time></td>
            <td>${i.serverId ? html`<${Link} href=${pathFor('server', { project, serverId: i.serverId })}>${i.serverId}<//>` : '—'}</td>
            <td>${i.scriptName ?? '—'}</td>
            <td>${i.event}</td>
            <td class="msg-cell">${i.message}</td>
            ${grouped &&
            html`<td>${i.status ?? '—'}</td>
              <td>${i.count ?? 1}</td>
              <td>${i.status === 'open' && html`<button type="button" aria-label=${`Resolve incident ${i.id}`} onClick=${() => resolve(i)}>Resolve</button>`}</td>`}
          </tr>`,
        )}
      </tbody>
    </table>`}
  </div>`;
}
