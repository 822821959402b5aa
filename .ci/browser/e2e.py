"""Dashboard end to end in Debian's Chromium (Playwright 1.64.1, never
`playwright install`) against a real `orion serve` on a fresh SQLite file.
Elements are found by role and accessible name (shared/UI.md). The flows
(one file each: flow_auth, flow_projects, flow_logs, flow_live,
flow_servers, flow_alerts) run in order in one signed-in tab; then the
budgets are measured in a cold-cache context (budgets.py) and the
console is checked for errors. Screenshots of every screen, light and
dark, go to the screenshot folder (outside the repo).

Usage: e2e.py <orion binary> <screenshot dir>
"""
import json, os, sys, time, traceback

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import budgets, flow_alerts, flow_auth, flow_live, flow_logs, flow_projects, flow_servers  # noqa: E402
from harness import CHROMIUM, FLAGS, Run, Server, Skip, serve_web_from  # noqa: E402

FLOWS = (flow_auth.FLOWS + flow_projects.FIRST + flow_logs.FLOWS + flow_live.FLOWS + flow_servers.FLOWS
         + flow_alerts.FLOWS + flow_projects.LAST + flow_auth.LAST)


def main():
    binary, shots = sys.argv[1], sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    for old in os.listdir(shots):   # this run's screenshots only
        if old.endswith(".png"):
            os.remove(os.path.join(shots, old))
    only = os.environ.get("ORION_E2E_ONLY")  # a debugging aid: stop after the flow whose name contains this
    server = Server(binary)
    passed, failed, skipped = [], [], []
    t_start = time.monotonic()

    def step(name, fn, *args):
        t0 = time.monotonic()
        try:
            fn(*args)
            passed.append(name)
            print(f"ok   {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        except Skip as e:
            skipped.append(name)
            print(f"skip {name}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - every flow is reported
            failed.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(limit=3, file=sys.stdout)
            try:
                run.page.screenshot(path=f"{shots}/FAILED-{len(failed)}.png", full_page=True)
            except Exception:  # noqa: BLE001
                pass

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
            context.set_default_timeout(10000)   # generous: a busy machine; nothing here measures time
            expect.set_options(timeout=10000)
            if os.environ.get("ORION_E2E_WEB_DIR"):
                serve_web_from(context, os.environ["ORION_E2E_WEB_DIR"])
            run = Run(server, context, shots)
            for name, fn in FLOWS:
                step(name, fn, run)
                if only and only in name:
                    break
            if not only:
                step("budgets measured (cold cache)", budgets.measure, run, browser)

            def console_clean():
                assert not run.errors, f"console errors: {run.errors}"
            step("the browser console has no errors", console_clean)
            browser.close()
    finally:
        server.stop()
    print("figures: " + json.dumps(run.figures, indent=1))
    if run.pending:
        print("pending endpoints (404, not counted as errors): " + ", ".join(sorted(run.pending)))
    for n in run.notes:
        print("note: " + n)
    print(f"screenshots ({len(run.screens)} screens, light and dark): {shots}")
    print(f"run time {time.monotonic() - t_start:.0f} s; server log {server.tmp}/serve.log")
    if failed:   # the server's side of it
        with open(f"{server.tmp}/serve.log", errors="replace") as f:
            print("last lines of serve.log:\n" + "".join(f.readlines()[-20:]))
    print(f"{len(passed)} passed, {len(failed)} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
