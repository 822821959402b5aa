// Small shared pieces: links that route inside the app, labelled fields,
// status / alert messages, copy buttons.

import { html, useState, useRef, useEffect } from '../vendor/htm-preact-standalone.js';
import { navigate, useId } from './hooks.js';

/** An `<a>` that routes inside the app on a plain click (new tabs still work). */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

/**
 * A labelled input. `label` is the visible name; `hint` and `error` are
 * tied to the control with aria-describedby (`liveError`: the error comes
 * while typing, so it is announced, role="alert").
 */
export function Field({ label, hint, error, liveError = false, type = 'text', value, onInput, inputRef, className = '', autofocus, ...rest }) {
  const id = useId('field');
  const own = useRef(null);
  const ref = inputRef || own;
  // `autofocus` only works once per page load; views appear later, so focus by hand.
  useEffect(() => {
    if (autofocus && ref.current) ref.current.focus();
  }, []);
  const hintId = hint ? `${id}-hint` : null;
  const errId = error ? `${id}-err` : null;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return html`<div class=${`field ${className}`}>
    <label for=${id}>${label}</label>
    <input
      id=${id}
      type=${type}
      value=${value}
      onInput=${(e) => onInput && onInput(e.currentTarget.value, e)}
      aria-describedby=${describedBy}
      aria-invalid=${error ? 'true' : undefined}
      ref=${ref}
      ...${rest}
    />
    ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${errId} role=${liveError ? 'alert' : undefined}>${error}</p>`}
  </div>`;
}

/** A labelled `<select>`; `options` are `[value, text]` pairs. */
export function Select({ label, value, onChange, options, className = '', ...rest }) {
  const id = useId('select');
  return html`<div class=${`field ${className}`}>
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)} ...${rest}>
      ${options.map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
    </select>
  </div>`;
}

/** A labelled checkbox. */
export function Checkbox({ label, checked, onChange, ...rest }) {
  const id = useId('check');
  return html`<div class="check">
    <input id=${id} type="checkbox" checked=${checked} onChange=${(e) => onChange(e.currentTarget.checked)} ...${rest} />
    <label for=${id}>${label}</label>
  </div>`;
}

/** A polite status message (role="status"), always in the DOM so changes are announced. */
export function Status({ children, className = '' }) {
  return html`<div role="status" class=${`status ${className}`}>${children}</div>`;
}

/** An error message (role="alert") from an ApiError or a string; nothing when empty. */
export function ErrorNotice({ error, prefix }) {
  if (!error) return null;
  const message = typeof error === 'string' ? error : error.message;
  const details = (error && error.details) || [];
  return html`<div role="alert" class="notice notice-error">
    <p>${prefix ? `${prefix}: ` : ''}${message}</p>
    ${details.length > 0 &&
    html`<ul>
      ${details.map(
        (d) => html`<li>${d.index !== undefined ? `#${d.index} ` : ''}${d.field ? `${d.field}: ` : ''}${d.message}</li>`,
      )}
    </ul>`}
  </div>`;
}

/** "Loading…" as a status. */
export function Loading({ what = 'Loading…' }) {
  return html`<p role="status" class="loading">${what}</p>`;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  try {
    document.execCommand('copy');
  } finally {
    area.remove();
  }
}

/** A button copying `text`, with its own status ("Copied"). */
export function CopyButton({ text, label = 'Copy', ariaLabel }) {
  const [state, setState] = useState('');
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  const onClick = async () => {
    try {
      await copyText(text);
      setState('Copied to the clipboard.');
    } catch {
      setState('Could not copy: select the text and copy it by hand.');
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState(''), 4000);
  };
  return html`<span class="copy">
    <button type="button" onClick=${onClick} aria-label=${ariaLabel}>${label}</button>
    <span role="status" class="copy-status">${state}</span>
  </span>`;
}

/** A secret shown once, with its copy button. */
export function SecretOnce({ title, value, copyLabel = 'Copy token' }) {
  return html`<div class="secret" role="region" aria-label=${title}>
    <p><strong>${title}</strong> — copy it now: it will not be shown again.</p>
    <code class="secret-value">${value}</code>
    <${CopyButton} text=${value} label=${copyLabel} />
  </div>`;
}

/** A two-step destructive button: first click asks, the second does it. */
export function ConfirmButton({ label, confirmLabel, onConfirm, ariaLabel, disabled }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return html`<button type="button" class="danger-quiet" aria-label=${ariaLabel} disabled=${disabled} onClick=${() => setAsking(true)}>${label}</button>`;
  }
  return html`<span class="confirm">
    <button type="button" class="danger" onClick=${() => { setAsking(false); onConfirm(); }}>${confirmLabel}</button>
    <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
  </span>`;
}
