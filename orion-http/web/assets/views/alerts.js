// Alert rules: the list, an editor that checks the condition as you type
// (the server's preview endpoint, debounced) and charts the rule over the
// last 24 h with the points where it would have fired, "Send test" with
// per-channel results, and the event history.
// API: GET/POST /projects/:p/alerts/rules, PUT/DELETE .../rules/:id,
// POST .../rules/:id/test, POST .../alerts/rules/preview, GET .../alerts/events.

import { html, useState, useEffect, useMemo } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useTitle, useUrlState, useDebounced, useKeyAction, useId } from '../components/hooks.js';
import { Field, Checkbox, ErrorNotice, Loading, Status, ConfirmButton } from '../components/ui.js';
import { Chart, axes, cssVar } from '../components/chart.js';
import { fieldError } from '../lib/search.js';
import { formatTime, formatCount, formatValue } from '../lib/format.js';

const SCHEMA = { edit: { type: 'string', default: '' } };

const EMPTY = { name: '', condition: '', windowMinutes: '5', repeatMinutes: '60', channels: 'email', source: '', serverId: '', filter: '', enabled: true };

function toForm(rule) {
  if (!rule) return { ...EMPTY };
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
  };
}

function toBody(f) {
  const body = {
    name: f.name.trim(),
    condition: f.condition,
    windowMinutes: Number(f.windowMinutes),
    repeatMinutes: Number(f.repeatMinutes),
    channels: f.channels.split('\n').map((c) => c.trim()).filter(Boolean),
    enabled: f.enabled,
  };
  if (f.source.trim()) body.source = f.source.trim();
  if (f.serverId.trim()) body.serverId = f.serverId.trim();
  if (f.filter.trim()) body.filter = f.filter.trim();
  return body;
}

/** The threshold of `<metric> <op> <number>`, or null. */
function threshold(condition) {
  const m = /(>=|<=|==|!=|>|<)\s*([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)\s*$/i.exec(condition || '');
  return m ? Number(m[2]) : null;
}

function Preview({ project, form, onProblem }) {
  const key = JSON.stringify([form.condition, form.windowMinutes, form.source, form.serverId, form.filter]);
  const debounced = useDebounced(key, 500);
  const [st, setSt] = useState({ loading: false, data: null, error: null });
  useEffect(() => {
    const [condition, windowMinutes, source, serverId, filter] = JSON.parse(debounced);
    if (!condition.trim()) {
      setSt({ loading: false, data: null, error: null });
      return undefined;
    }
    const ctrl = new AbortController();
    setSt((s) => ({ ...s, loading: true }));
    const body = { condition, windowMinutes: Number(windowMinutes) || 5 };
    if (source.trim()) body.source = source.trim();
    if (serverId.trim()) body.serverId = serverId.trim();
    if (filter.trim()) body.filter = filter.trim();
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

  const conditionProblem = st.error && st.error.status === 400 ? fieldError(st.error, 'condition') : null;
  const otherProblem = st.error && !conditionProblem ? st.error : null;
  const stale = debounced !== key;
  // The condition's problem is shown on the Condition field (tied to it).
  useEffect(() => onProblem(conditionProblem), [conditionProblem]);

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

function RuleEditor({ project, rule, onSaved, onDeleted, onClose }) {
  const [form, setForm] = useState(() => toForm(rule));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState(null);
  const [testError, setTestError] = useState(null);
  const [conditionProblem, setConditionProblem] = useState(null);
  const channelsId = useId('channels');
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  useKeyAction('close', () => {
    onClose();
    return true;
  });

  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = rule
        ? await api.put(projectPath(project, `/alerts/rules/${rule.id}`), toBody(form))
        : await api.post(projectPath(project, '/alerts/rules'), toBody(form));
      onSaved(saved, !rule);
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

  const detail = (field) => (error && error.details ? (error.details.find((d) => d.field === field) || {}).message : null);
  const channelErrors = error && error.details ? error.details.filter((d) => /^channels/.test(d.field || '')) : [];

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
        error=${conditionProblem || detail('condition')}
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
      <${Field} label="Log filter" hint='Optional q= query narrowing the log metrics, e.g. source:billing "invoice sent".' value=${form.filter} onInput=${set('filter')} className="mono" />
      <${Checkbox} label="Enabled" checked=${form.enabled} onChange=${set('enabled')} />
      <${Preview} project=${project} form=${form} onProblem=${setConditionProblem} />
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
        <thead><tr><th scope="col">Name</th><th scope="col">Condition</th><th scope="col">Window</th><th scope="col">Channels</th><th scope="col">Enabled</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          ${list.map(
            (r) => html`<tr key=${r.id} class=${editing && editing.id === r.id ? 'selected' : ''}>
              <th scope="row">${r.name}</th>
              <td><code>${r.condition}</code>${r.source ? html` <span class="muted small">source ${r.source}</span>` : ''}${r.serverId ? html` <span class="muted small">server ${r.serverId}</span>` : ''}</td>
              <td>${r.windowMinutes} min</td>
              <td>${(r.channels || []).join(', ')}</td>
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
      onClose=${() => setState({ edit: '' })}
      onSaved=${(saved, created) => {
        setMessage(created ? `Rule ${saved.name} created.` : `Rule ${saved.name} saved.`);
        rules.reload();
        setState({ edit: String(saved.id) }, { replace: true });
      }}
      onDeleted=${(r) => {
        setMessage(`Rule ${r.name} deleted.`);
        rules.reload();
        setState({ edit: '' });
      }}
    />`}
    <section aria-labelledby="events-title">
      <div class="section-head">
        <h2 id="events-title">Event history</h2>
        <button type="button" onClick=${events.reload}>Refresh events</button>
      </div>
      <${ErrorNotice} error=${events.error} />
      ${events.data && eventList.length === 0 && html`<p class="empty">No alert has fired yet.</p>`}
      ${eventList.length > 0 &&
      html`<table class="table compact">
        <thead><tr><th scope="col">Time</th><th scope="col">Rule</th><th scope="col">Event</th><th scope="col">Value</th><th scope="col">Deliveries</th></tr></thead>
        <tbody>
          ${eventList.map(
            (ev) => html`<tr key=${ev.id}>
              <td class="nowrap">${formatTime(ev.at, { ms: false })}</td>
              <td>${ev.ruleName} <code class="small">${ev.condition}</code></td>
              <td><span class=${`event-kind ev-${ev.kind}`}>${ev.kind}</span>${ev.silenced ? ' (silenced)' : ''}</td>
              <td>${formatValue(ev.value)}</td>
              <td>
                <ul class="plain">
                  ${(ev.deliveries || []).map((d) => html`<li class=${d.ok ? 'ok' : 'failed'}>${d.channel}: ${d.ok ? 'delivered' : `failed — ${d.error || ''}`}</li>`)}
                </ul>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>
  </div>`;
}
