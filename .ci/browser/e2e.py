"""Dashboard end to end in Debian's Chromium (Playwright 1.64.1, never
`playwright install`) against a real `orion serve` on a fresh SQLite file.
Elements are found by role and accessible name (shared/UI.md). A first,
partial suite: sign-up and sign-in through the screens, a project, log
entries with HTML in message and metadata key rendered as text, no console
errors, screenshots light and dark, and the budgets measured.

Usage: e2e.py <orion binary> <screenshot dir>
"""
import json, os, re, socket, subprocess, sys, tempfile, time, urllib.request

from playwright.sync_api import sync_playwright, expect

ORION, SHOTS = sys.argv[1], sys.argv[2]
os.makedirs(SHOTS, exist_ok=True)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def api(base, method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        data = r.read()
        return json.loads(data) if data else None

def main():
    tmp = tempfile.mkdtemp(prefix="orion-e2e-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, ORION_DATABASE_URL=f"sqlite://{tmp}/orion.db?mode=rwc", ORION_BIND=f"127.0.0.1:{port}",
               ORION_JWT_SECRET="e2e-secret-e2e-secret-e2e-secret")
    server = subprocess.Popen([ORION, "serve"], env=env, stdout=open(f"{tmp}/serve.log", "w"), stderr=subprocess.STDOUT)
    results = {}
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/health"); break
            except Exception:
                time.sleep(0.1)
        with sync_playwright() as pw:
            # A fresh profile directory each run.
            browser = pw.chromium.launch_persistent_context(
                f"{tmp}/profile", executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
            page = browser.new_page()
            errors = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.request.method} {r.url}"))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))

            # Register and sign in through the screens.
            page.goto(base + "/register")
            expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
            page.get_by_label("First name").fill("Ada")
            page.get_by_label("Last name").fill("Lovelace")
            page.get_by_label("Username").fill("ada")
            page.get_by_label("Email").fill("ada@example.com")
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url(re.compile(r".*/login.*"), timeout=5000)
            page.get_by_label("Email").fill("ada@example.com")
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r".*/projects.*"), timeout=5000)
            token = page.evaluate("() => Object.values(sessionStorage).find(v => v.split('.').length === 3)")
            assert token, "the JWT is in sessionStorage"
            assert "eyJ" not in page.url
            page.screenshot(path=f"{SHOTS}/projects-light.png", full_page=True)

            # A project and entries with HTML in them, through the API.
            api(base, "POST", "/api/projects", token, {"name": "web"})
            tok = api(base, "POST", "/api/projects/web/tokens", token, {"name": "w", "permissions": ["logs:write"]})
            evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
            api(base, "POST", "/api/agent/log", tok["token"], [
                *[{"message": f"row {i}", "level": "info"} for i in range(50)]])
            time.sleep(0.01)  # the newest entry, at the top of the list
            api(base, "POST", "/api/agent/log", tok["token"], {"message": evil, "level": "error", "metadata": {evil: "v"}})

            # The logs explorer: first-load budgets, then the text check.
            t0 = time.monotonic()
            page.goto(base + "/p/web/logs")
            expect(page.get_by_text(evil).first).to_be_visible(timeout=5000)
            results["logs_interactive_ms"] = round((time.monotonic() - t0) * 1000)
            js = page.evaluate("""() => performance.getEntriesByType('resource')
                .filter(e => e.name.endsWith('.js')).reduce((n, e) => n + e.transferSize, 0)""")
            results["js_transferred_bytes"] = js
            assert page.evaluate("() => window.__pwned") is None, "user HTML ran"
            assert page.locator("img[src=x]").count() == 0, "user HTML became an element"
            page.screenshot(path=f"{SHOTS}/logs-light.png", full_page=True)
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=f"{SHOTS}/logs-dark.png", full_page=True)
            page.goto(base + "/projects")
            page.screenshot(path=f"{SHOTS}/projects-dark.png", full_page=True)
            # Endpoints another engineer is adding (API.md part 2); their 404s
            # (and the browser's matching console line) are expected until then.
            pending = ("/searches", "/logs/facets")
            missing = [e for e in errors if any(p in e for p in pending)]
            errors = [e for e in errors if not any(p in e for p in pending)]
            errors = errors[len(missing):] if all("Failed to load resource" in e for e in errors[:len(missing)]) else errors
            results["pending_endpoints_404"] = sorted({e.split(" ")[2].split("?")[0].split("/api/")[1] for e in missing})
            assert not errors, f"console errors: {errors}"
            browser.close()
    finally:
        server.terminate(); server.wait(10)
    print(json.dumps(results))

if __name__ == "__main__":
    main()
