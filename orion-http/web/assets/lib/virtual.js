// Window math of a virtualized list of fixed-height rows, where one row
// may be expanded with `extra` pixels below it (its details). Only the
// rows in view (plus `overscan` each side) are rendered, so 100,000 rows
// cost as much as 50. Pure.

/** The pixel offset of row `index`. */
export function rowTop(index, rowHeight, extra = null) {
  const base = index * rowHeight;
  if (extra && extra.index >= 0 && index > extra.index) return base + extra.height;
  return base;
}

/** The total height of `count` rows. */
export function totalHeight(count, rowHeight, extra = null) {
  const hasExtra = extra && extra.index >= 0 && extra.index < count;
  return count * rowHeight + (hasExtra ? extra.height : 0);
}

/** The index of the row covering pixel `offset` (clamped to the list). */
export function indexAt(offset, rowHeight, count, extra = null) {
  if (count <= 0) return 0;
  let y = Math.max(0, offset);
  if (extra && extra.index >= 0 && extra.index < count) {
    const expandedEnd = (extra.index + 1) * rowHeight + extra.height;
    if (y >= expandedEnd) y -= extra.height;
    else if (y >= (extra.index + 1) * rowHeight) return extra.index;
  }
  return Math.min(count - 1, Math.floor(y / rowHeight));
}

/**
 * The rows to render.
 * @returns {{start:number, end:number, top:number, total:number}}
 *   rows `start` (inclusive) to `end` (exclusive); `top` is the offset of
 *   row `start`; `total` the height of the whole list.
 */
export function computeWindow({ scrollTop, viewportHeight, rowHeight, count, overscan = 8, extra = null }) {
  const total = totalHeight(count, rowHeight, extra);
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, top: 0, total };
  const first = indexAt(scrollTop, rowHeight, count, extra);
  const last = indexAt(scrollTop + Math.max(0, viewportHeight) - 1, rowHeight, count, extra);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, last + 1 + overscan);
  return { start, end, top: rowTop(start, rowHeight, extra), total };
}

/**
 * The scroll offset that brings row `index` fully into view with the least
 * movement (the current one when it already is).
 */
export function scrollToReveal({ scrollTop, viewportHeight, rowHeight, index, extra = null }) {
  const top = rowTop(index, rowHeight, extra);
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** True when a scroller is at (or within `slack` px of) its bottom. */
export function isAtBottom(scrollTop, viewportHeight, scrollHeight, slack = 4) {
  return scrollTop + viewportHeight >= scrollHeight - slack;
}

/** The index after moving `delta` rows from `current` (−1 = none), clamped. */
export function moveIndex(current, delta, count) {
  if (count <= 0) return -1;
  if (current < 0) return delta > 0 ? 0 : count - 1;
  return Math.max(0, Math.min(count - 1, current + delta));
}
