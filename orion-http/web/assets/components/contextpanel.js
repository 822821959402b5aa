// "Show context": the entries just before and after one entry, exact by
// (timestamp, id). API: GET /projects/:p/logs/:id/context?before&after[&q].

import { html, useState, useEffect, useRef } from '../vendor/htm-preact-standalone.js';
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
  // The panel opens below the results: bring it into view and move focus
  // to its title (a screen reader announces it); once loaded, centre the
  // entry itself in the table.
  const panel = useRef(null);
  const title = useRef(null);
  const current = useRef(null);
  useEffect(() => {
    if (panel.current && panel.current.scrollIntoView) panel.current.scrollIntoView({ block: 'start' });
    if (title.current) title.current.focus({ preventScroll: true });
  }, []);
  const shown = useRef(false);
  useEffect(() => {
    const row = current.current;
    const wrap = row && row.closest('.table-wrap');
    if (!row || !wrap) return;
    if (!shown.current && panel.current && panel.current.scrollIntoView) {
      shown.current = true; // once: the loaded table made the panel taller
      panel.current.scrollIntoView({ block: 'start' });
    }
    const r = row.getBoundingClientRect();
    const w = wrap.getBoundingClientRect();
    wrap.scrollTop += r.top - w.top - (wrap.clientHeight - r.height) / 2;
  }, [d]);
  const rows = d ? [...(d.before || []).map((l) => [l, false]), ...(d.entry ? [[d.entry, true]] : []), ...(d.after || []).map((l) => [l, false])] : [];
  return html`<section class="panel context" role="region" aria-labelledby="ctx-title" ref=${panel}>
    <div class="panel-head">
      <h2 id="ctx-title" tabindex="-1" ref=${title}>Context of entry ${id}</h2>
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
            ([l, isEntry]) => html`<tr key=${l.id} class=${isEntry ? 'current' : ''} aria-current=${isEntry ? 'true' : undefined} ref=${isEntry ? current : undefined}>
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
