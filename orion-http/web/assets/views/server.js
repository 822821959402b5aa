// One server: metrics charts over a chosen range, its scripts with
// Restart / Stop / Start (and the agent's acknowledgement), its command
// history and its incidents.
// API: GET /projects/:p/servers, /servers/:id/heartbeats?from&to&limit,
// POST + GET /servers/:id/commands, GET /projects/:p/incidents.

import { html, useState, useMemo } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useInterval, useTitle, useUrlState, useNow } from '../components/hooks.js';
import { ErrorNotice, Loading, Link, Status } from '../components/ui.js';
import { TimeRangePicker } from '../components/timerange.js';
import { Chart, axes, cssVar } from '../components/chart.js';
import { normalizeHeartbeat, heartbeatSeries } from '../lib/heartbeat.js';
import { resolveRange, toIso } from '../lib/timerange.js';
import { formatAgo, formatBytes, formatPercent, formatRate, formatTime, formatUptime } from '../lib/format.js';
import { pathFor } from '../lib/routes.js';
import { describeStatus } from '../lib/incident.js';

const SCHEMA = { from: { type: 'string', default: 'now-1h' }, to: { type: 'string', default: 'now' } };
const MAX_PAGES = 5;
const ACTIONS = [
  ['restart', 'Restart'],
  ['stop', 'Stop'],
  ['start', 'Start'],
];

async function loadHeartbeats(base, fromMs, toMs, signal) {
  const all = [];
  let to = toIso(toMs);
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const batch = await api.get(`${base}/heartbeats`, { from: toIso(fromMs), to, limit: 1000 }, { signal });
    const list = Array.isArray(batch) ? batch : (batch && batch.heartbeats) || [];
    all.push(...list);
    if (list.length < 1000) return { list: all, truncated: false };
    const oldest = list[list.length - 1];
    to = oldest.timestamp || oldest.receivedAt;
  }
  return { list: all, truncated: true };
}

/** The x scale: the chosen range, whatever the data (one heartbeat must not stretch it to years). */
const xRange = (fromMs, toMs) => ({ time: true, range: () => [fromMs / 1000, toMs / 1000] });

function percentChart(fromMs, toMs) {
  return () => ({
    scales: { x: xRange(fromMs, toMs), y: { range: [0, 100] } },
    axes: axes({ values: (u, v) => v.map((x) => `${x}%`) }),
    series: [
      {},
      { label: 'CPU %', stroke: cssVar('--chart-1'), width: 1.5, value: (u, v) => formatPercent(v) },
      { label: 'RAM %', stroke: cssVar('--chart-2'), width: 1.5, value: (u, v) => formatPercent(v) },
      { label: 'Disk %', stroke: cssVar('--chart-3'), width: 1.5, value: (u, v) => formatPercent(v) },
    ],
  });
}

