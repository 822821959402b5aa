"""Issue 10's budgets, measured in the browser and printed (CI asserts no
duration): JavaScript bytes of the logs explorer's first load (gzip, cold
cache), time until its first rows are on screen against the local
server, the time to render a page of 1,000 rows, and scrolling them."""
import json

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
