// Alert rules: the list, an editor that checks the condition as you type
// (the server's preview endpoint, debounced) and charts the rule over the
// last 24 h with the points where it would have fired, "Send test" with
// per-channel results, and the event history.
// A rule may narrow its log metrics with a filter (a q= string) and carry
// up to 5 actions (restart / stop / start a script of a server) queued
// when it fires. Silences (a rule, a server or everything, until a time,
// with a reason) are listed, created and deleted below the rules.
// API: GET/POST /projects/:p/alerts/rules, PUT/DELETE .../rules/:id,
// POST .../rules/:id/test, POST .../alerts/rules/preview, GET .../alerts/events,
// GET/POST .../alerts/silences, DELETE .../alerts/silences/:id, GET /projects/:p/servers.

import { html, useState, useEffect, useMemo } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useTitle, useUrlState, useDebounced, useKeyAction, useId } from '../components/hooks.js';
import { Field, Checkbox, ErrorNotice, Loading, Select, Status, ConfirmButton } from '../components/ui.js';
import { Chart, axes, cssVar } from '../components/chart.js';
import { formatTime, formatCount, formatValue } from '../lib/format.js';
import { normalizeHeartbeat } from '../lib/heartbeat.js';
import {
  toForm, toBody, previewBody, emptyAction, detailFor, detailsUnder, describeAction, describeEventAction,
  silenceBody, silenceScope, MAX_ACTIONS, ACTION_TYPES, SILENCE_DURATIONS,
} from '../lib/rules.js';

const SCHEMA = { edit: { type: 'string', default: '' } };

/** The threshold of `<metric> <op> <number>`, or null. */
function threshold(condition) {
  const m = /(>=|<=|==|!=|>|<)\s*([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)\s*$/i.exec(condition || '');
  return m ? Number(m[2]) : null;
}

function Preview({ project, form, onProblem }) {
  const key = JSON.stringify(previewBody(form));
  const debounced = useDebounced(key, 500);
  const [st, setSt] = useState({ loading: false, data: null, error: null });
  useEffect(() => {
    const body = JSON.parse(debounced);
    if (!body.condition.trim()) {
      setSt({ loading: false, data: null, error: null });
      return undefined;
    }
    const ctrl = new AbortController();
    setSt((s) => ({ ...s, loading: true }));
    api
      .post(projectPath(project, '/alerts/rules/preview'), body, { signal: ctrl.signal })
      .then(
        (data) => setSt({ loading: false, data, error: null }),
        (error) => error.name !== 'AbortError' && setSt({ loading: false, data: null, error }),
      );
    return () => ctrl.abort();
  }, [debounced, project]);

  const points = (st.data && st.data.points) || [];
  const limit = threshold(form.condition);
  const data = useMemo(() => {
    const t = points.map((p) => (typeof p.t === 'number' ? p.t / 1000 : Date.parse(p.t) / 1000));
    return [t, points.map((p) => p.value), points.map((p) => (p.holds ? p.value : null)), points.map(() => limit)];
  }, [st.data, limit]);

  // The condition's and the filter's problems are shown on their fields (tied to them).
  const invalid = st.error && st.error.status === 400;
  const conditionProblem = invalid ? detailFor(st.error, 'condition') : null;
  const filterProblem = invalid ? detailFor(st.error, 'filter') : null;
  const otherProblem = st.error && !conditionProblem && !filterProblem ? st.error : null;
  const stale = debounced !== key;
  useEffect(() => onProblem({ condition: conditionProblem, filter: filterProblem }), [conditionProblem, filterProblem]);

  return html`<section class="preview" aria-labelledby="preview-title">
    <h3 id="preview-title">Preview, last 24 hours</h3>
    <${ErrorNotice} error=${otherProblem} prefix="Preview unavailable" />
    <${Status}>
      ${st.loading || stale
        ? 'Checking the condition…'
        : st.data
          ? `The condition is valid. It would have fired ${formatCount(st.data.wouldFire)} ${st.data.wouldFire === 1 ? 'time' : 'times'} in the last 24 hours.`
          : ''}
    <//>
    ${points.length > 0 &&
    html`<${Chart}
      makeOptions=${() => ({
        scales: { x: { time: true } },
        axes: axes(),
        series: [
          {},
          { label: 'Value', stroke: cssVar('--chart-1'), width: 1.5 },
          { label: 'Would fire', stroke: cssVar('--lvl-error'), width: 0, paths: () => null, points: { show: true, size: 6, fill: cssVar('--lvl-error') } },
          { label: 'Threshold', stroke: cssVar('--muted'), width: 1, dash: [4, 4], points: { show: false } },
        ],
      })}
      data=${data}
      height=${160}
      label=${`Rule value over the last 24 hours; it would have fired ${st.data.wouldFire} times`}
      legend=${[['Value', 'chart-bg-1'], ['Would fire', 'lvl-bg-error'], ['Threshold', 'muted-bg']]}
      readout=${(u, i) => `${formatTime(data[0][i] * 1000, { ms: false })}: ${formatValue(data[1][i])}${data[2][i] !== null ? ' (fires)' : ''}`}
    />`}
  </section>`;
}

/** The scripts a server's latest heartbeat reported (for the script field's suggestions). */
function scriptsOf(servers, serverId) {
  const s = (servers || []).find((x) => x.serverId === serverId);
  const hb = s && normalizeHeartbeat(s.latest);
  return hb ? hb.scripts.map((x) => x.name) : [];
}

function ActionRow({ index, action, servers, error, onChange, onRemove }) {
  const listId = useId('scripts');
  const n = index + 1;
  const known = (servers || []).map((s) => s.serverId);
  const serverOptions = [['', 'Choose a server'], ...known.map((id) => [id, id])];
  if (action.serverId && !known.includes(action.serverId)) serverOptions.push([action.serverId, `${action.serverId} (not in this project)`]);
  const field = (k) => detailFor(error, `actions[${index}].${k}`);
  const problems = detailsUnder(error, `actions[${index}]`, (f) => /\]\.(type|serverId|scriptName)$/.test(f));
  return html`<fieldset class="action-row">
    <legend>Action ${n}</legend>
    <div class="row">
      <${Select} label="Command" value=${action.type} onChange=${(type) => onChange({ ...action, type })} options=${ACTION_TYPES} />
      <div class="field">
        <${Select} label="Server" value=${action.serverId} onChange=${(serverId) => onChange({ ...action, serverId })} options=${serverOptions} />
        ${field('serverId') && html`<p class="field-error">${field('serverId')}</p>`}
      </div>
      <${Field} label="Script" value=${action.scriptName} onInput=${(scriptName) => onChange({ ...action, scriptName })} list=${listId} autocomplete="off" error=${field('scriptName') || field('type')} />
      <datalist id=${listId}>${scriptsOf(servers, action.serverId).map((name) => html`<option value=${name}></option>`)}</datalist>
      <button type="button" class="danger-quiet remove-action" aria-label=${`Remove action ${n}`} onClick=${onRemove}>Remove</button>
    </div>
    ${problems.map((d) => html`<p class="field-error">${d.message}</p>`)}
  </fieldset>`;
}

