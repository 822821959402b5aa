// Project settings: sources (the token shown once, with a copy button),
// API tokens (permission checkboxes, rotate, revoke; values shown once),
// and snippets for curl, the Rust SDK and `orion agent setup`.
// API: GET/POST /projects/:p/sources, GET/POST /projects/:p/tokens,
// POST /tokens/:id/rotate, DELETE /tokens/:id.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useTitle } from '../components/hooks.js';
import { Field, Checkbox, ErrorNotice, Loading, Status, SecretOnce, CopyButton, ConfirmButton } from '../components/ui.js';
import { formatTime, formatAgo } from '../lib/format.js';

export const PERMISSIONS = ['logs:write', 'logs:read', 'heartbeat:write', 'agent:register', 'commands:read', 'commands:write'];

function Sources({ project, onToken }) {
  const list = useAsync((signal) => api.get(projectPath(project, '/sources'), undefined, { signal }), [project]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);

  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const s = await api.post(projectPath(project, '/sources'), { name: name.trim(), description: description.trim() || undefined });
      setCreated(s);
      onToken(s.token);
      setName('');
      setDescription('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const sources = list.data || [];
  return html`<section class="card" aria-labelledby="sources-title">
    <h2 id="sources-title">Sources</h2>
    <p class="muted">A source is an application sending logs. Its token can only write logs, and always files them under the source.</p>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorNotice} error=${list.error} />
    ${list.data && sources.length === 0 && html`<p class="empty">No sources yet.</p>`}
    ${sources.length > 0 &&
    html`<table class="table compact">
      <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Created</th></tr></thead>
      <tbody>
        ${sources.map((s) => html`<tr key=${s.id}><th scope="row">${s.name}</th><td>${s.description ?? ''}</td><td>${formatTime(s.createdAt, { ms: false })}</td></tr>`)}
      </tbody>
    </table>`}
    <form class="inline-form" onSubmit=${create}>
      <${Field} label="Source name" hint="Like a project name: my-app." value=${name} onInput=${setName} required=${true} autocomplete="off" pattern="[a-z0-9]+(-[a-z0-9]+)*" />
      <${Field} label="Description" value=${description} onInput=${setDescription} maxlength="500" />
      <button type="submit" class="primary">Create source</button>
    </form>
    <${ErrorNotice} error=${error} />
    ${created && html`<${SecretOnce} title=${`Token of source ${created.name}`} value=${created.token} />`}
  </section>`;
}

function Tokens({ project, onToken }) {
  const list = useAsync((signal) => api.get(projectPath(project, '/tokens'), undefined, { signal }), [project]);
  const [name, setName] = useState('');
  const [perms, setPerms] = useState(['logs:read']);
  const [shown, setShown] = useState(null); // {title, value}
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');

  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const t = await api.post(projectPath(project, '/tokens'), { name: name.trim(), permissions: perms });
      setShown({ title: `Token ${t.name}`, value: t.token });
      onToken(t.token);
      setName('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const rotate = async (t) => {
    setError(null);
    try {
      const r = await api.post(projectPath(project, `/tokens/${t.id}/rotate`));
      setShown({ title: `New value of token ${t.name}`, value: r.token });
      setMessage(`Token ${t.name} rotated: the old value no longer works.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const revoke = async (t) => {
    setError(null);
    try {
      await api.del(projectPath(project, `/tokens/${t.id}`));
      setMessage(`Token ${t.name} revoked.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const toggle = (p, on) => setPerms((list0) => (on ? [...new Set([...list0, p])] : list0.filter((x) => x !== p)));
  const tokens = list.data || [];
  const now = Date.now();

  return html`<section class="card" aria-labelledby="tokens-title">
    <h2 id="tokens-title">API tokens</h2>
    <${Status}>${message}<//>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorNotice} error=${list.error} />
    ${list.data && tokens.length === 0 && html`<p class="empty">No tokens yet.</p>`}
    ${tokens.length > 0 &&
    html`<table class="table compact">
      <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Prefix</th><th scope="col">Permissions</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
      <tbody>
        ${tokens.map(
          (t) => html`<tr key=${t.id}>
            <th scope="row">${t.name}</th>
            <td>${t.kind ?? 'api'}</td>
            <td><code>${t.prefix}…</code></td>
            <td>${(t.permissions || []).join(', ')}</td>
            <td class="nowrap">${formatTime(t.createdAt, { ms: false })}</td>
            <td class="nowrap">${t.lastUsedAt ? formatAgo(t.lastUsedAt, now) : 'never'}</td>
            <td class="actions-cell">
              <button type="button" aria-label=${`Rotate ${t.name}`} onClick=${() => rotate(t)}>Rotate</button>
              <${ConfirmButton} label="Revoke" ariaLabel=${`Revoke ${t.name}`} confirmLabel=${`Revoke ${t.name} now`} onConfirm=${() => revoke(t)} />
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`}
    <form onSubmit=${create}>
      <${Field} label="Token name" value=${name} onInput=${setName} required=${true} maxlength="100" autocomplete="off" />
      <fieldset class="perms">
        <legend>Permissions</legend>
        ${PERMISSIONS.map((p) => html`<${Checkbox} key=${p} label=${p} checked=${perms.includes(p)} onChange=${(on) => toggle(p, on)} />`)}
      </fieldset>
      <div class="actions"><button type="submit" class="primary" disabled=${perms.length === 0}>Create token</button></div>
    </form>
    <${ErrorNotice} error=${error} />
    ${shown && html`<${SecretOnce} title=${shown.title} value=${shown.value} />`}
  </section>`;
}

function Snippet({ title, code }) {
  return html`<div class="snippet">
    <div class="snippet-head"><h3>${title}</h3><${CopyButton} text=${code} label="Copy" ariaLabel=${`Copy ${title} snippet`} /></div>
    <pre><code>${code}</code></pre>
  </div>`;
}

function Snippets({ project, token }) {
  const origin = location.origin;
  const tok = token || 'sk_...';
  const curl = `curl -X POST ${origin}/api/agent/log \\
  -H "Authorization: Bearer ${tok}" \\
  -H "Content-Type: application/json" \\
  -d '{"level": "info", "message": "hello from curl", "metadata": {"env": "dev"}}'`;
  const rust = `// Cargo.toml: orion-client (the crate in the Orion repository), tokio
use orion_client::{BatchConfig, Client, LogEntry, LogSender};

let client = Client::new("${origin}", "${tok}")?;
client.send_logs(&[LogEntry::new("warn", "disk almost full").field("disk", "/var")]).await?;

// Or batched in the background:
let logs = LogSender::spawn(client, BatchConfig::default());
logs.send(LogEntry::new("info", "started"));
logs.shutdown().await;`;
  const agent = `sudo -E orion agent setup --server ${origin} --project ${project} --token <your session or agent:register token>`;
  return html`<section class="card" aria-labelledby="snippets-title">
    <h2 id="snippets-title">Start sending</h2>
    <p class="muted">${token ? 'The snippets use the token you just created.' : 'Replace sk_... with a source token or a token with logs:write.'}</p>
    <${Snippet} title="curl" code=${curl} />
    <${Snippet} title="Rust SDK" code=${rust} />
    <${Snippet} title="Agent" code=${agent} />
  </section>`;
}

export function SettingsView({ project }) {
  useTitle(`Settings · ${project}`);
  const [lastToken, setLastToken] = useState(null);
  return html`<div class="page">
    <h1>Settings of ${project}</h1>
    <${Sources} project=${project} onToken=${setLastToken} />
    <${Tokens} project=${project} onToken=${setLastToken} />
    <${Snippets} project=${project} token=${lastToken} />
  </div>`;
}
