// The query bar: a combobox over the `q=` syntax with suggestions, the
// tokenizer's problems shown as you type (role="alert"), the parsed terms
// as removable chips, and the level quick-filter chips.

import { html, useState, useEffect, useRef } from '../vendor/htm-preact-standalone.js';
import { tokenize, suggest, applySuggestion, removeTermAt, formatTerm, LEVELS, selectedLevels, toggleLevel } from '../lib/query.js';
import { useId } from './hooks.js';

/**
 * @param {{value: string, onSubmit: (q: string) => void, known?: object,
 *   serverError?: string|null, label?: string}} props
 */
export function QueryBar({ value, onSubmit, known = {}, serverError = null, label = 'Search logs' }) {
  const id = useId('query');
  const listId = `${id}-list`;
  const [draft, setDraft] = useState(value);
  const [cursor, setCursor] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef(null);

  useEffect(() => {
    setDraft(value);
  }, [value]);

  const { terms, errors } = tokenize(draft);
  const suggestions = open ? suggest(draft, cursor, known) : [];

  const submit = (q = draft) => {
    setOpen(false);
    setActive(-1);
    onSubmit(q.trim());
  };

  const apply = (s) => {
    const next = applySuggestion(draft, s);
    setDraft(next.q);
    setActive(-1);
    requestAnimationFrame(() => {
      if (input.current) {
        input.current.focus();
        input.current.setSelectionRange(next.cursor, next.cursor);
        setCursor(next.cursor);
      }
    });
  };

  const onKeyDown = (e) => {
    if (e.key === 'ArrowDown' && suggestions.length) {
      e.preventDefault();
      setActive((a) => (a + 1) % suggestions.length);
    } else if (e.key === 'ArrowUp' && suggestions.length) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? suggestions.length - 1 : a - 1));
    } else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0 && suggestions[active]) {
      e.preventDefault();
      apply(suggestions[active]);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      if (open && suggestions.length) {
        setOpen(false);
        setActive(-1);
      } else {
        input.current && input.current.blur();
      }
    }
  };

  const onInput = (e) => {
    setDraft(e.currentTarget.value);
    setCursor(e.currentTarget.selectionStart ?? e.currentTarget.value.length);
    setOpen(true);
    setActive(-1);
  };

  const problem = errors[0] ? errors[0].message : null;
  const levels = selectedLevels(value);

  return html`<div class="querybar">
    <form
      class="querybar-form"
      role="search"
      onSubmit=${(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div class="combo">
        <input
          id=${id}
          ref=${input}
          type="search"
          data-query-bar="true"
          role="combobox"
          aria-label=${label}
          aria-autocomplete="list"
          aria-expanded=${suggestions.length > 0 ? 'true' : 'false'}
          aria-controls=${listId}
          aria-activedescendant=${active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid=${problem || serverError ? 'true' : undefined}
          aria-describedby=${`${id}-help`}
          autocomplete="off"
          spellcheck="false"
          placeholder='level:error "connection refused" -tag:health meta.status>=500'
          value=${draft}
          onInput=${onInput}
          onKeyDown=${onKeyDown}
          onClick=${(e) => setCursor(e.currentTarget.selectionStart ?? draft.length)}
          onKeyUp=${(e) => setCursor(e.currentTarget.selectionStart ?? draft.length)}
          onBlur=${() => setTimeout(() => setOpen(false), 150)}
        />
        <ul id=${listId} role="listbox" aria-label="Suggestions" class=${suggestions.length ? 'suggestions' : 'suggestions hidden'}>
          ${suggestions.map(
            (s, i) => html`<li
              id=${`${listId}-${i}`}
              role="option"
              aria-selected=${i === active ? 'true' : 'false'}
              class=${i === active ? 'active' : ''}
              onMouseDown=${(e) => {
                e.preventDefault();
                apply(s);
              }}
            >
              ${s.label}
            </li>`,
          )}
        </ul>
      </div>
      <button type="submit">Search</button>
    </form>
    <p id=${`${id}-help`} class="hint">
      Press / to focus. Terms: words or "phrases", level:error, level>=warn, source:api, tag:x, server:web-1, meta.key=value; - negates.
    </p>
    ${problem && html`<p role="alert" class="field-error">Query problem: ${problem}</p>`}
    ${!problem && serverError && html`<p role="alert" class="field-error">The server refused the query: ${serverError}</p>`}
    <div class="chips" role="group" aria-label="Level filters">
      ${LEVELS.map(
        (l) => html`<button
          type="button"
          class=${`chip lvl-${l}`}
          aria-pressed=${levels.includes(l) ? 'true' : 'false'}
          onClick=${() => submit(toggleLevel(value, l))}
        >
          ${l}
        </button>`,
      )}
    </div>
    ${terms.length > 0 &&
    html`<ul class="terms" aria-label="Query terms">
      ${terms.map(
        (t, i) => html`<li class=${t.negated ? 'term neg' : 'term'}>
          <span>${formatTerm(t)}</span>
          <button type="button" class="link" aria-label=${`Remove term ${formatTerm(t)}`} onClick=${() => submit(removeTermAt(draft, i))}>×</button>
        </li>`,
      )}
    </ul>`}
  </div>`;
}
