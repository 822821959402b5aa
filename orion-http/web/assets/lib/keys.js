// Keyboard shortcuts: `/` focuses the query bar, `Esc` closes panels,
// `j` / `k` move between rows. Pure: takes a description of the event.

/**
 * The action of a keydown, or null.
 * @param {{key:string, ctrlKey?:boolean, metaKey?:boolean, altKey?:boolean,
 *   inField?:boolean}} ev  `inField`: focus is in a text field, select or
 *   editable element (there only Esc acts, so typing `j` stays typing).
 * @returns {'focus-query'|'close'|'next'|'prev'|null}
 */
export function keyAction(ev) {
  if (ev.key === 'Escape') return 'close';
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.inField) return null;
  if (ev.key === '/') return 'focus-query';
  if (ev.key === 'j') return 'next';
  if (ev.key === 'k') return 'prev';
  return null;
}

/** True for an element where typed characters are text (by tag / type / editability). */
export function isTextEntry(tagName, type, isContentEditable) {
  if (isContentEditable) return true;
  const tag = String(tagName || '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const t = String(type || 'text').toLowerCase();
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(t);
}
