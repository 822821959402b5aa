"""Shared pieces of the dashboard's browser tests: the server under test,
the API helper, TOTP codes, screenshots light and dark, and the console
error log. Nothing here finds a page element: the flows do, by role and
accessible name (shared/UI.md's contract)."""
import base64, urllib.parse, hashlib, hmac, json, os, socket, struct, subprocess, tempfile, time, urllib.error, urllib.request

# Flags that work as root, offline (shared/UI.md).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHROMIUM = "/usr/bin/chromium"

# Endpoints of API.md part 2 that the server does not have yet: their 404s
# (and the browser's matching console line) are expected, and listed in
# the run's output, until they land. Every one has landed.
PENDING = ()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(secret_b32, step_offset=0, at=None):
    """RFC 6238 (SHA-1, 6 digits, 30 s) with the standard library."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000)


class Server:
    """`orion serve` on a fresh SQLite file and a free port."""

    def __init__(self, binary):
        self.tmp = tempfile.mkdtemp(prefix="orion-e2e-")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, ORION_DATABASE_URL=f"sqlite://{self.tmp}/orion.db?mode=rwc",
                   ORION_BIND=f"127.0.0.1:{port}", ORION_JWT_SECRET="e2e-secret-e2e-secret-e2e-secret",
                   ORION_BCRYPT_COST="4",   # registration and sign-in at test speed
                   ORION_ALERT_INTERVAL="2s")   # a new rule is evaluated within 2 s (the history flow)
        self.log = open(f"{self.tmp}/serve.log", "w")
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/api/health")
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"orion serve exited: see {self.tmp}/serve.log")
                time.sleep(0.1)
        raise RuntimeError("orion serve did not answer /api/health in 30 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Skip(Exception):
    """A flow that cannot run yet (it needs an endpoint the server lacks)."""


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


def api(base, method, path, token=None, body=None, raw=False):
    req = urllib.request.Request(base + "/api" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req) as r:
            data = r.read()
    except urllib.error.HTTPError as e:
        raise ApiError(e.code, e.read().decode(errors="replace")) from None
    if raw:
        return data
    return json.loads(data) if data else None


def serve_web_from(context, web_dir):
    """A debugging aid (ORION_E2E_WEB_DIR=orion-http/web): the page's assets
    come from the working tree instead of the binary, so a front-end change
    is tried without rebuilding. CI never sets it."""
    import mimetypes, re as _re

    def handle(route):
        path = urllib.parse.urlparse(route.request.url).path
        rel = _re.sub(r"^/assets/(v/[^/]+/)?", "", path)
        file = os.path.join(web_dir, rel) if rel.startswith("vendor/") else os.path.join(web_dir, "assets", rel)
        if not os.path.isfile(file):
            route.fallback()
            return
        ctype = mimetypes.guess_type(file)[0] or "application/octet-stream"
        if file.endswith(".js"):
            ctype = "text/javascript"
        route.fulfill(status=200, body=open(file, "rb").read(), headers={"content-type": ctype, "cache-control": "no-store"})

    context.route(_re.compile(r".*/assets/.*"), handle)


class Run:
    """What the flows share: the server, the signed-in page, tokens they
    made, console errors, screenshots and the measured figures."""

    def __init__(self, server, context, shots):
        self.server = server
        self.base = server.base
        self.context = context
        self.shots = shots
        self.errors = []
        self.pending = set()
        self.sockets = []        # WebSocket URLs the pages opened
        self.allowed = []        # (url part, status) pairs a flow provokes on purpose
        self.figures = {}
        self.notes = []
        self.screens = []
        self.jwt = None          # the session JWT, read from sessionStorage after sign-in
        self.totp_secret = None
        self.project = "web"
        self.source_token = None
        self.page = self.watch(context.new_page())

    def watch(self, page):
        def add(text):
            if any(part in text and (f"{status} " in text or f"status of {status}" in text) for part, status in self.allowed):
                return
            if any(p in text for p in PENDING):
                for p in PENDING:
                    if p in text:
                        self.pending.add(p)
                return
            self.errors.append(text)

        def on_console(m):
            if m.type != "error":
                return
            # The browser's own line for a failed fetch carries no URL in its
            # text; the matching response (below) says which one it was.
            if m.text.startswith("Failed to load resource"):
                url = (m.location or {}).get("url", "")
                add(f"console: {m.text} {url}")
                return
            add(f"console: {m.text}")

        page.on("console", on_console)
        page.on("websocket", lambda ws: self.sockets.append(ws.url))
        page.on("response", lambda r: r.status >= 400 and add(f"{r.status} {r.request.method} {r.url}"))
        page.on("pageerror", lambda e: add(f"pageerror: {e}"))
        page.on("dialog", lambda d: (add("dialog: " + d.message), d.dismiss()))
        return page

    def allow(self, url_part, status):
        """A failed response the flow causes on purpose (a bad condition's 400)."""
        self.allowed.append((url_part, status))

    def api(self, method, path, token=None, body=None, raw=False):
        return api(self.base, method, path, token or self.jwt, body, raw)

    def shot(self, name, page=None):
        """A full-page screenshot of the screen, light then dark (the theme
        follows the system setting, emulated here)."""
        page = page or self.page
        page.evaluate("() => window.scrollTo(0, 0)")   # the sticky top bar stays on top of a full-page shot
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_timeout(50)
            page.screenshot(path=f"{self.shots}/{name}-{scheme}.png", full_page=True)
        page.emulate_media(color_scheme="light")
        self.screens.append(name)

    def goto(self, path, page=None):
        (page or self.page).goto(self.base + path)
