// Saved searches, stored on the server and shared in the project.
// API: GET/POST /projects/:p/searches, PUT (rename) and DELETE
// /projects/:p/searches/:id.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync } from './hooks.js';
import { Field, ErrorNotice, Status, ConfirmButton } from './ui.js';
import { describeRange } from '../lib/timerange.js';

/** @param {{project: string, current: {q: string, from: string, to: string}, onApply: (s) => void}} props */
export function SavedSearches({ project, current, onApply }) {
  const list = useAsync((signal) => api.get(projectPath(project, '/searches'), undefined, { signal }), [project]);
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const [renaming, setRenaming] = useState(null); // {id, name}

  const save = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const s = await api.post(projectPath(project, '/searches'), { name: name.trim(), q: current.q, from: current.from, to: current.to });
      setName('');
      setMessage(`Saved search ${s && s.name ? s.name : ''} created.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  // PUT replaces the whole search: the query and range go back as they are.
  const rename = async (e, s) => {
    e.preventDefault();
    setError(null);
    try {
      const saved = await api.put(projectPath(project, `/searches/${s.id}`), { name: renaming.name.trim(), q: s.q || '', from: s.from ?? null, to: s.to ?? null });
      setRenaming(null);
      setMessage(`Saved search ${s.name} renamed to ${saved && saved.name ? saved.name : renaming.name.trim()}.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (s) => {
    setError(null);
    try {
      await api.del(projectPath(project, `/searches/${s.id}`));
      setMessage(`Saved search ${s.name} deleted.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const items = Array.isArray(list.data) ? list.data : (list.data && list.data.searches) || [];
  return html`<section class="saved" aria-labelledby="saved-title">
    <h2 id="saved-title">Saved searches</h2>
    <${Status}>${message}<//>
    <${ErrorNotice} error=${error || list.error} />
    ${list.data && items.length === 0 && html`<p class="muted small">None yet.</p>`}
    <ul class="saved-list">
      ${items.map((s) =>
        renaming && renaming.id === s.id
          ? html`<li key=${s.id}>
              <form class="inline-form" onSubmit=${(e) => rename(e, s)} aria-label=${`Rename saved search ${s.name}`}>
                <${Field} label="New name" value=${renaming.name} onInput=${(v) => setRenaming({ id: s.id, name: v })} required=${true} maxlength="100" autocomplete="off" autofocus=${true} />
                <button type="submit">Save name</button>
                <button type="button" onClick=${() => setRenaming(null)}>Cancel</button>
              </form>
            </li>`
          : html`<li key=${s.id}>
              <button type="button" class="link" onClick=${() => onApply(s)} title=${s.q || '(everything)'}>${s.name}</button>
              <span class="muted small">${s.from ? describeRange({ from: s.from, to: s.to || 'now' }) : ''}</span>
              <button type="button" class="small" aria-label=${`Rename saved search ${s.name}`} onClick=${() => setRenaming({ id: s.id, name: s.name })}>Rename</button>
              <${ConfirmButton} label="Delete" ariaLabel=${`Delete saved search ${s.name}`} confirmLabel=${`Delete ${s.name}`} onConfirm=${() => remove(s)} />
            </li>`,
      )}
    </ul>
    <form class="inline-form" onSubmit=${save}>
      <${Field} label="Search name" value=${name} onInput=${setName} required=${true} maxlength="100" autocomplete="off" />
      <button type="submit">Save search</button>
    </form>
  </section>`;
}
