// The facet sidebar: top values of level, source, tags, server and chosen
// metadata keys, with counts. Click a value to include it, alt-click (or
// its "Exclude" button) to exclude it.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { facetTerm, hasTerm } from '../lib/query.js';
import { formatCount, formatTotal } from '../lib/format.js';
import { Field, ErrorNotice } from './ui.js';

const TITLES = { level: 'Level', source: 'Source', tags: 'Tags', serverId: 'Server' };

/**
 * @param {{data: object|null, error: any, fields: string[], q: string,
 *   onTerm: (term: string) => void, metaKeys: string[], onMetaKeys: (keys: string[]) => void}} props
 */
export function FacetSidebar({ data, error, loading, fields, q, onTerm, metaKeys, onMetaKeys }) {
  const [key, setKey] = useState('');
  const addKey = (e) => {
    e.preventDefault();
    const k = key.trim().replace(/^meta\./, '');
    if (k && !metaKeys.includes(k)) onMetaKeys([...metaKeys, k]);
    setKey('');
  };
  const facets = (data && data.facets) || {};
  return html`<section class="facets" aria-labelledby="facets-title">
    <h2 id="facets-title">Facets</h2>
    ${data && html`<p class="muted">${formatTotal(data.total, data.totalIsLowerBound)} matching entries</p>`}
    ${loading && !data && html`<p class="muted">Loading facets…</p>`}
    <${ErrorNotice} error=${error} prefix="Facets unavailable" />
    ${fields.map((field) => {
      const values = facets[field] || [];
      const title = TITLES[field] || field;
      return html`<section class="facet" key=${field} aria-label=${title}>
        <h3>
          ${title}
          ${field.startsWith('meta.') &&
          html`<button type="button" class="link small" aria-label=${`Remove facet ${field}`} onClick=${() => onMetaKeys(metaKeys.filter((k) => `meta.${k}` !== field))}>×</button>`}
        </h3>
        ${values.length === 0 && html`<p class="muted small">No values.</p>`}
        <ul>
          ${values.map((v) => {
            const value = String(v.value);
            const inc = facetTerm(field, value, false);
            const exc = facetTerm(field, value, true);
            if (!inc) return null;
            const on = hasTerm(q, inc);
            const off = hasTerm(q, exc);
            return html`<li key=${value} class=${on ? 'on' : off ? 'off' : ''}>
              <button
                type="button"
                class="facet-value"
                title="Click to include, Alt-click to exclude"
                aria-pressed=${on ? 'true' : 'false'}
                onClick=${(e) => onTerm(e.altKey ? exc : inc)}
              >
                <span class="facet-name">${value}</span>
                <span class="facet-count">${formatCount(v.count)}</span>
              </button>
              <button type="button" class="small facet-exclude" aria-label=${`Exclude ${title.toLowerCase()} ${value}`} aria-pressed=${off ? 'true' : 'false'} onClick=${() => onTerm(exc)}>−</button>
            </li>`;
          })}
        </ul>
      </section>`;
    })}
    <form class="add-facet" onSubmit=${addKey}>
      <${Field} label="Metadata key" hint="Show the top values of a metadata field." value=${key} onInput=${setKey} autocomplete="off" />
      <button type="submit">Add facet</button>
    </form>
  </section>`;
}