function networkChart(fromMs, toMs) {
  return () => ({
    scales: { x: xRange(fromMs, toMs), y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: axes({ values: (u, v) => v.map((x) => formatBytes(x)), size: 70 }),
    series: [
      {},
      { label: 'Received', stroke: cssVar('--chart-1'), width: 1.5, value: (u, v) => formatRate(v) },
      { label: 'Sent', stroke: cssVar('--chart-4'), width: 1.5, value: (u, v) => formatRate(v) },
    ],
  });
}

export function ServerView({ project, serverId }) {
  useTitle(`${serverId} · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const now = useNow(15_000);
  const base = projectPath(project, `/servers/${encodeURIComponent(serverId)}`);
  const [tick, setTick] = useState(0);
  const range = useMemo(() => resolveRange(state, Date.now()), [state.from, state.to, tick]);

  const servers = useAsync((signal) => api.get(projectPath(project, '/servers'), undefined, { signal }), [project, tick]);
  const beats = useAsync(
    (signal) => (range.error ? Promise.resolve({ list: [], truncated: false }) : loadHeartbeats(base, range.fromMs, range.toMs, signal)),
    [base, range],
  );
  const commands = useAsync((signal) => api.get(`${base}/commands`, { limit: 50 }, { signal }), [base]);
  const incidents = useAsync(
    (signal) => (range.error ? Promise.resolve([]) : api.get(projectPath(project, '/incidents'), { from: toIso(range.fromMs), to: toIso(range.toMs), limit: 200 }, { signal })),
    [project, range],
  );

  const server = (servers.data || []).find((s) => s.serverId === serverId);
  const latest = normalizeHeartbeat(server && server.latest);
  const series = useMemo(() => heartbeatSeries(beats.data ? beats.data.list : []), [beats.data]);
  const cpuData = useMemo(() => [series.t, series.cpu, series.ram, series.disk], [series]);
  const netData = useMemo(() => [series.t, series.rx, series.tx], [series]);

  // ---- commands and their acknowledgements ----
  const [sent, setSent] = useState([]); // [{id, type, scriptName, at}]
  const [cmdError, setCmdError] = useState(null);
  const cmdList = Array.isArray(commands.data) ? commands.data : (commands.data && commands.data.commands) || [];
  const statusOf = (id) => cmdList.find((c) => c.id === id);
  const waiting = sent.some((c) => {
    const s = statusOf(c.id);
    return (!s || s.status === 'pending') && Date.now() - c.at < 120_000;
  });
  useInterval(() => commands.reload(), waiting ? 2000 : 0);

  const send = async (type, scriptName) => {
    setCmdError(null);
    try {
      const cmd = await api.post(`${base}/commands`, { type, scriptName });
      setSent((list) => [{ id: cmd.id, type, scriptName, at: Date.now() }, ...list.filter((c) => c.scriptName !== scriptName)]);
      commands.reload();
    } catch (err) {
      setCmdError(err);
    }
  };

  const sentMessage = (c) => {
    const s = statusOf(c.id);
    const verb = ACTIONS.find(([t]) => t === c.type)[1];
    if (!s || s.status === 'pending') {
      return Date.now() - c.at > 120_000
        ? `${verb} ${c.scriptName}: no answer from the agent yet (command ${c.id}).`
        : `${verb} ${c.scriptName}: sent, waiting for the agent (command ${c.id})…`;
    }
    return `${verb} ${c.scriptName}: ${s.status === 'ok' ? 'done' : 'failed'}${s.output ? ` — ${s.output}` : ''}.`;
  };

  const incidentList = (Array.isArray(incidents.data) ? incidents.data : (incidents.data && incidents.data.incidents) || []).filter(
    (i) => i.serverId === serverId,
  );
  const scripts = latest ? latest.scripts : [];

  return html`<div class="page">
    <p class="breadcrumb"><${Link} href=${pathFor('servers', { project })}>Servers<//> / ${serverId}</p>
    <h1>${server ? server.displayName || serverId : serverId}</h1>
    ${servers.loading && !servers.data && html`<${Loading} />`}
    <${ErrorNotice} error=${servers.error} />
    ${servers.data && !server && html`<p role="alert" class="notice notice-error">No server ${serverId} in this project.</p>`}
    ${server &&
    html`<dl class="facts wide">
      <dt>State</dt><dd><span class=${server.online ? 'state online' : 'state offline'}>${server.online ? 'Online' : 'Offline'}</span></dd>
      <dt>Last seen</dt><dd>${server.lastSeenAt ? html`<time datetime=${server.lastSeenAt}>${formatAgo(server.lastSeenAt, now)}</time>` : 'never'}</dd>
      <dt>Host</dt><dd>${server.hostname} (${server.platform}/${server.arch})</dd>
      <dt>Uptime</dt><dd>${latest ? formatUptime(latest.uptime) : '—'}</dd>
      <dt>CPU</dt><dd>${formatPercent(latest && latest.cpu)}</dd>
      <dt>RAM</dt><dd>${formatPercent(latest && latest.ram)}${latest && latest.ramTotalBytes ? ` of ${formatBytes(latest.ramTotalBytes)}` : ''}</dd>
      <dt>Disk</dt><dd>${formatPercent(latest && latest.disk)}${latest && latest.diskTotalBytes ? ` of ${formatBytes(latest.diskTotalBytes)}` : ''}</dd>
      <dt>Load</dt><dd>${latest && latest.loadAverage ? latest.loadAverage.map((x) => x.toFixed(2)).join(' ') : '—'}</dd>
    </dl>`}

    <section aria-labelledby="scripts-title">
      <h2 id="scripts-title">Scripts</h2>
      <${ErrorNotice} error=${cmdError} prefix="Command refused" />
      <${Status}>${sent.map((c) => html`<p key=${c.id}>${sentMessage(c)}</p>`)}<//>
      ${scripts.length === 0
        ? html`<p class="empty">No scripts reported by the agent.</p>`
        : html`<table class="table">
            <thead><tr><th scope="col">Script</th><th scope="col">Status</th><th scope="col">PID</th><th scope="col">Restarts</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              ${scripts.map(
                (s) => html`<tr key=${s.name}>
                  <th scope="row">${s.name}</th>
                  <td><span class=${`script-state st-${s.status}`}>${s.status}</span></td>
                  <td>${s.pid ?? '—'}</td>
                  <td>${s.restarts ?? '—'}</td>
                  <td class="actions-cell">
                    ${ACTIONS.map(
                      ([type, verb]) => html`<button type="button" class=${type === 'stop' ? 'danger-quiet' : ''} aria-label=${`${verb} ${s.name}`} onClick=${() => send(type, s.name)}>${verb}</button>`,
                    )}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </section>

    <section aria-labelledby="metrics-title">
      <h2 id="metrics-title">Metrics</h2>
      <div class="toolbar">
        <${TimeRangePicker} range=${{ from: state.from, to: state.to }} onChange=${(r) => setState(r)} />
        <button type="button" onClick=${() => setTick(tick + 1)}>Refresh</button>
      </div>
      <${ErrorNotice} error=${beats.error} />
      ${beats.loading && !beats.data && html`<${Loading} what="Loading heartbeats…" />`}
      ${beats.data && series.t.length === 0 && html`<p class="empty">No heartbeats in this range.</p>`}
      ${beats.data && beats.data.truncated && html`<p class="muted">Showing the newest ${series.t.length} heartbeats of this range.</p>`}
      ${series.t.length > 0 &&
      html`<${Chart}
          makeOptions=${percentChart(range.fromMs, range.toMs)}
          deps=${[range.fromMs, range.toMs]}
          data=${cpuData}
          height=${200}
          label=${`CPU, RAM and disk percent of ${serverId} over the chosen range`}
          legend=${[['CPU %', 'chart-bg-1'], ['RAM %', 'chart-bg-2'], ['Disk %', 'chart-bg-3']]}
          readout=${(u, i) => `${formatTime(cpuData[0][i] * 1000, { ms: false })}: CPU ${formatPercent(cpuData[1][i])}, RAM ${formatPercent(cpuData[2][i])}, disk ${formatPercent(cpuData[3][i])}`}
        />
        <${Chart}
          makeOptions=${networkChart(range.fromMs, range.toMs)}
          deps=${[range.fromMs, range.toMs]}
          data=${netData}
          height=${160}
          label=${`Network traffic of ${serverId} over the chosen range`}
          legend=${[['Received', 'chart-bg-1'], ['Sent', 'chart-bg-4']]}
          readout=${(u, i) => `${formatTime(netData[0][i] * 1000, { ms: false })}: received ${formatRate(netData[1][i])}, sent ${formatRate(netData[2][i])}`}
        />`}
    </section>

    <section aria-labelledby="commands-title">
      <h2 id="commands-title">Command history</h2>
      <${ErrorNotice} error=${commands.error} />
      ${commands.data && cmdList.length === 0 && html`<p class="empty">No commands sent yet.</p>`}
      ${cmdList.length > 0 &&
      html`<table class="table compact">
        <thead><tr><th scope="col">Sent</th><th scope="col">Command</th><th scope="col">Script</th><th scope="col">Status</th><th scope="col">Output</th><th scope="col">Acknowledged</th></tr></thead>
        <tbody>
          ${cmdList.map(
            (c) => html`<tr key=${c.id}>
              <td class="nowrap">${formatTime(c.createdAt, { ms: false })}</td>
              <td>${c.type}</td>
              <td>${c.scriptName ?? '—'}</td>
              <td><span class=${`cmd-state cmd-${c.status}`}>${c.status}</span></td>
              <td class="msg-cell">${c.output ?? ''}</td>
              <td class="nowrap">${c.ackedAt ? formatTime(c.ackedAt, { ms: false }) : '—'}</td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>

    <section aria-labelledby="incidents-title">
      <h2 id="incidents-title">Incidents</h2>
      <${ErrorNotice} error=${incidents.error} />
      ${incidents.data && incidentList.length === 0 && html`<p class="empty">No incidents for this server in this range.</p>`}
      ${incidentList.length > 0 &&
      html`<table class="table compact">
        <thead><tr><th scope="col">Last report</th><th scope="col">Script</th><th scope="col">Event</th><th scope="col">Message</th><th scope="col">State</th><th scope="col">Count</th><th scope="col">Details</th></tr></thead>
        <tbody>
          ${incidentList.map(
            (i) => html`<tr key=${i.id}>
              <td class="nowrap">${formatTime(i.lastAt || i.timestamp, { ms: false })}</td>
              <td>${i.scriptName ?? '—'}</td>
              <td>${i.event}</td>
              <td class="msg-cell">${i.message}</td>
              <td>${describeStatus(i)}</td>
              <td>${i.count ?? 1}</td>
              <td><${Link} href=${`${pathFor('incidents', { project })}?sel=${i.id}`} aria-label=${`Incident ${i.id} in detail`}>Context<//></td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>
  </div>`;
}
