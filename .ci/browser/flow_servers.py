"""Servers: a heartbeat sent through the API (the reference's shape) shows
on the servers screen; a Restart button queues the command (checked
through the agent's API) and shows the agent's acknowledgement; an agent
alert shows on the incidents screen; three crash reports with their
context make one incident whose context, count and state show, with the
status filter in the URL, and Resolve resolves it. HTML in a context line
is text."""
import datetime as dt, re

from playwright.sync_api import expect

HEARTBEAT = {  # API.md: the body as documented, with the optional extensions
    "uptime": 86400,
    "cpu": {"percent": 12.5},
    "ram": {"usedMb": 1024, "totalMb": 4096, "percent": 25},
    "disk": {"usedGb": 20, "totalGb": 100, "percent": 20},
    "network": {"rxBytesPerSec": 1024, "txBytesPerSec": 512},
    "scripts": [{"name": "api", "status": "running"}, {"name": "worker", "status": "crashed"}],
}


def heartbeat_shows(run):
    page = run.page
    reg = run.api("POST", "/agent/register", body={
        "serverId": "web-1", "displayName": "Web 1", "hostname": "web-1.local", "platform": "linux",
        "arch": "x86_64", "projectName": run.project})
    run.agent_token = reg["token"]
    # A few minutes of history (for the sparklines and charts), none at 2
    # and 1 minutes ago (the agent was down: a gap), then now.
    for ago in (5, 4, 3, 0):
        at = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        beat = dict(HEARTBEAT, cpu={"percent": 12.5 + 6 * ago}) if ago else HEARTBEAT
        assert run.api("POST", "/agent/heartbeat", token=run.agent_token, body={"timestamp": at, **beat}) == {"ok": True}
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Servers").click()
    expect(page.get_by_role("heading", name="Servers", level=1)).to_be_visible()
    table = page.get_by_role("table", name=f"Servers of {run.project}")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"^Web 1")))
    expect(row).to_contain_text("Online")
    expect(row).to_contain_text("12.5%")
    expect(row).to_contain_text("25.0%")
    expect(row.get_by_role("list", name="Scripts of Web 1")).to_contain_text("running api")
    spark = row.get_by_role("img", name="CPU of Web 1, last hour")
    expect(spark).to_be_visible()
    # /servers/metrics leaves the two empty minutes out; the sparkline
    # breaks there (two stretches) instead of joining across them.
    line = spark.locator("path").last.get_attribute("d")
    assert line.count("M") == 2, line
    run.shot("servers")


