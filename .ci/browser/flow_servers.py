"""Servers: a heartbeat sent through the API (the reference's shape) shows
on the servers screen; a Restart button queues the command (checked
through the agent's API) and shows the agent's acknowledgement; an agent
alert shows on the incidents screen."""
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


FLOWS = [
    ("a heartbeat shows on the servers screen", heartbeat_shows),
    ("a restart button queues the command", restart_queues_command),
    ("an agent alert shows as an incident", incident_shows),
]
