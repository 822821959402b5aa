// Projects: active / archived tabs, create, archive, restore, and delete
// after typing the project's name.
// API: GET /projects?archived=, POST /projects, PATCH /projects/:p/archive|restore, DELETE /projects/:p.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync, useTitle, useUrlState, useKeyAction } from '../components/hooks.js';
import { Field, ErrorNotice, Loading, Status, Link } from '../components/ui.js';
import { formatTime } from '../lib/format.js';
import { pathFor } from '../lib/routes.js';

const SCHEMA = { tab: { type: 'string', default: 'active' }, del: { type: 'string', default: '' } };

function DeleteDialog({ project, onCancel, onDeleted }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useKeyAction('close', () => onCancel());
  const submit = async (e) => {
    e.preventDefault();
    if (typed !== project.name) return;
    setBusy(true);
    try {
      await api.del(projectPath(project.name));
      onDeleted(project.name);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<section class="panel danger-zone" role="region" aria-labelledby="del-title">
    <h2 id="del-title">Delete project ${project.name}</h2>
    <p>This removes the project with all its sources, tokens, logs, servers, heartbeats, commands, alert rules and alert history. It cannot be undone.</p>
    <form onSubmit=${submit}>
      <${Field} label="Type the project name to confirm" value=${typed} onInput=${setTyped} autocomplete="off" autofocus=${true} />
      <${ErrorNotice} error=${error} />
      <div class="actions">
        <button type="submit" class="danger" disabled=${typed !== project.name || busy}>Delete project</button>
        <button type="button" onClick=${onCancel}>Cancel</button>
      </div>
    </form>
  </section>`;
}

export function ProjectsView() {
  useTitle('Projects');
  const [state, setState] = useUrlState(SCHEMA);
  const archived = state.tab === 'archived';
  const list = useAsync((signal) => api.get('/projects', { archived: archived ? 'true' : 'false' }, { signal }), [archived]);
  const [name, setName] = useState('');
  const [label, setLabel] = useState('');
  const [createError, setCreateError] = useState(null);
  const [actionError, setActionError] = useState(null);
  const [message, setMessage] = useState('');

  const create = async (e) => {
    e.preventDefault();
    setCreateError(null);
    try {
      const p = await api.post('/projects', { name: name.trim(), label: label.trim() || undefined });
      setName('');
      setLabel('');
      setMessage(`Project ${p.name} created.`);
      if (archived) setState({ tab: 'active' });
      else list.reload();
    } catch (err) {
      setCreateError(err);
    }
  };

  const act = async (p, verb) => {
    setActionError(null);
    try {
      await api.patch(projectPath(p.name, `/${verb}`));
      setMessage(verb === 'archive' ? `Project ${p.name} archived.` : `Project ${p.name} restored.`);
      list.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  const projects = list.data || [];
  const deleting = state.del ? projects.find((p) => p.name === state.del) : null;

  return html`<div class="page">
    <h1>Projects</h1>
    <${Status}>${message}<//>
    <section class="card" aria-labelledby="new-project">
      <h2 id="new-project">New project</h2>
      <form class="inline-form" onSubmit=${create}>
        <${Field}
          label="Project name"
          hint="Lower-case letters and digits, words joined by -, e.g. my-shop."
          value=${name}
          onInput=${setName}
          required=${true}
          pattern="[a-z0-9]+(-[a-z0-9]+)*"
          maxlength="64"
          autocomplete="off"
        />
        <${Field} label="Label" hint="Optional display name." value=${label} onInput=${setLabel} maxlength="200" />
        <button type="submit" class="primary">Create project</button>
      </form>
      <${ErrorNotice} error=${createError} />
    </section>

    <div role="tablist" aria-label="Project lists" class="tabs">
      <button type="button" role="tab" aria-selected=${!archived ? 'true' : 'false'} onClick=${() => setState({ tab: 'active', del: '' })}>Active</button>
      <button type="button" role="tab" aria-selected=${archived ? 'true' : 'false'} onClick=${() => setState({ tab: 'archived', del: '' })}>Archived</button>
    </div>
    <div role="tabpanel" aria-label=${archived ? 'Archived projects' : 'Active projects'}>
      <${ErrorNotice} error=${actionError} />
      ${list.loading && !list.data && html`<${Loading} />`}
      <${ErrorNotice} error=${list.error} />
      ${list.data && projects.length === 0 && html`<p class="empty">${archived ? 'No archived projects.' : 'No projects yet: create one above.'}</p>`}
      ${projects.length > 0 &&
      html`<table class="table">
        <caption class="visually-hidden">${archived ? 'Archived projects' : 'Active projects'}</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Label</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          ${projects.map(
            (p) => html`<tr key=${p.id}>
              <td><${Link} href=${pathFor('logs', { project: p.name })}>${p.name}<//></td>
              <td>${p.label}</td>
              <td><time datetime=${p.createdAt}>${formatTime(p.createdAt, { ms: false })}</time></td>
              <td class="actions-cell">
                ${archived
                  ? html`<button type="button" aria-label=${`Restore ${p.name}`} onClick=${() => act(p, 'restore')}>Restore</button>`
                  : html`<button type="button" aria-label=${`Archive ${p.name}`} onClick=${() => act(p, 'archive')}>Archive</button>`}
                <button type="button" class="danger-quiet" aria-label=${`Delete ${p.name}`} onClick=${() => setState({ del: p.name }, { replace: true })}>Delete</button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </div>
    ${deleting &&
    html`<${DeleteDialog}
      key=${deleting.name}
      project=${deleting}
      onCancel=${() => setState({ del: '' }, { replace: true })}
      onDeleted=${(n) => {
        setMessage(`Project ${n} deleted.`);
        setState({ del: '' }, { replace: true });
        list.reload();
      }}
    />`}
  </div>`;
}
