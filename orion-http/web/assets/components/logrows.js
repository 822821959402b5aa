// Log rows shared by the explorer, the live tail and the context panel:
// one fixed-height row (time, level, source, message) and the expanded
// details (message, tags, metadata tree, actions). Every field is text.

import { html } from '../vendor/htm-preact-standalone.js';
import { formatTime } from '../lib/format.js';
import { facetTerm } from '../lib/query.js';
import { JsonTree } from './jsontree.js';

export const ROW_HEIGHT = 28;

export function LogHeader() {
  return html`<div role="rowgroup" class="log-head">
    <div role="row" class="log-row" aria-rowindex="1">
      <span role="columnheader" class="c-time">Time</span>
      <span role="columnheader" class="c-level">Level</span>
      <span role="columnheader" class="c-source">Source</span>
      <span role="columnheader" class="c-msg">Message</span>
    </div>
  </div>`;
}

/**
 * One row, as an element (call it, do not mount it as a component):
 * Preact 10.5's keyed diff moves every keyed *component* child of a list
 * when one leaves its front, so each scroll step re-inserted the whole
 * window of a virtual list (and the browser laid all of it out again);
 * keyed elements are moved only when they have to be. No hooks here.
 * @param {{key: any, log: object, index: number, selected?: boolean, expanded?: boolean,
 *   onClick?: (e) => void}} props
 */
export function logRow({ key, log, index, selected = false, expanded, onClick }) {
  const cls = `log-row${selected ? ' selected' : ''}${expanded ? ' expanded' : ''}`;
  return html`<div
    key=${key}
    role="row"
    class=${cls}
    aria-rowindex=${index + 2}
    aria-selected=${selected ? 'true' : 'false'}
    aria-expanded=${expanded === undefined ? undefined : expanded ? 'true' : 'false'}
    data-id=${log.id}
    onClick=${onClick}
  >
    <span role="gridcell" class="c-time"><time datetime=${log.timestamp}>${formatTime(log.timestamp)}</time></span>
    <span role="gridcell" class="c-level"><span class=${`badge lvl-${log.level}`}>${log.level}</span></span>
    <span role="gridcell" class="c-source">${log.source ?? '—'}</span>
    <span role="gridcell" class="c-msg" title=${log.message.length > 120 ? log.message.slice(0, 2000) : undefined}>${log.message}</span>
  </div>`;
}

function FilterPair({ field, value, onFilter, label }) {
  const inc = facetTerm(field, value, false);
  const exc = facetTerm(field, value, true);
  if (!inc || !onFilter) return null;
  return html`<span class="jt-actions">
    <button type="button" class="small" aria-label=${`Filter for ${label}`} onClick=${() => onFilter(inc)}>Filter for</button>
    <button type="button" class="small" aria-label=${`Filter out ${label}`} onClick=${() => onFilter(exc)}>Filter out</button>
  </span>`;
}

/** The expanded details of one entry. */
export function LogDetails({ log, onFilter, onContext, onClose }) {
  return html`<div role="row" class="log-details" aria-label=${`Details of entry ${log.id}`}>
    <div role="gridcell" class="details-cell">
      <pre class="message">${log.message}</pre>
      <dl class="facts">
        <dt>Time</dt><dd><time datetime=${log.timestamp}>${formatTime(log.timestamp, { utc: true })} UTC</time></dd>
        <dt>Received</dt><dd>${log.receivedAt ? formatTime(log.receivedAt, { utc: true }) + ' UTC' : '—'}</dd>
        <dt>Level</dt><dd>${log.level} <${FilterPair} field="level" value=${log.level} onFilter=${onFilter} label=${`level ${log.level}`} /></dd>
        <dt>Source</dt><dd>${log.source ?? '—'} ${log.source && html`<${FilterPair} field="source" value=${log.source} onFilter=${onFilter} label=${`source ${log.source}`} />`}</dd>
        <dt>Server</dt><dd>${log.serverId ?? '—'} ${log.serverId && html`<${FilterPair} field="serverId" value=${log.serverId} onFilter=${onFilter} label=${`server ${log.serverId}`} />`}</dd>
        <dt>Tags</dt>
        <dd>
          ${(log.tags || []).length === 0 && '—'}
          ${(log.tags || []).map(
            (t) => html`<span class="tag-item"><span class="tag">${t}</span> <${FilterPair} field="tags" value=${t} onFilter=${onFilter} label=${`tag ${t}`} /></span>`,
          )}
        </dd>
        <dt>Id</dt><dd>${log.id}</dd>
      </dl>
      <h3 class="small-title">Metadata</h3>
      <${JsonTree} value=${log.metadata} onFilter=${onFilter} />
      <div class="actions">
        ${onContext && html`<button type="button" onClick=${() => onContext(log.id)}>Show context</button>`}
        ${onClose && html`<button type="button" onClick=${onClose}>Close details</button>`}
      </div>
    </div>
  </div>`;
}
