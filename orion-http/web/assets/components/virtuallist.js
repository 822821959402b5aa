// A virtualized list of fixed-height rows: only the rows in view (plus an
// overscan) are in the DOM, so 100,000 rows scroll like 50. One row may be
// expanded; its details are measured and the rows after it shift down.
// `renderRow(i)` should return a keyed *element* (see logRow in
// logrows.js): Preact 10.5 re-inserts every keyed component child of a
// list when one leaves its front, i.e. the whole window on each scroll step.

import { html, useState, useRef, useEffect, useCallback } from '../vendor/htm-preact-standalone.js';
import { computeWindow, rowTop } from '../lib/virtual.js';

/**
 * @param {{count: number, rowHeight: number, renderRow: (i: number) => any,
 *   expandedIndex?: number, renderDetails?: (i: number) => any,
 *   scrollerRef?: {current: HTMLElement|null}, onScroll?: (el: HTMLElement) => void,
 *   onNearEnd?: () => void, className?: string, label?: string, role?: string}} props
 */
export function VirtualList({
  count,
  rowHeight,
  renderRow,
  expandedIndex = -1,
  renderDetails,
  scrollerRef,
  onScroll,
  onNearEnd,
  className = '',
  label,
  role = 'rowgroup',
  overscan = 10,
}) {
  const own = useRef(null);
  const scroller = scrollerRef || own;
  const [view, setView] = useState({ scrollTop: 0, height: 600 });
  const [detailsHeight, setDetailsHeight] = useState(0);
  const frame = useRef(0);

  const measure = () => {
    const el = scroller.current;
    if (el) setView((v) => (v.scrollTop === el.scrollTop && v.height === el.clientHeight ? v : { scrollTop: el.scrollTop, height: el.clientHeight }));
  };

  useEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (detailsObserver.current) detailsObserver.current.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);

  // The details block is measured whenever it is (re)mounted or resized.
  const detailsObserver = useRef(null);
  const detailsRef = useCallback((node) => {
    // Preact may detach the old node after attaching a new one: only a new
    // node replaces the observer, and a detached node never reports.
    if (!node) return;
    if (detailsObserver.current) detailsObserver.current.disconnect();
    const update = () => {
      if (node.isConnected) setDetailsHeight(node.offsetHeight);
    };
    const ro = new ResizeObserver(update);
    ro.observe(node);
    detailsObserver.current = ro;
    update();
  }, []);

  const handleScroll = () => {
    const el = scroller.current;
    if (!el) return;
    if (onScroll) onScroll(el);
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      measure();
      if (onNearEnd && el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight * 40) onNearEnd();
    });
  };

  const extra = expandedIndex >= 0 && expandedIndex < count ? { index: expandedIndex, height: detailsHeight } : null;
  const win = computeWindow({ scrollTop: view.scrollTop, viewportHeight: view.height, rowHeight, count, overscan, extra });

  const rows = [];
  for (let i = win.start; i < win.end; i += 1) {
    rows.push(renderRow(i));
    if (extra && i === extra.index && renderDetails) {
      rows.push(html`<div key=${`details-${i}`} ref=${detailsRef} class="vrow-details">${renderDetails(i)}</div>`);
    }
  }
  // The expanded row may be outside the window; its details still need a height.
  const detailsOutside = extra && renderDetails && (extra.index < win.start || extra.index >= win.end);

  return html`<div ref=${scroller} class=${`vlist ${className}`} role=${role} aria-label=${label} onScroll=${handleScroll} tabindex="0">
    <div class="vlist-spacer" style=${{ height: `${win.total}px` }}>
      <div class="vlist-rows" style=${{ transform: `translateY(${win.top}px)` }}>${rows}</div>
      ${detailsOutside &&
      html`<div class="vlist-rows" inert=${true} style=${{ transform: `translateY(${rowTop(extra.index + 1, rowHeight, null)}px)` }}>
        <div ref=${detailsRef} class="vrow-details">${renderDetails(extra.index)}</div>
      </div>`}
    </div>
  </div>`;
}