def restart_queues_command(run):
    page = run.page
    page.get_by_role("link", name="Web 1").click()
    expect(page.get_by_role("heading", name="Web 1", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^CPU, RAM and disk percent of web-1"))).to_be_visible()
    page.get_by_role("button", name="Restart api").click()
    expect(page.get_by_role("status").filter(has_text=re.compile(r"Restart api: sent, waiting for the agent"))).to_be_visible()
    pending = run.api("GET", "/agent/commands", token=run.agent_token)
    assert [(c["type"], c["scriptName"]) for c in pending] == [("restart", "api")], pending
    history = page.get_by_role("region", name="Command history").get_by_role("table")
    expect(history.get_by_role("row").filter(has_text="restart")).to_contain_text("pending")
    # The agent acknowledges: the page shows the result without a reload.
    run.api("POST", f"/agent/commands/{pending[0]['id']}/ack", token=run.agent_token,
            body={"status": "ok", "output": "restarted in 0.4 s"})
    expect(page.get_by_role("status").filter(has_text="Restart api: done — restarted in 0.4 s.")).to_be_visible(timeout=10000)
    run.shot("server")


def incident_shows(run):
    page = run.page
    run.api("POST", "/agent/alert", token=run.agent_token, body={
        "event": "crash", "message": "worker exited with code 1 <b>bold?</b>", "scriptName": "worker",
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")})
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Incidents").click()
    expect(page.get_by_role("heading", name="Incidents", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Incidents, newest first")
    expect(table.get_by_role("row").filter(has_text="worker exited with code 1 <b>bold?</b>")).to_be_visible()
    run.shot("incidents")


EVIL_LINE = '<img src=x onerror="window.__pwned=4">'
EVIL_SCRIPT = '<script>window.__pwned=5</script>'


def now_iso(offset_s=0.0):
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def crash_report(restarts):
    return {"event": "script_crash", "message": f"billing exited with code 2 (restart {restarts})", "scriptName": "billing",
            "timestamp": now_iso(), "context": {
                "lines": [{"timestamp": now_iso(-0.3), "stream": "stdout", "line": f"charging invoice {restarts}"},
                          {"timestamp": now_iso(-0.2), "stream": "stdout", "line": EVIL_LINE},
                          {"timestamp": now_iso(-0.1), "stream": "stderr", "line": f"panic: disk full {EVIL_SCRIPT}"}],
                "metrics": {"timestamp": now_iso(-5), "cpu": {"percent": 97.5}, "ram": {"usedMb": 3072, "totalMb": 4096},
                            "disk": {"usedGb": 99, "totalGb": 100}, "loadAverage": [3.5, 2.25, 1.0]},
                "exitCode": 2, "signal": None, "restarts": restarts}}


def incident_context_and_resolve(run):
    page = run.page
    for restarts in (1, 2, 3):   # three quick crashes: one incident, count 3, the newest context
        run.api("POST", "/agent/alert", token=run.agent_token, body=crash_report(restarts))
    page.get_by_role("button", name="Refresh").click()
    # The status filter is in the URL.
    page.get_by_label("Show").select_option("open")
    page.wait_for_url(re.compile(r".*[?&]status=open"))
    table = page.get_by_role("table", name="Incidents, newest first")
    row = table.get_by_role("row").filter(has_text="billing exited with code 2 (restart 3)")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Open")
    expect(table.get_by_role("row").filter(has_text="billing")).to_have_count(1)
    cells = row.get_by_role("cell").all_inner_texts()
    assert "3" in cells, cells   # the count
    incident = next(i for i in run.api("GET", f"/projects/{run.project}/incidents?status=open") if i["scriptName"] == "billing")
    assert incident["count"] == 3, incident
    row.get_by_role("button", name=f"Details of incident {incident['id']}").click()
    panel = page.get_by_role("region", name=f"Incident {incident['id']}: script_crash of billing on web-1")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name=re.compile(r"^Incident \d+:"))).to_be_focused()
    assert f"sel={incident['id']}" in page.url, page.url
    expect(panel).to_contain_text("3 reports")
    expect(panel).to_contain_text("exit code 2")
    expect(panel).to_contain_text("97.5%")
    expect(panel).to_contain_text("75.0% (3.0 GiB of 4.0 GiB)")
    expect(panel).to_contain_text("3.50 2.25 1.00")
    lines = panel.get_by_role("table", name="Last lines before the crash (3)")
    rows = lines.get_by_role("row").all_inner_texts()[1:]
    assert [r.split("\t")[1:] for r in rows] == [["stdout", "charging invoice 3"], ["stdout", EVIL_LINE],
                                                   ["stderr", f"panic: disk full {EVIL_SCRIPT}"]], rows
    # A line an agent sent is text: shown as it is, nothing ran, no element made of it.
    expect(lines.get_by_role("cell", name=EVIL_LINE, exact=True)).to_be_visible()
    assert page.evaluate("() => window.__pwned") is None, "a context line ran"
    assert page.locator("img[src=x]").count() == 0, "a context line became an element"
    run.shot("incident-context")
    # Live: a fourth report reaches the open page (an `incident` event on its WebSocket) without a refresh.
    run.api("POST", "/agent/alert", token=run.agent_token, body=crash_report(4))
    expect(page.get_by_role("status").filter(has_text=f"Incident {incident['id']} has a new report.")).to_be_visible()
    expect(panel).to_contain_text("4 reports")
    expect(lines).to_contain_text("charging invoice 4")
    expect(row).to_have_count(0)   # the row of the third report's message is gone…
    expect(table.get_by_role("row").filter(has_text="billing exited with code 2 (restart 4)")).to_contain_text("4")
    assert any("ticket=wst_" in u and "eyJ" not in u for u in run.sockets), run.sockets
    # The link is shareable: a reload opens the same incident with the same filter.
    page.reload()
    expect(panel).to_be_visible()
    expect(page.get_by_label("Show")).to_have_value("open")
    # Resolve: the state changes in the panel and on the server; the open list drops it.
    panel.get_by_role("button", name="Resolve", exact=True).click()
    expect(panel).to_contain_text("Resolved")
    expect(page.get_by_role("status").filter(has_text=f"Incident {incident['id']} resolved.")).to_be_visible()
    after = run.api("GET", f"/projects/{run.project}/incidents/{incident['id']}")
    assert after["status"] == "resolved" and after["resolvedAt"], after
    expect(panel.get_by_role("button", name="Resolve", exact=True)).to_have_count(0)
    expect(table.get_by_role("row").filter(has_text="billing")).to_have_count(0)
    page.get_by_label("Show").select_option("resolved")
    page.wait_for_url(re.compile(r".*[?&]status=resolved"))
    resolved_row = table.get_by_role("row").filter(has_text="billing exited with code 2 (restart 4)")
    expect(resolved_row).to_contain_text("Resolved")
    expect(table.get_by_role("row").filter(has_text="worker exited")).to_have_count(0)   # still open
    page.get_by_label("Show").select_option("all")
    expect(table.get_by_role("row").filter(has_text="worker exited")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="billing exited")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    run.shot("incidents-all")


FLOWS = [
    ("a heartbeat shows on the servers screen", heartbeat_shows),
    ("a restart button queues the command", restart_queues_command),
    ("an agent alert shows as an incident", incident_shows),
    ("an incident's context, count and state; status filter; Resolve", incident_context_and_resolve),
]
