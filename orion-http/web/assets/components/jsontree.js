// Metadata as a JSON tree, every value rendered as text, with "Filter for"
// / "Filter out" buttons on each leaf that can be written as a `meta.` term.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { metaTerm } from '../lib/query.js';
import { formatValue } from '../lib/format.js';

function Leaf({ path, value, onFilter }) {
  const include = metaTerm(path, value, false);
  const exclude = metaTerm(path, value, true);
  const name = path.join('.');
  return html`<span class="jt-leaf">
    <span class=${`jt-value jt-${value === null ? 'null' : typeof value}`}>${typeof value === 'string' ? `"${value}"` : formatValue(value)}</span>
    ${onFilter && include &&
    html`<span class="jt-actions">
      <button type="button" class="small" aria-label=${`Filter for ${name}`} onClick=${() => onFilter(include)}>Filter for</button>
      <button type="button" class="small" aria-label=${`Filter out ${name}`} onClick=${() => onFilter(exclude)}>Filter out</button>
    </span>`}
  </span>`;
}

function Node({ name, value, path, onFilter, depth }) {
  const [open, setOpen] = useState(depth < 3);
  const isObj = value !== null && typeof value === 'object';
  if (!isObj) {
    return html`<li><span class="jt-key">${name}</span>: <${Leaf} path=${path} value=${value} onFilter=${onFilter} /></li>`;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return html`<li>
    <button type="button" class="jt-toggle link" aria-expanded=${open ? 'true' : 'false'} onClick=${() => setOpen(!open)}>
      <span class="jt-key">${name}</span> ${summary}
    </button>
    ${open &&
    html`<ul class="jt">
      ${entries.map(
        ([k, v]) => html`<${Node} key=${k} name=${k} value=${v} path=${[...path, k]} onFilter=${Array.isArray(value) ? null : onFilter} depth=${depth + 1} />`,
      )}
    </ul>`}
  </li>`;
}

/**
 * @param {{value: object, onFilter?: (term: string) => void}} props
 *   `onFilter` receives a term such as `meta.user.id=42` or `-meta.user.id=42`.
 */
export function JsonTree({ value, onFilter }) {
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) {
    return html`<p class="muted">No metadata.</p>`;
  }
  return html`<ul class="jt jt-root" aria-label="Metadata">
    ${Object.entries(value).map(([k, v]) => html`<${Node} key=${k} name=${k} value=${v} path=${[k]} onFilter=${onFilter} depth=${0} />`)}
  </ul>`;
}
