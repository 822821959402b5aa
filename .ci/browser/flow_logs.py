"""The logs explorer: entries sent through the API appear; the query bar and
a facet narrow them; the URL restores the view in a new tab; a row's
metadata expands (and filters); context shows the exact neighbours;
export downloads the current query; HTML in a message and in a metadata
key is shown as text and runs nothing."""
import datetime as dt, json, re, time

from playwright.sync_api import expect

EVIL = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
EVIL_KEY = '<script>window.__pwned=3</script>'


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_text(page):
    return page.get_by_role("region", name="Results").get_by_role("status").first


def send_entries(run):
    base = time.time() - 20 * 60
    orders = [{"message": f"order {i} placed", "level": "info", "timestamp": iso(base + 2 * i), "tags": ["shop"],
               "metadata": {"order": {"id": i, "total": 10.5 * i}, "region": "eu" if i % 2 else "us"}}
              for i in range(1, 31)]
    run.api("POST", "/agent/log", token=run.source_token, body=orders)   # the source token: source checkout
    errors = [{"message": f"payment declined {i}", "level": "error", "source": "payments",
               "timestamp": iso(base + 100 + 2 * i), "metadata": {"status": 402, "card": "visa"}} for i in range(1, 11)]
    warns = [{"message": f"slow query {i}", "level": "warn", "source": "db", "timestamp": iso(base + 200 + i),
              "tags": ["sql"]} for i in range(1, 6)]
    run.api("POST", "/agent/log", token=run.api_token, body=errors + warns)
    run.api("POST", "/agent/log", token=run.api_token, body={
        "message": EVIL, "level": "error", "source": "web", "timestamp": iso(time.time() - 5),
        "metadata": {EVIL: "v", EVIL_KEY: EVIL}})
    run.total = 46


def entries_appear(run):
    page = run.page
    send_entries(run)
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Logs").click()
    expect(page.get_by_role("heading", name="Logs", level=1)).to_be_visible()
    expect(status_text(run.page)).to_contain_text(f"{run.total} matching entries")
    grid = page.get_by_role("grid", name="Log entries")
    expect(grid.get_by_role("row").filter(has_text="payment declined 10")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"Log entries over time by level, 46 in"))).to_be_visible()
    facets = page.get_by_role("region", name="Facets")
    expect(facets.get_by_role("button", name=re.compile(r"^checkout\s+30$"))).to_be_visible()
    run.shot("logs")


def query_and_facet_narrow(run):
    page = run.page
    bar = page.get_by_role("combobox", name="Search logs")
    page.keyboard.press("Escape")
    page.locator("body").press("/")      # `/` focuses the query bar
    expect(bar).to_be_focused()
    bar.fill("level:error")
    bar.press("Enter")
    expect(status_text(page)).to_contain_text("11 matching entries")
    expect(page.get_by_role("group", name="Level filters").get_by_role("button", name="error")).to_have_attribute("aria-pressed", "true")
    # A bad query shows the tokenizer's problem while typing, and runs nothing.
    bar.fill('level:error "unclosed')
    expect(page.get_by_role("alert").filter(has_text="Query problem")).to_be_visible()
    bar.fill("level:error")
    bar.press("Enter")
    # The facet narrows further: a click includes the value.
    source = page.get_by_role("region", name="Facets").get_by_role("region", name="Source")
    source.get_by_role("button", name=re.compile(r"^payments\s+10$")).click()
    expect(status_text(page)).to_contain_text("10 matching entries")
    expect(bar).to_have_value("level:error source:payments")
    expect(page.get_by_role("list", name="Query terms").get_by_role("listitem")).to_have_count(2)
    assert "q=level%3Aerror+source%3Apayments" in page.url or "q=level%3Aerror%20source%3Apayments" in page.url, page.url
    grid = page.get_by_role("grid", name="Log entries")
    expect(grid.get_by_role("row").filter(has_text="order")).to_have_count(0)
    run.shot("logs-filtered")


def url_restores_view_in_new_tab(run):
    page = run.page
    url = page.url
    with run.context.expect_page() as info:
        page.evaluate("url => window.open(url)", url)   # a new tab keeps the tab's session (sessionStorage)
    tab = run.watch(info.value)
    tab.wait_for_load_state()
    expect(tab.get_by_role("heading", name="Logs", level=1)).to_be_visible()
    expect(tab.get_by_role("combobox", name="Search logs")).to_have_value("level:error source:payments")
    expect(status_text(tab)).to_contain_text("10 matching entries")
    assert tab.url == url, (tab.url, url)
    tab.close()


def metadata_expands(run):
    page = run.page
    grid = page.get_by_role("grid", name="Log entries")
    grid.get_by_role("row").filter(has_text="payment declined 7").click()
    row = grid.get_by_role("row", expanded=True)
    expect(row).to_contain_text("payment declined 7")
    details = grid.get_by_role("row", name=re.compile(r"^Details of entry \d+$"))
    expect(details).to_be_visible()
    tree = details.get_by_role("list", name="Metadata")
    expect(tree).to_contain_text("status")
    expect(tree).to_contain_text("402")
    assert "open=" in page.url, "the expanded row is in the URL"
    run.shot("logs-details")
    # "Filter for" on a metadata field adds its term.
    tree.get_by_role("button", name="Filter for status").click()
    expect(page.get_by_role("combobox", name="Search logs")).to_have_value("level:error source:payments meta.status=402")
    expect(status_text(page)).to_contain_text("10 matching entries")


