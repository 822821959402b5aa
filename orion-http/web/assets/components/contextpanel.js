// "Show context": the entries just before and after one entry, exact by
// (timestamp, id). API: GET /projects/:p/logs/:id/context?before&after[&q].

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { api, projectPath } from '../api.js';
import { useAsync } from './hooks.js';
import { ErrorNotice, Loading, Checkbox } from './ui.js';
import { formatTime } from '../lib/format.js';

/** @param {{project: string, id: number, q: string, onClose: () => void}} props */
export function ContextPanel({ project, id, q, onClose }) {
  const [matching, setMatching] = useState(false);
  const [size, setSize] = useState(50);
  const ctx = useAsync(
    (signal) =>
      api.get(projectPath(project, `/logs/${id}/context`), { before: size, after: size, q: matching && q ? q : undefined }, { signal }),
    [project, id, matching, size],
  );
  const d = ctx.data;
  const rows = d ? [...(d.before || []).map((l) => [l, false]), ...(d.entry ? [[d.entry, true]] : []), ...(d.after || []).map((l) => [l, false])] : [];
  return html`<section class="panel context" role="region" aria-labelledby="ctx-title">
    <div class="panel-head">
      <h2 id="ctx-title">Context of entry ${id}</h2>
      <button type="button" onClick=${onClose}>Close context</button>
    </div>
    <div class="toolbar">
      <${Checkbox} label="Only entries matching the query" checked=${matching} onChange=${setMatching} disabled=${!q} />
      <button type="button" onClick=${() => setSize(size + 50)}>Show more lines</button>
    </div>
    ${ctx.loading && !d && html`<${Loading} />`}
    <${ErrorNotice} error=${ctx.error} />
    ${d &&
    html`<div class="table-wrap">
      <table class="table compact">
        <caption class="visually-hidden">${`${(d.before || []).length} entries before and ${(d.after || []).length} after entry ${id}`}</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Source</th><th scope="col">Message</th></tr></thead>
        <tbody>
          ${rows.map(
            ([l, isEntry]) => html`<tr key=${l.id} class=${isEntry ? 'current' : ''} aria-current=${isEntry ? 'true' : undefined}>
              <td class="nowrap"><time datetime=${l.timestamp}>${formatTime(l.timestamp)}</time></td>
              <td><span class=${`badge lvl-${l.level}`}>${l.level}</span></td>
              <td>${l.source ?? '—'}</td>
              <td class="msg-cell">${l.message}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`}
  </section>`;
}
