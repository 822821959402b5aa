// Servers: online state, last seen, CPU / RAM / disk sparklines (one call
// for every server) and their scripts. Refreshed every 30 s.
// API: GET /projects/:p/servers, GET /projects/:p/servers/metrics?from&to&step.

import { html, useMemo, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useInterval, useTitle, useUrlState, useNow } from '../components/hooks.js';
import { ErrorNotice, Loading, Link, Select } from '../components/ui.js';
import { Sparkline } from '../components/chart.js';
import { normalizeHeartbeat } from '../lib/heartbeat.js';
import { metricPoints } from '../lib/series.js';
import { formatAgo, formatPercent, formatTime } from '../lib/format.js';
import { parseDuration, toIso } from '../lib/timerange.js';
import { pathFor } from '../lib/routes.js';

const SCHEMA = { range: { type: 'string', default: '1h' } };
const STEPS = { '1h': '1m', '6h': '5m', '24h': '15m' };
const WORDS = { '1h': 'last hour', '6h': 'last 6 hours', '24h': 'last 24 hours' };

export function ServersView({ project }) {
  useTitle(`Servers · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const range = STEPS[state.range] ? state.range : '1h';
  const now = useNow(30_000);
  const [tick, setTick] = useState(0);
  useInterval(() => setTick((t) => t + 1), 30_000);

  const servers = useAsync((signal) => api.get(projectPath(project, '/servers'), undefined, { signal }), [project, tick]);
  const span = useMemo(() => {
    const toMs = Date.now();
    return { fromMs: toMs - parseDuration(range), toMs };
  }, [range, tick]);
  const metrics = useAsync(
    (signal) =>
      api.get(projectPath(project, '/servers/metrics'), { from: toIso(span.fromMs), to: toIso(span.toMs), step: STEPS[range] }, { signal }),
    [project, span],
  );

  const list = servers.data || [];
  const byServer = (metrics.data && metrics.data.servers) || {};
  const stepMs = metrics.data && metrics.data.stepSeconds > 0 ? metrics.data.stepSeconds * 1000 : 0;
  const words = WORDS[range];

  return html`<div class="page">
    <h1>Servers</h1>
    <div class="toolbar">
      <${Select}
        label="Sparkline range"
        className="inline"
        value=${range}
        onChange=${(r) => setState({ range: r }, { replace: true })}
        options=${[['1h', 'Last hour'], ['6h', 'Last 6 hours'], ['24h', 'Last 24 hours']]}
      />
      <button type="button" onClick=${() => setTick(tick + 1)}>Refresh</button>
    </div>
    ${servers.loading && !servers.data && html`<${Loading} />`}
    <${ErrorNotice} error=${servers.error} />
    <${ErrorNotice} error=${metrics.error} prefix="Sparklines unavailable" />
    ${servers.data && list.length === 0 &&
    html`<p class="empty">No server has joined this project yet. Run <code>orion agent setup</code> on a machine (see <${Link} href=${pathFor('settings', { project })}>Settings<//>).</p>`}
    ${list.length > 0 &&
    html`<table class="table servers">
      <caption class="visually-hidden">Servers of ${project}</caption>
      <thead>
        <tr>
          <th scope="col">Server</th><th scope="col">State</th><th scope="col">Last seen</th>
          <th scope="col">CPU</th><th scope="col">RAM</th><th scope="col">Disk</th><th scope="col">Scripts</th>
        </tr>
      </thead>
      <tbody>
        ${list.map((s) => {
          const hb = normalizeHeartbeat(s.latest) || { scripts: [] };
          const pts = byServer[s.serverId] || [];
          const name = s.displayName || s.serverId;
          const cell = (key, label, current) => html`<td class="spark-cell">
            <${Sparkline} points=${metricPoints(pts, key, { stepMs })} fromMs=${span.fromMs} toMs=${span.toMs} label=${`${label} of ${name}, ${words}`} />
            <span class="spark-value">${formatPercent(current)}</span>
          </td>`;
          return html`<tr key=${s.serverId}>
            <th scope="row">
              <${Link} href=${pathFor('server', { project, serverId: s.serverId })}>${name}<//>
              <div class="muted small">${s.hostname}${s.platform ? ` · ${s.platform}/${s.arch}` : ''}</div>
            </th>
            <td><span class=${s.online ? 'state online' : 'state offline'}>${s.online ? 'Online' : 'Offline'}</span></td>
            <td>${s.lastSeenAt ? html`<time datetime=${s.lastSeenAt} title=${formatTime(s.lastSeenAt)}>${formatAgo(s.lastSeenAt, now)}</time>` : 'never'}</td>
            ${cell('cpu', 'CPU', hb.cpu)}
            ${cell('ram', 'RAM', hb.ram)}
            ${cell('disk', 'Disk', hb.disk)}
            <td class="scripts-cell">
              ${hb.scripts.length === 0
                ? '—'
                : html`<ul class="script-list" aria-label=${`Scripts of ${name}`}>
                    ${hb.scripts.map((sc) => html`<li><span class=${`script-state st-${sc.status}`}>${sc.status}</span> ${sc.name}</li>`)}
                  </ul>`}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`}
  </div>`;
}