def context_shows_neighbours(run):
    page = run.page
    bar = page.get_by_role("combobox", name="Search logs")
    bar.fill('"order 15 "')
    bar.press("Enter")
    expect(status_text(page)).to_contain_text("1 matching entries")
    grid = page.get_by_role("grid", name="Log entries")
    grid.get_by_role("row").filter(has_text="order 15 placed").click()
    grid.get_by_role("button", name="Show context").click()
    panel = page.get_by_role("region", name=re.compile(r"^Context of entry \d+$"))
    expect(panel).to_be_visible()
    # It opens below the results: focus moves to its title, the entry is in view.
    expect(panel.get_by_role("heading", name=re.compile(r"^Context of entry"))).to_be_focused()
    expect(panel.get_by_role("row").filter(has_text="order 15 placed")).to_be_in_viewport()
    table = panel.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="order 15 placed")).to_have_attribute("aria-current", "true")
    rows = table.get_by_role("row").all_inner_texts()[1:]   # without the header
    i = next(k for k, t in enumerate(rows) if "order 15 placed" in t)
    assert "order 14 placed" in rows[i - 1] and "order 16 placed" in rows[i + 1], rows[i - 1:i + 2]
    # Exact: every neighbour in reading order, nothing skipped or repeated.
    numbers = [int(m.group(1)) for t in rows for m in [re.search(r"order (\d+) placed", t)] if m]
    assert numbers == list(range(1, 31)), numbers
    run.shot("logs-context")
    panel.get_by_role("button", name="Close context").click()
    expect(panel).to_have_count(0)


def export_downloads_query(run):
    page = run.page
    bar = page.get_by_role("combobox", name="Search logs")
    bar.fill("level:error source:payments")
    bar.press("Enter")
    expect(status_text(page)).to_contain_text("10 matching entries")
    page.get_by_label("Export format").select_option("ndjson")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    d = info.value
    assert d.suggested_filename == f"{run.project}-logs.ndjson", d.suggested_filename
    lines = [json.loads(line) for line in open(d.path()).read().splitlines() if line.strip()]
    assert len(lines) == 10, len(lines)
    assert all(e["level"] == "error" and e["source"] == "payments" for e in lines)
    expect(page.get_by_role("status").filter(has_text="Export downloaded")).to_be_visible()
    page.get_by_label("Export format").select_option("csv")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    csv = open(info.value.path()).read().splitlines()
    assert info.value.suggested_filename.endswith(".csv") and len(csv) == 11, csv[:2]


def html_is_text(run):
    page = run.page
    page.get_by_role("combobox", name="Search logs").fill("source:web")
    page.get_by_role("combobox", name="Search logs").press("Enter")
    grid = page.get_by_role("grid", name="Log entries")
    row = grid.get_by_role("row").filter(has_text=EVIL)
    expect(row).to_be_visible()
    row.click()
    details = grid.get_by_role("row", name=re.compile(r"^Details of entry \d+$"))
    expect(details.get_by_role("list", name="Metadata").get_by_text(EVIL_KEY, exact=True)).to_be_visible()
    expect(details.get_by_role("list", name="Metadata").get_by_text(EVIL, exact=True)).to_be_visible()
    # And in the facet sidebar and the query suggestions (metadata keys).
    run.shot("logs-html-as-text")
    assert page.evaluate("() => window.__pwned") is None, "user HTML ran"
    assert page.locator("img[src=x]").count() == 0, "user HTML became an element"
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src)")
    assert all("/assets/" in s for s in scripts), scripts


def keyboard_back_and_zoom(run):
    page = run.page
    bar = page.get_by_role("combobox", name="Search logs")
    bar.fill("level:error source:payments")
    bar.press("Enter")
    expect(status_text(page)).to_contain_text("10 matching entries")
    grid = page.get_by_role("grid", name="Log entries")
    # j / k move between rows, Enter expands the selected one, Esc closes it.
    grid.get_by_role("rowgroup", name="Entries").focus()
    page.keyboard.press("j")
    expect(grid.get_by_role("row", selected=True)).to_contain_text("payment declined 10")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(grid.get_by_role("row", selected=True)).to_contain_text("payment declined 9")
    page.keyboard.press("Enter")
    expect(grid.get_by_role("row", expanded=True)).to_contain_text("payment declined 9")
    expect(grid.get_by_role("row", name=re.compile(r"^Details of entry \d+$"))).to_be_visible()
    page.keyboard.press("Escape")
    expect(grid.get_by_role("row", name=re.compile(r"^Details of entry \d+$"))).to_have_count(0)
    # Back returns to the previous query (each query is a history entry).
    bar.fill("level:warn")
    bar.press("Enter")
    expect(status_text(page)).to_contain_text("5 matching entries")
    page.go_back()
    expect(bar).to_have_value("level:error source:payments")
    expect(status_text(page)).to_contain_text("10 matching entries")
    # Dragging across the histogram zooms the time range into the URL.
    chart = page.get_by_role("img", name=re.compile(r"^Log entries over time by level"))
    box = chart.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.95, y, steps=8)
    page.mouse.up()
    page.wait_for_url(re.compile(r".*[?&]from=20\d\d-.*"), timeout=10000)
    expect(page.get_by_role("group", name="Time range").get_by_role("button", name="1h")).to_have_attribute("aria-pressed", "false")
    page.get_by_role("group", name="Time range").get_by_role("button", name="1h").click()
    expect(status_text(page)).to_contain_text("10 matching entries")