function RuleEditor({ project, rule, servers, onSaved, onDeleted, onClose }) {
  const [form, setForm] = useState(() => toForm(rule));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState(null);
  const [testError, setTestError] = useState(null);
  const [problems, setProblems] = useState({ condition: null, filter: null });
  const channelsId = useId('channels');
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const setAction = (i, a) => setForm((f) => ({ ...f, actions: f.actions.map((x, k) => (k === i ? a : x)) }));
  const addAction = () =>
    setForm((f) => ({ ...f, actions: [...f.actions, emptyAction(f.serverId.trim() || ((servers || []).length === 1 ? servers[0].serverId : ''))] }));
  const removeAction = (i) => setForm((f) => ({ ...f, actions: f.actions.filter((_, k) => k !== i) }));
  useKeyAction('close', () => {
    onClose();
    return true;
  });

  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = toBody(form);
      const saved = rule
        ? await api.put(projectPath(project, `/alerts/rules/${rule.id}`), body)
        : await api.post(projectPath(project, '/alerts/rules'), body);
      // A server from before actions ignores them: say so rather than pretend.
      const dropped = body.actions.length > 0 && !Array.isArray(saved.actions);
      onSaved(saved, !rule, dropped);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const sendTest = async () => {
    setTest(null);
    setTestError(null);
    try {
      const res = await api.post(projectPath(project, `/alerts/rules/${rule.id}/test`));
      setTest(res.results || []);
    } catch (err) {
      setTestError(err);
    }
  };

  const remove = async () => {
    try {
      await api.del(projectPath(project, `/alerts/rules/${rule.id}`));
      onDeleted(rule);
    } catch (err) {
      setError(err);
    }
  };

  const detail = (field) => detailFor(error, field);
  const channelErrors = detailsUnder(error, 'channels');
  const listErrors = detailsUnder(error, 'actions', (f) => f !== 'actions');

  return html`<section class="panel editor" role="region" aria-labelledby="editor-title">
    <div class="panel-head">
      <h2 id="editor-title">${rule ? `Edit rule ${rule.name}` : 'New alert rule'}</h2>
      <button type="button" onClick=${onClose}>Close editor</button>
    </div>
    <form onSubmit=${save}>
      <${Field} label="Rule name" value=${form.name} onInput=${set('name')} required=${true} maxlength="100" error=${detail('name')} />
      <${Field}
        label="Condition"
        hint="<metric> <op> <number>, e.g. error_count >= 3. Metrics: error_count, error_rate, error_percent, log_count, warn_count, fatal_count, crash_count, cpu_percent, ram_percent, disk_percent, offline_servers."
        value=${form.condition}
        onInput=${set('condition')}
        error=${problems.condition || detail('condition')}
        liveError=${true}
        required=${true}
        autocomplete="off"
        spellcheck="false"
        className="mono"
      />
      <div class="row">
        <${Field} label="Window (minutes)" type="number" min="1" max="1440" value=${form.windowMinutes} onInput=${set('windowMinutes')} error=${detail('windowMinutes')} />
        <${Field} label="Repeat every (minutes)" type="number" min="1" max="10080" value=${form.repeatMinutes} onInput=${set('repeatMinutes')} error=${detail('repeatMinutes')} />
      </div>
      <div class="field">
        <label for=${channelsId}>Channels</label>
        <textarea id=${channelsId} rows="3" value=${form.channels} onInput=${(e) => set('channels')(e.currentTarget.value)} aria-describedby=${`${channelsId}-hint`} spellcheck="false"></textarea>
        <p class="hint" id=${`${channelsId}-hint`}>One per line: email, email:ops@example.com, webhook:https://…, slack:https://…, discord:https://…</p>
        ${channelErrors.map((d) => html`<p class="field-error">${d.field}: ${d.message}</p>`)}
      </div>
      <div class="row">
        <${Field} label="Source" hint="Optional: only logs of this source count." value=${form.source} onInput=${set('source')} error=${detail('source')} />
        <${Field} label="Server ID" hint="Optional: only this server counts." value=${form.serverId} onInput=${set('serverId')} error=${detail('serverId')} />
      </div>
      <${Field}
        label="Log filter"
        hint='Optional q= query narrowing the log metrics, e.g. source:billing "invoice sent" (with log_count < 1: an absence alert).'
        value=${form.filter}
        onInput=${set('filter')}
        error=${problems.filter || detail('filter')}
        liveError=${true}
        autocomplete="off"
        spellcheck="false"
        className="mono"
      />
      <fieldset class="actions-list">
        <legend>Actions when it fires</legend>
        <p class="hint">Up to ${MAX_ACTIONS} commands queued once when the rule fires (not on repeats, not while silenced).</p>
        ${form.actions.length === 0 && html`<p class="muted small">No actions: the rule only notifies.</p>`}
        ${form.actions.map(
          (a, i) => html`<${ActionRow} key=${i} index=${i} action=${a} servers=${servers} error=${error} onChange=${(x) => setAction(i, x)} onRemove=${() => removeAction(i)} />`,
        )}
        ${listErrors.map((d) => html`<p class="field-error">${d.message}</p>`)}
        <button type="button" onClick=${addAction} disabled=${form.actions.length >= MAX_ACTIONS}>Add action</button>
      </fieldset>
      <${Checkbox} label="Enabled" checked=${form.enabled} onChange=${set('enabled')} />
      <${Preview} project=${project} form=${form} onProblem=${setProblems} />
      <${ErrorNotice} error=${error} prefix="The rule was not saved" />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>Save rule</button>
        ${rule && html`<button type="button" onClick=${sendTest}>Send test</button>`}
        ${rule && html`<${ConfirmButton} label="Delete rule" confirmLabel=${`Delete ${rule.name}`} onConfirm=${remove} />`}
      </div>
    </form>
    <${ErrorNotice} error=${testError} prefix="Test failed" />
    <div role="status" class="test-results">
      ${test &&
      html`<h3>Test results</h3>
        <ul>
          ${test.map((r) => html`<li class=${r.ok ? 'ok' : 'failed'}>${r.channel}: ${r.ok ? 'sent' : `failed — ${r.error || 'no reason given'}`}</li>`)}
          ${test.length === 0 && html`<li>No channel configured.</li>`}
        </ul>`}
    </div>
  </section>`;
}

