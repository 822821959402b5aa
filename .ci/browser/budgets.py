"""Issue 10's budgets, measured in the browser and printed (CI asserts no
duration): JavaScript bytes of the logs explorer's first load (gzip, cold
cache), time until its first rows are on screen against the local
server, the time to render a page of 1,000 rows, scrolling them, and
scrolling 100,000 rows loaded through the explorer's own paging (the
bounded DOM of the virtualized list is asserted; its frame times are
printed, not asserted)."""
import datetime as dt, json, time

from harness import ApiError

MARKS_JS = """
window.__marks = {};
new MutationObserver(() => {
  const m = window.__marks;
  if (m.firstRow === undefined && document.querySelector('[role=grid] [role=row][data-id]')) m.firstRow = performance.now();
  if (m.loaded1000 === undefined) {
    const s = [...document.querySelectorAll('[role=status]')].find(e => e.textContent.includes('1,000 loaded'));
    if (s) m.loaded1000 = performance.now();
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def measure(run, browser):
    """Four loads, each in a new browser context (an empty cache, the
    session handed over in sessionStorage as a signed-in tab has it): the
    first after the server started also pays for its one-time compression
    of the assets; the next three give the figures of record."""
    first = load(run, browser)
    run.figures["logs_first_load_first_after_server_start"] = {
        k: first[k] for k in ("first_rows_on_screen_ms", "dom_content_loaded_ms")}
    # Three more, each cold: the median of each figure (a busy machine
    # moves single loads by hundreds of milliseconds), and the fastest.
    run.figures["logs_first_load"] = three_loads(run, browser)
    run.figures["scroll_100k_rows"] = scroll_100k(run, browser)
    with open("/proc/loadavg") as f:   # what else the machine was doing
        run.figures["load_average_1m"] = float(f.read().split()[0])


def three_loads(run, browser):
    loads = [load(run, browser) for _ in range(3)]
    figures = {k: sorted(x[k] for x in loads)[1] for k in loads[0]}
    figures["first_rows_on_screen_ms_fastest"] = min(x["first_rows_on_screen_ms"] for x in loads)
    return figures


def load(run, browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.add_init_script(f"sessionStorage.setItem('orion.session', {json.dumps(run.jwt)});")
    ctx.add_init_script(MARKS_JS)
    page = run.watch(ctx.new_page())
    page.goto(f"{run.base}/p/{run.project}/logs?from=now-24h")
    page.wait_for_function("() => window.__marks.loaded1000 !== undefined", timeout=30000)
    page.wait_for_load_state("networkidle")
    r = page.evaluate("""() => {
      const res = performance.getEntriesByType('resource');
      const js = res.filter(e => new URL(e.name).pathname.endsWith('.js'));
      const logs = res.filter(e => /\\/api\\/projects\\/[^/]+\\/logs\\?/.test(e.name)).sort((a, b) => a.startTime - b.startTime)[0];
      const nav = performance.getEntriesByType('navigation')[0];
      const m = window.__marks;
      return {
        jsFiles: js.length,
        jsGzipBytes: js.reduce((n, e) => n + e.encodedBodySize, 0),
        jsTransferBytes: js.reduce((n, e) => n + e.transferSize, 0),
        jsDecodedBytes: js.reduce((n, e) => n + e.decodedBodySize, 0),
        jsFromCache: js.filter(e => e.transferSize === 0).length,
        domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
        firstRowsMs: Math.round(m.firstRow),
        logsResponseEndMs: Math.round(logs.responseEnd),
        logsRequestMs: Math.round(logs.responseEnd - logs.startTime),
        render1000Ms: Math.round(m.loaded1000 - logs.responseEnd),
      };
    }""")
    # Scrolling the 1,000 loaded rows (virtualized): the longest frame.
    grid = page.get_by_role("grid", name="Log entries")
    grid.get_by_role("rowgroup", name="Entries").hover()
    page.evaluate("""() => { window.__frames = {max: 0, last: performance.now(), on: true};
      const tick = (t) => { const f = window.__frames; if (!f.on) return; f.max = Math.max(f.max, t - f.last); f.last = t; requestAnimationFrame(tick); };
      requestAnimationFrame(tick); }""")
    for _ in range(40):
        page.mouse.wheel(0, 800)
        page.wait_for_timeout(16)
    scroll = page.evaluate("() => { window.__frames.on = false; return Math.round(window.__frames.max); }")
    figures = {
        "js_files": r["jsFiles"], "js_gzip_bytes": r["jsGzipBytes"], "js_transfer_bytes": r["jsTransferBytes"],
        "js_uncompressed_bytes": r["jsDecodedBytes"], "js_files_from_cache": r["jsFromCache"],
        "dom_content_loaded_ms": r["domContentLoadedMs"], "first_rows_on_screen_ms": r["firstRowsMs"],
        "logs_api_request_ms": r["logsRequestMs"], "render_1000_rows_ms": r["render1000Ms"], "scroll_1000_rows_longest_frame_ms": scroll,
    }
    assert r["jsFromCache"] == 0, "a cold cache"
    ctx.close()
    return figures


ROWS_100K = 100_000
BATCH = 10_000   # POST /agent/log takes at most 10,000 entries a request
LEVELS = ("info", "info", "info", "debug", "warn", "error")


def seed_100k(run):
    """100,000 entries in a project of their own (the first-load figures
    above keep their ~5,150), spread over the last 23 hours, sent in
    batches of 10,000 through the ingest API."""
    run.api("POST", "/projects", body={"name": "scroll"})
    token = run.api("POST", "/projects/scroll/sources", body={"name": "bulk"})["token"]
    end = time.time() - 60
    t0 = time.monotonic()
    for b in range(ROWS_100K // BATCH):
        batch = []
        for k in range(BATCH):
            i = b * BATCH + k
            at = dt.datetime.fromtimestamp(end - (ROWS_100K - i) * 0.8, dt.timezone.utc)
            batch.append({"message": f"GET /api/items/{i % 997} 200 in {i % 300} ms (request {i})",
                          "level": LEVELS[i % len(LEVELS)], "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                          "metadata": {"request": i}})
        for attempt in range(20):
            try:
                run.api("POST", "/agent/log", token=token, body=batch)
                break
            except ApiError as e:   # 429: the write queue is full, nothing stored; retry
                if e.status != 429 or attempt == 19:
                    raise
                time.sleep(0.5)
    return round(time.monotonic() - t0, 1)


# Loads every page as a reader would: scroll to the end of the list, the
# list asks for the next 1,000 (onNearEnd), until the explorer stops at
# its 100,000-row cap.
LOAD_ALL_JS = """async (want) => {
  const scroller = document.querySelector('[role=grid][aria-label="Log entries"] [role=rowgroup][aria-label=Entries]');
  const status = () => [...document.querySelectorAll('[role=status]')].map(e => e.textContent).find(t => t.includes('matching entries')) || '';
  const loaded = () => { const m = /([\\d,]+) loaded/.exec(status()); return m ? Number(m[1].replace(/,/g, '')) : 0; };
  const t0 = performance.now();
  let last = -1, since = performance.now();
  while (loaded() < want || status().includes('loading more')) {
    if (performance.now() - since > 30000) throw new Error('no new rows for 30 s at ' + loaded() + ': ' + status());
    if (loaded() !== last) { last = loaded(); since = performance.now(); }
    scroller.scrollTop = scroller.scrollHeight;
    await new Promise(r => setTimeout(r, 20));
  }
  return {loaded: loaded(), ms: Math.round(performance.now() - t0), pages: Math.ceil(loaded() / 1000)};
}"""

# Scrolls the list from `from` to `to` (fractions of its scroll range) in
# `frames` animation frames, moving scrollTop once a frame, timing each
# frame and counting the row elements in the DOM.
SCROLL_JS = """({frames, from, to}) => new Promise((resolve) => {
  const scroller = document.querySelector('[role=grid][aria-label="Log entries"] [role=rowgroup][aria-label=Entries]');
  const rowsInDom = () => scroller.querySelectorAll('[role=row][data-id]').length;
  const range = scroller.scrollHeight - scroller.clientHeight;
  const a = Math.round(range * from), b = Math.round(range * to);
  scroller.scrollTop = a;
  const deltas = [];
  let maxRows = rowsInDom(), k = 0, last = null, added = 0;
  const mo = new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes) if (n.nodeType === 1 && n.matches('[role=row][data-id]')) added += 1; });
  mo.observe(scroller, {subtree: true, childList: true});
  const tick = (t) => {
    if (last !== null) deltas.push(t - last);
    last = t;
    maxRows = Math.max(maxRows, rowsInDom());
    if (k > frames) {
      const indexes = [...scroller.querySelectorAll('[role=row][aria-rowindex]')].map(r => Number(r.getAttribute('aria-rowindex')));
      mo.disconnect();
      resolve({deltas, maxRows, added, px: Math.abs(b - a), lastRowIndex: Math.max(...indexes)});
      return;
    }
    scroller.scrollTop = Math.round(a + ((b - a) * k) / frames);
    k += 1;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def frame_figures(r):
    d = sorted(r["deltas"])
    p = lambda q: d[min(len(d) - 1, int(q * len(d)))]
    frame = p(0.5)   # the display's frame interval as the browser paces rAF (16.7 ms at 60 Hz)
    return {"px": r["px"], "rows_inserted": r["added"], "frames": len(d), "frame_p50_ms": round(p(0.5), 1), "frame_p95_ms": round(p(0.95), 1),
            "frame_max_ms": round(d[-1], 1), "dropped_frames": sum(max(0, round(x / frame) - 1) for x in r["deltas"])}


def scroll_100k(run, browser):
    seed_s = seed_100k(run)
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.add_init_script(f"sessionStorage.setItem('orion.session', {json.dumps(run.jwt)});")
    page = run.watch(ctx.new_page())
    page.goto(f"{run.base}/p/scroll/logs?from=now-24h")
    grid = page.get_by_role("grid", name="Log entries")
    grid.get_by_role("row").filter(has_text="(request 99999)").wait_for()
    loaded = page.evaluate(LOAD_ALL_JS, ROWS_100K)
    assert loaded["loaded"] == ROWS_100K, loaded
    page.get_by_role("region", name="Results").get_by_role("status").filter(
        has_text="100,000 loaded. Showing the first 100,000").wait_for()
    page.wait_for_timeout(500)   # let the last page's render and GC settle
    # Two scrolls, each timed frame by frame: the whole list, top to
    # bottom in 600 frames (like dragging the scrollbar from end to end:
    # about 167 rows a frame, every frame a window of rows that were not in
    # the DOM), then 300 frames at 120 px a frame (a fast wheel, 7,200 px/s)
    # from the middle.
    drag = page.evaluate(SCROLL_JS, {"frames": 600, "from": 0, "to": 1})
    assert drag["lastRowIndex"] == ROWS_100K + 1, drag["lastRowIndex"]   # it reached the last row (index 1 is the header)
    middle = 0.5
    wheel = page.evaluate(SCROLL_JS, {"frames": 300, "from": middle, "to": middle + 300 * 120 / (ROWS_100K * 28)})
    # Virtualized: the DOM holds the rows in view plus the overscan, never
    # a number that grows with the list (the one assertion here).
    most = max(drag["maxRows"], wheel["maxRows"])
    assert most <= 200, f"{most} row elements in the DOM while scrolling 100,000 rows"
    # A scroll step inserts the rows that came into view, not the whole
    # window again (Preact 10.5 re-inserted every keyed component child;
    # the rows are keyed elements): about 4.3 rows a 120 px step.
    entering = wheel["px"] / 28
    assert wheel["added"] <= 2 * entering + 50, f"{wheel['added']} rows inserted for {entering:.0f} that came into view"
    ctx.close()
    return {
        "rows": loaded["loaded"], "seed_s": seed_s, "load_all_pages_ms": loaded["ms"], "pages": loaded["pages"],
        "max_row_elements_in_dom": most,
        "end_to_end_600_frames": frame_figures(drag), "wheel_120px_per_frame": frame_figures(wheel),
    }