def theme_toggle(run):
    page = run.page
    theme = "() => getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(theme)
    page.get_by_role("button", name="Toggle theme").click()
    dark = page.evaluate(theme)
    assert dark != light, (light, dark)
    page.reload()
    expect(page.get_by_role("heading", name="Logs", level=1)).to_be_visible()
    assert page.evaluate(theme) == dark, "the chosen theme is kept"
    page.get_by_role("button", name="Toggle theme").click()
    assert page.evaluate(theme) == light
    # Back to following the system setting, for the other screenshots.
    page.evaluate("() => localStorage.removeItem('orion.theme')")
    page.reload()


def saved_searches(run):
    page = run.page
    bar = page.get_by_role("combobox", name="Search logs")
    bar.fill("level:error source:payments")
    bar.press("Enter")
    saved = page.get_by_role("region", name="Saved searches")
    saved.get_by_label("Search name").fill("Declined <b>payments</b>")
    saved.get_by_role("button", name="Save search").click()
    expect(saved.get_by_role("status").filter(has_text="Declined <b>payments</b>")).to_be_visible()
    stored = run.api("GET", f"/projects/{run.project}/searches")
    stored = stored if isinstance(stored, list) else stored.get("searches", [])
    assert [(x["name"], x["q"]) for x in stored] == [("Declined <b>payments</b>", "level:error source:payments")], stored
    bar.fill("")
    bar.press("Enter")
    expect(status_text(page)).to_contain_text(f"{run.total}")
    saved.get_by_role("button", name="Declined <b>payments</b>", exact=True).click()
    expect(bar).to_have_value("level:error source:payments")
    expect(status_text(page)).to_contain_text("10 matching entries")
    run.shot("logs-saved-search")
    # Rename (PUT …/searches/:id): the query and range stay as saved.
    saved.get_by_role("button", name="Rename saved search Declined <b>payments</b>").click()
    form = saved.get_by_role("form", name="Rename saved search Declined <b>payments</b>")
    expect(form.get_by_label("New name")).to_be_focused()
    expect(form.get_by_label("New name")).to_have_value("Declined <b>payments</b>")
    form.get_by_label("New name").fill("Card <i>declines</i>")
    run.shot("logs-saved-search-rename")
    form.get_by_role("button", name="Save name").click()
    expect(saved.get_by_role("status").filter(has_text="Saved search Declined <b>payments</b> renamed to Card <i>declines</i>.")).to_be_visible()
    expect(saved.get_by_role("button", name="Card <i>declines</i>", exact=True)).to_be_visible()
    expect(saved.get_by_role("button", name="Declined <b>payments</b>", exact=True)).to_have_count(0)
    after = run.api("GET", f"/projects/{run.project}/searches")
    assert [(x["id"], x["name"], x["q"], x["from"], x["to"]) for x in after] == \
        [(stored[0]["id"], "Card <i>declines</i>", "level:error source:payments", stored[0]["from"], stored[0]["to"])], after
    # Cancel leaves it as it is.
    saved.get_by_role("button", name="Rename saved search Card <i>declines</i>").click()
    saved.get_by_label("New name").fill("never saved")
    saved.get_by_role("button", name="Cancel").click()
    expect(saved.get_by_role("button", name="Card <i>declines</i>", exact=True)).to_be_visible()
    saved.get_by_role("button", name="Card <i>declines</i>", exact=True).click()
    expect(bar).to_have_value("level:error source:payments")
    saved.get_by_role("button", name="Delete saved search Card <i>declines</i>").click()
    saved.get_by_role("button", name="Delete Card <i>declines</i>").click()
    expect(saved.get_by_role("button", name="Card <i>declines</i>", exact=True)).to_have_count(0)


FLOWS = [
    ("entries sent through the API appear", entries_appear),
    ("the query bar and a facet narrow them", query_and_facet_narrow),
    ("the URL restores the view in a new tab", url_restores_view_in_new_tab),
    ("a row's metadata expands", metadata_expands),
    ("context shows its neighbours", context_shows_neighbours),
    ("export downloads the current query", export_downloads_query),
    ("HTML in a message and a metadata key is text", html_is_text),
    ("keyboard (j, k, Enter, Esc), Back, histogram drag-to-zoom", keyboard_back_and_zoom),
    ("saved searches, on the server", saved_searches),
    ("the theme toggle, kept across a reload", theme_toggle),
]