function Silences({ project, rules, servers }) {
  const list = useAsync((signal) => api.get(projectPath(project, '/alerts/silences'), undefined, { signal }), [project]);
  const [form, setForm] = useState({ ruleId: '', serverId: '', duration: '1h', reason: '' });
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const unsupported = list.error && list.error.status === 404;
  const items = Array.isArray(list.data) ? list.data : [];

  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const s = await api.post(projectPath(project, '/alerts/silences'), silenceBody(form, Date.now()));
      setMessage(`Silence ${s.id} created: ${silenceScope(s, rules)} until ${formatTime(s.until, { ms: false })}.`);
      setForm((f) => ({ ...f, reason: '' }));
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (s) => {
    setError(null);
    try {
      await api.del(projectPath(project, `/alerts/silences/${s.id}`));
      setMessage(`Silence ${s.id} deleted.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const ruleOptions = [['', 'Every rule'], ...(rules || []).map((r) => [String(r.id), r.name])];
  const serverOptions = [['', 'Any server'], ...(servers || []).map((s) => [s.serverId, s.serverId])];
  return html`<section aria-labelledby="silences-title">
    <div class="section-head">
      <h2 id="silences-title">Silences</h2>
    </div>
    <p class="hint">While a silence matches, a firing or resolving rule is recorded as silenced: no channel is notified and no action runs.</p>
    <${Status}>${message}<//>
    <${ErrorNotice} error=${error} prefix="Not done" />
    <${ErrorNotice} error=${unsupported ? null : list.error} />
    ${unsupported && html`<p class="notice">This server does not support silences yet.</p>`}
    ${list.data && items.length === 0 && html`<p class="empty">No active silences.</p>`}
    ${items.length > 0 &&
    html`<table class="table compact">
      <caption class="visually-hidden">Active silences</caption>
      <thead><tr><th scope="col">Matches</th><th scope="col">Until</th><th scope="col">Reason</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
      <tbody>
        ${items.map(
          (s) => html`<tr key=${s.id}>
            <td>${silenceScope(s, rules)}</td>
            <td class="nowrap"><time datetime=${s.until}>${formatTime(s.until, { ms: false })}</time></td>
            <td class="msg-cell">${s.reason}</td>
            <td class="nowrap">${formatTime(s.createdAt, { ms: false })}</td>
            <td><${ConfirmButton} label="Delete" ariaLabel=${`Delete silence ${s.id}`} confirmLabel=${`Delete silence ${s.id}`} onConfirm=${() => remove(s)} /></td>
          </tr>`,
        )}
      </tbody>
    </table>`}
    ${!unsupported &&
    html`<form class="silence-form" onSubmit=${create} aria-label="New silence">
      <div class="row">
        <${Select} label="Silence rule" value=${form.ruleId} onChange=${set('ruleId')} options=${ruleOptions} />
        <${Select} label="Only server" value=${form.serverId} onChange=${set('serverId')} options=${serverOptions} />
        <${Select} label="For" value=${form.duration} onChange=${set('duration')} options=${SILENCE_DURATIONS} />
      </div>
      <${Field} label="Reason" value=${form.reason} onInput=${set('reason')} required=${true} maxlength="500" autocomplete="off" error=${detailFor(error, 'reason')} />
      <button type="submit">Create silence</button>
    </form>`}
  </section>`;
}

export function AlertsView({ project }) {
  useTitle(`Alerts · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const rules = useAsync((signal) => api.get(projectPath(project, '/alerts/rules'), undefined, { signal }), [project]);
  const events = useAsync((signal) => api.get(projectPath(project, '/alerts/events'), { limit: 100 }, { signal }), [project]);
  const [message, setMessage] = useState('');
  const list = rules.data || [];
  const editing = state.edit === 'new' ? null : list.find((r) => String(r.id) === state.edit);
  const showEditor = state.edit === 'new' || !!editing;
  const eventList = Array.isArray(events.data) ? events.data : [];
  const servers = useAsync((signal) => api.get(projectPath(project, '/servers'), undefined, { signal }), [project]);
  const serverList = Array.isArray(servers.data) ? servers.data : [];
  const withActions = eventList.some((ev) => Array.isArray(ev.actions) && ev.actions.length > 0);

  return html`<div class="page">
    <h1>Alerts</h1>
    <${Status}>${message}<//>
    <section aria-labelledby="rules-title">
      <div class="section-head">
        <h2 id="rules-title">Rules</h2>
        <button type="button" class="primary" onClick=${() => setState({ edit: 'new' })}>New rule</button>
      </div>
      ${rules.loading && !rules.data && html`<${Loading} />`}
      <${ErrorNotice} error=${rules.error} />
      ${rules.data && list.length === 0 && html`<p class="empty">No alert rules yet.</p>`}
      ${list.length > 0 &&
      html`<table class="table">
        <thead><tr><th scope="col">Name</th><th scope="col">Condition</th><th scope="col">Window</th><th scope="col">Channels</th><th scope="col">On firing</th><th scope="col">Enabled</th><th scope="col">Edit</th></tr></thead>
        <tbody>
          ${list.map(
            (r) => html`<tr key=${r.id} class=${editing && editing.id === r.id ? 'selected' : ''}>
              <th scope="row">${r.name}</th>
              <td><code>${r.condition}</code>${r.source ? html` <span class="muted small">source ${r.source}</span>` : ''}${r.serverId ? html` <span class="muted small">server ${r.serverId}</span>` : ''}${
                r.filter ? html`<div class="small">filter <code>${r.filter}</code></div>` : ''
              }</td>
              <td>${r.windowMinutes} min</td>
              <td>${(r.channels || []).join(', ')}</td>
              <td>${(r.actions || []).length === 0 ? 'Notify' : html`<ul class="plain">${r.actions.map((a) => html`<li>${describeAction(a)}</li>`)}</ul>`}</td>
              <td>${r.enabled ? 'Yes' : 'No'}</td>
              <td><button type="button" aria-label=${`Edit ${r.name}`} onClick=${() => setState({ edit: String(r.id) })}>Edit</button></td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>
    ${showEditor &&
    html`<${RuleEditor}
      key=${state.edit}
      project=${project}
      rule=${editing}
      servers=${serverList}
      onClose=${() => setState({ edit: '' })}
      onSaved=${(saved, created, dropped) => {
        setMessage(
          `${created ? `Rule ${saved.name} created.` : `Rule ${saved.name} saved.`}${dropped ? ' This server does not store actions yet: they were not saved.' : ''}`,
        );
        rules.reload();
        setState({ edit: String(saved.id) }, { replace: true });
      }}
      onDeleted=${(r) => {
        setMessage(`Rule ${r.name} deleted.`);
        rules.reload();
        setState({ edit: '' });
      }}
    />`}
    <${Silences} project=${project} rules=${list} servers=${serverList} />
    <section aria-labelledby="events-title">
      <div class="section-head">
        <h2 id="events-title">Event history</h2>
        <button type="button" onClick=${events.reload}>Refresh events</button>
      </div>
      <${ErrorNotice} error=${events.error} />
      ${events.data && eventList.length === 0 && html`<p class="empty">No alert has fired yet.</p>`}
      ${eventList.length > 0 &&
      html`<table class="table compact">
        <thead><tr><th scope="col">Time</th><th scope="col">Rule</th><th scope="col">Event</th><th scope="col">Value</th><th scope="col">Deliveries</th>${withActions && html`<th scope="col">Actions run</th>`}</tr></thead>
        <tbody>
          ${eventList.map(
            (ev) => html`<tr key=${ev.id}>
              <td class="nowrap">${formatTime(ev.at, { ms: false })}</td>
              <td>${ev.ruleName} <code class="small">${ev.condition}</code></td>
              <td><span class=${`event-kind ev-${ev.kind}`}>${ev.kind}</span>${ev.silenced ? ' (silenced)' : ''}</td>
              <td>${formatValue(ev.value)}</td>
              <td>
                ${ev.silenced && (ev.deliveries || []).length === 0
                  ? html`<span class="muted">Silenced: nobody notified</span>`
                  : html`<ul class="plain">
                      ${(ev.deliveries || []).map((d) => html`<li class=${d.ok ? 'ok' : 'failed'}>${d.channel}: ${d.ok ? 'delivered' : `failed — ${d.error || ''}`}</li>`)}
                    </ul>`}
              </td>
              ${withActions &&
              html`<td>
                <ul class="plain">
                  ${(ev.actions || []).map((a) => html`<li class=${a.status === 'failed' ? 'failed' : a.status === 'ok' ? 'ok' : ''}>${describeEventAction(a)}</li>`)}
                </ul>
              </td>`}
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>
  </div>`;
}
