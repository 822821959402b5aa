// Saved searches, stored on the server and shared in the project.
// API: GET/POST /projects/:p/searches, DELETE /projects/:p/searches/:id.

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
      ${items.map(
        (s) => html`<li key=${s.id}>
          <button type="button" class="link" onClick=${() => onApply(s)} title=${s.q || '(everything)'}>${s.name}</button>
          <span class="muted small">${s.from ? describeRange({ from: s.from, to: s.to || 'now' }) : ''}</span>
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
