// The logs explorer: query bar + level chips, time range, histogram with
// drag-to-zoom, virtualized rows that expand to their metadata, context,
// export, facets and saved searches. All of its state is in the URL.
// API: GET /projects/:p/logs, /logs/histogram, /logs/facets, /logs/:id/context,
// /logs/export (download), /searches.

import { html, useState, useEffect, useMemo, useRef, useCallback } from '../vendor/htm-preact-standalone.js';
import { api, projectPath, download } from '../api.js';
import { useUrlState, useTitle, useKeyAction } from '../components/hooks.js';
import { ErrorNotice, Select, Status } from '../components/ui.js';
import { QueryBar } from '../components/querybar.js';
import { TimeRangePicker } from '../components/timerange.js';
import { Histogram } from '../components/histogram.js';
import { FacetSidebar } from '../components/facets.js';
import { SavedSearches } from '../components/savedsearches.js';
import { ContextPanel } from '../components/contextpanel.js';
import { VirtualList } from '../components/virtuallist.js';
import { logRow, LogHeader, LogDetails, ROW_HEIGHT } from '../components/logrows.js';
import { searchParams, exportFilename, fieldError } from '../lib/search.js';
import { addTerm } from '../lib/query.js';
import { chooseInterval, absoluteRange } from '../lib/timerange.js';
import { scrollToReveal, moveIndex } from '../lib/virtual.js';
import { formatTotal, formatCount, formatBytes } from '../lib/format.js';

const SCHEMA = {
  q: { type: 'string', default: '' },
  from: { type: 'string', default: 'now-1h' },
  to: { type: 'string', default: 'now' },
  sel: { type: 'int', default: null },
  open: { type: 'int', default: null },
  ctx: { type: 'int', default: null },
  mf: { type: 'list', default: [] },
  fmt: { type: 'string', default: 'ndjson' },
};

const PAGE = 1000;
const MAX_ROWS = 100_000;
const BASE_FACETS = ['level', 'source', 'tags', 'serverId'];

