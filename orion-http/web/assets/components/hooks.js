// Shared hooks: navigation (history.pushState + a change event), view
// state in the query string, async data, debouncing, ids, keyboard
// actions dispatched by the shell.

import { useState, useEffect, useRef, useCallback, useMemo } from '../vendor/htm-preact-standalone.js';
import { decodeState, encodeState } from '../lib/urlstate.js';

const NAV_EVENT = 'orion:navigate';

/** Goes to `url` (a path with an optional query string) inside the app. */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.origin);
  const current = location.pathname + location.search;
  const next = target.pathname + target.search;
  if (next !== current) {
    if (replace) history.replaceState(null, '', next);
    else history.pushState(null, '', next);
  }
  window.dispatchEvent(new Event(NAV_EVENT));
}

/** `{pathname, search}` of the current location, re-rendering on navigation. */
export function useLocation() {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => {
      const next = read();
      setLoc((prev) => (prev.pathname === next.pathname && prev.search === next.search ? prev : next));
    };
    window.addEventListener('popstate', update);
    window.addEventListener(NAV_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAV_EVENT, update);
    };
  }, []);
  return loc;
}

/**
 * The view state kept in the query string.
 * @returns {[object, (patch: object, opts?: {replace?: boolean}) => void]}
 *   `setState` pushes a history entry, or replaces it with `{replace: true}`
 *   (for things like the selected row, so Back is not flooded).
 */
export function useUrlState(schema) {
  const { search } = useLocation();
  const state = useMemo(() => decodeState(search, schema), [search]);
  const schemaRef = useRef(schema);
  const setState = useCallback((patch, opts = {}) => {
    const current = decodeState(location.search, schemaRef.current);
    const next = { ...current, ...patch };
    const qs = encodeState(next, schemaRef.current);
    navigate(location.pathname + (qs ? `?${qs}` : ''), opts);
  }, []);
  return [state, setState];
}

/**
 * Runs `fn(signal)` when `deps` change.
 * @returns {{data, error, loading, reload, setData}}
 */
export function useAsync(fn, deps) {
  const [st, setSt] = useState({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setSt((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(() => fn(ctrl.signal))
      .then(
        (data) => !ctrl.signal.aborted && setSt({ data, error: null, loading: false }),
        (error) => {
          if (ctrl.signal.aborted || (error && error.name === 'AbortError')) return;
          setSt((s) => ({ data: s.data, error, loading: false }));
        },
      );
    return () => ctrl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((data) => setSt((s) => ({ ...s, data: typeof data === 'function' ? data(s.data) : data })), []);
  return { ...st, reload, setData };
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced(value, ms) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Calls `fn` every `ms` while mounted (and `ms` is truthy). */
export function useInterval(fn, ms) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!ms) return undefined;
    const t = setInterval(() => ref.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}

let idCounter = 0;

/** A stable id unique in the page, for `<label for>` and ARIA references. */
export function useId(prefix = 'f') {
  const ref = useRef(null);
  if (ref.current === null) {
    idCounter += 1;
    ref.current = `${prefix}-${idCounter}`;
  }
  return ref.current;
}

export const KEY_EVENT = 'orion:key';

/** Runs `handler()` when the shell dispatches keyboard `action` (`close`, `next`, `prev`). */
export function useKeyAction(action, handler) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const on = (e) => {
      if (e.detail !== action || e.defaultPrevented || !ref.current) return;
      if (ref.current() !== false) e.preventDefault();
    };
    window.addEventListener(KEY_EVENT, on);
    return () => window.removeEventListener(KEY_EVENT, on);
  }, [action]);
}

/** A clock ticking every `ms` (for "5 min ago" labels). */
export function useNow(ms = 15_000) {
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), ms);
  return now;
}

/** Sets the document title while mounted. */
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · Orion` : 'Orion';
  }, [title]);
}