export function LogsView({ project }) {
  useTitle(`Logs · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const [tick, setTick] = useState(0);
  const search = useMemo(() => searchParams(state, Date.now()), [state.q, state.from, state.to, tick]);

  // ---- entries, loaded page by page as the reader scrolls ----
  const [rows, setRows] = useState({ logs: [], total: 0, lowerBound: false, done: false, loading: true, error: null });
  const loadingMore = useRef(false);
  const generation = useRef(0);

  const fetchPage = useCallback(
    async (offset, gen, signal) => {
      const res = await api.get(projectPath(project, '/logs'), { ...search.params, limit: PAGE, offset }, { signal });
      if (gen !== generation.current) return;
      setRows((r) => {
        const logs = offset === 0 ? res.logs : r.logs.concat(res.logs);
        const done = res.logs.length < PAGE || logs.length >= MAX_ROWS || (!res.totalIsLowerBound && logs.length >= res.total);
        return { logs, total: res.total, lowerBound: res.totalIsLowerBound, done, loading: false, error: null };
      });
    },
    [project, search],
  );

  useEffect(() => {
    if (search.error) {
      setRows({ logs: [], total: 0, lowerBound: false, done: true, loading: false, error: null });
      return undefined;
    }
    const ctrl = new AbortController();
    generation.current += 1;
    const gen = generation.current;
    loadingMore.current = false;
    setRows((r) => ({ ...r, loading: true, error: null }));
    fetchPage(0, gen, ctrl.signal).catch((error) => {
      if (error.name !== 'AbortError' && gen === generation.current) setRows({ logs: [], total: 0, lowerBound: false, done: true, loading: false, error });
    });
    return () => ctrl.abort();
  }, [search]);

  const loadMore = () => {
    if (rows.done || rows.loading || loadingMore.current || search.error) return;
    loadingMore.current = true;
    const gen = generation.current;
    setRows((r) => ({ ...r, loading: true }));
    fetchPage(rows.logs.length, gen)
      .catch((error) => gen === generation.current && setRows((r) => ({ ...r, loading: false, error })))
      .finally(() => {
        loadingMore.current = false;
      });
  };

  // ---- histogram ----
  const interval = search.error ? null : chooseInterval(search.toMs - search.fromMs);
  const [hist, setHist] = useState({ data: null, error: null });
  useEffect(() => {
    if (search.error) return undefined;
    const ctrl = new AbortController();
    api
      .get(projectPath(project, '/logs/histogram'), { ...search.params, interval: interval.name }, { signal: ctrl.signal })
      .then((data) => setHist({ data, error: null }), (error) => error.name !== 'AbortError' && setHist({ data: null, error }));
    return () => ctrl.abort();
  }, [search]);

  // ---- facets ----
  const facetFields = useMemo(() => [...BASE_FACETS, ...state.mf.map((k) => `meta.${k}`)], [state.mf.join(',')]);
  const [facets, setFacets] = useState({ data: null, error: null, loading: true });
  useEffect(() => {
    if (search.error) return undefined;
    const ctrl = new AbortController();
    setFacets((f) => ({ ...f, loading: true }));
    api
      .get(projectPath(project, '/logs/facets'), { ...search.params, fields: facetFields.join(','), limit: 10 }, { signal: ctrl.signal })
      .then(
        (data) => setFacets({ data, error: null, loading: false }),
        (error) => error.name !== 'AbortError' && setFacets({ data: null, error, loading: false }),
      );
    return () => ctrl.abort();
  }, [search, facetFields]);

  // Suggestions for the query bar, from the facets and the loaded entries.
  const known = useMemo(() => {
    const f = (facets.data && facets.data.facets) || {};
    const values = (k) => (f[k] || []).map((v) => String(v.value));
    const keys = new Set(state.mf);
    for (const l of rows.logs.slice(0, 200)) if (l.metadata && typeof l.metadata === 'object') Object.keys(l.metadata).forEach((k) => keys.add(k));
    return { sources: values('source'), tags: values('tags'), servers: values('serverId'), metaKeys: [...keys] };
  }, [facets.data, rows.logs.length > 0 ? rows.logs[0] : null]);

  // ---- selection, expansion, keyboard ----
  const logs = rows.logs;
  const selIndex = useMemo(() => (state.sel === null ? -1 : logs.findIndex((l) => l.id === state.sel)), [logs, state.sel]);
  const openIndex = useMemo(() => (state.open === null ? -1 : logs.findIndex((l) => l.id === state.open)), [logs, state.open]);
  const scroller = useRef(null);

  const reveal = (index) => {
    const el = scroller.current;
    if (!el || index < 0) return;
    const extra = openIndex >= 0 ? { index: openIndex, height: el.querySelector('.vrow-details')?.offsetHeight || 0 } : null;
    el.scrollTop = scrollToReveal({ scrollTop: el.scrollTop, viewportHeight: el.clientHeight, rowHeight: ROW_HEIGHT, index, extra });
  };

  const move = (delta) => {
    if (logs.length === 0) return false;
    const next = moveIndex(selIndex, delta, logs.length);
    setState({ sel: logs[next].id }, { replace: true });
    reveal(next);
    if (next >= logs.length - 20) loadMore();
    return true;
  };
  useKeyAction('next', () => move(1));
  useKeyAction('prev', () => move(-1));
  useKeyAction('close', () => {
    if (state.ctx !== null) setState({ ctx: null }, { replace: true });
    else if (state.open !== null) setState({ open: null }, { replace: true });
    else return false;
    return true;
  });

  const toggle = (log) => setState({ sel: log.id, open: state.open === log.id ? null : log.id }, { replace: true });
  // Enter on the grid or its scrolling list (the focusable part), never on
  // a button or field inside the expanded details.
  const onGridKey = (e) => {
    const t = e.target;
    const onControl = t instanceof Element && t !== e.currentTarget && t.closest('button, a, input, select, textarea, summary');
    if (e.key === 'Enter' && selIndex >= 0 && !onControl) {
      e.preventDefault();
      toggle(logs[selIndex]);
    }
  };

  const onTerm = (term) => setState({ q: addTerm(state.q, term), sel: null, open: null });
  const setQuery = (q) => setState({ q, sel: null, open: null, ctx: null });

  // ---- export ----
  const [exportState, setExportState] = useState({ busy: false, message: '', error: null });
  const doExport = async () => {
    if (search.error) return;
    setExportState({ busy: true, message: 'Preparing the export…', error: null });
    try {
      const size = await download(projectPath(project, '/logs/export'), { ...search.params, format: state.fmt }, exportFilename(project, state.fmt));
      setExportState({ busy: false, message: `Export downloaded (${formatBytes(size)}).`, error: null });
    } catch (error) {
      setExportState({ busy: false, message: '', error });
    }
  };

  const queryError = rows.error && rows.error.status === 400 ? fieldError(rows.error, 'q') : null;

  const status = search.error
    ? ''
    : rows.loading && logs.length === 0
      ? 'Searching…'
      : `${formatTotal(rows.total, rows.lowerBound)} matching entries${logs.length ? `, ${formatCount(logs.length)} loaded` : ''}${rows.loading ? ', loading more…' : ''}${
          logs.length >= MAX_ROWS ? '. Showing the first 100,000: narrow the query or export.' : ''
        }`;

  return html`<div class="page logs-page">
    <h1>Logs</h1>
    <${QueryBar} value=${state.q} onSubmit=${setQuery} known=${known} serverError=${queryError} />
    <div class="toolbar">
      <${TimeRangePicker} range=${{ from: state.from, to: state.to }} onChange=${(r) => setState({ ...r, sel: null, open: null })} />
      <button type="button" onClick=${() => setTick(tick + 1)}>Refresh</button>
      <span class="spacer"></span>
      <${Select}
        label="Export format"
        className="inline"
        value=${state.fmt}
        onChange=${(fmt) => setState({ fmt }, { replace: true })}
        options=${[['ndjson', 'NDJSON'], ['csv', 'CSV'], ['json', 'JSON']]}
      />
      <button type="button" onClick=${doExport} disabled=${exportState.busy || !!search.error}>Export</button>
    </div>
    <${Status}>${exportState.message}<//>
    <${ErrorNotice} error=${exportState.error} prefix="Export failed" />
    ${hist.data && interval &&
    html`<${Histogram}
      buckets=${hist.data.buckets}
      fromMs=${search.fromMs}
      toMs=${search.toMs}
      interval=${interval}
      onZoom=${(a, b) => setState({ ...absoluteRange(a, b), sel: null, open: null })}
    />`}
    <${ErrorNotice} error=${hist.error && hist.error.status !== 400 ? hist.error : null} prefix="Histogram unavailable" />
    <div class="explorer">
      <aside class="sidebar" aria-label="Facets and saved searches">
        <${FacetSidebar}
          data=${facets.data}
          error=${facets.error && facets.error.status !== 400 ? facets.error : null}
          loading=${facets.loading}
          fields=${facetFields}
          q=${state.q}
          onTerm=${onTerm}
          metaKeys=${state.mf}
          onMetaKeys=${(mf) => setState({ mf }, { replace: true })}
        />
        <${SavedSearches}
          project=${project}
          current=${{ q: state.q, from: state.from, to: state.to }}
          onApply=${(s) => setState({ q: s.q || '', from: s.from || 'now-1h', to: s.to || 'now', sel: null, open: null, ctx: null })}
        />
      </aside>
      <section class="results" aria-label="Results">
        <${Status} className="results-status">${status}<//>
        <${ErrorNotice} error=${rows.error && !queryError ? rows.error : null} />
        <div role="grid" class="log-grid" aria-label="Log entries" aria-rowcount=${logs.length + 1} onKeyDown=${onGridKey}>
          <${LogHeader} />
          <${VirtualList}
            scrollerRef=${scroller}
            count=${logs.length}
            rowHeight=${ROW_HEIGHT}
            className="log-scroller"
            label="Entries"
            expandedIndex=${openIndex}
            onNearEnd=${loadMore}
            renderRow=${(i) => {
              const log = logs[i];
              return logRow({ key: log.id, log, index: i, selected: i === selIndex, expanded: i === openIndex, onClick: () => toggle(log) });
            }}
            renderDetails=${(i) =>
              html`<${LogDetails}
                log=${logs[i]}
                onFilter=${onTerm}
                onContext=${(id) => setState({ ctx: id }, { replace: true })}
                onClose=${() => setState({ open: null }, { replace: true })}
              />`}
          />
        </div>
        ${!rows.loading && logs.length === 0 && !rows.error && !search.error && html`<p class="empty">No entries match this query in this time range.</p>`}
        ${!rows.done && logs.length > 0 && html`<button type="button" class="load-more" onClick=${loadMore} disabled=${rows.loading}>Load more</button>`}
      </section>
    </div>
    ${state.ctx !== null &&
    html`<${ContextPanel} key=${state.ctx} project=${project} id=${state.ctx} q=${state.q} onClose=${() => setState({ ctx: null }, { replace: true })} />`}
  </div>`;
}
