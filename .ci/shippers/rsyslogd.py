"""A real rsyslogd for test_shippers.py, forwarding with the action() line
of docs/ingest.md's "### rsyslog" section (read from the doc, so the test
fails when the doc drifts; only target and port are replaced).

It runs in the foreground on a config of its own (`rsyslogd -n -f CONF -i
PIDFILE`, work directory and pid file in a temp dir): no imuxsock nor
imklog, so it neither opens /dev/log nor reads the kernel log; its only
input is imtcp on 127.0.0.1:<free port>, fed by the test with `logger`."""

import contextlib
import pathlib
import re
import socket
import subprocess
import time

RSYSLOGD = "/usr/sbin/rsyslogd"
DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "ingest.md"


def documented_action(target, port):
    """The `*.* action(...)` statement of the doc's rsyslog config, aimed at
    target:port."""
    section = re.search(r"^### rsyslog\n(.*?)(?=^##)", DOC.read_text(), re.M | re.S)
    assert section, f"no '### rsyslog' section in {DOC}"
    block = re.search(r"^```[^\n]*\n(.*?)^```", section.group(1), re.M | re.S)
    assert block, "no config block in the doc's rsyslog section"
    actions = re.findall(r"^\*\.\* action\(.*?\)\s*$", block.group(1), re.M | re.S)
    assert len(actions) == 1, f"expected one '*.* action(...)' in the doc's rsyslog config, found {actions}"
    action = actions[0]
    for key, value in (("target", target), ("port", str(port))):
        action, n = re.subn(rf'\b{key}="[^"]*"', f'{key}="{value}"', action, flags=re.I)
        assert n == 1, f"the doc's rsyslog action() has {n} {key}= parameters, expected 1"
    return action


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def forwarding_to(port, workdir, wait=15.0):
    """Runs rsyslogd forwarding to 127.0.0.1:`port` with the doc's action;
    yields the TCP port of its imtcp input. rsyslogd is stopped (SIGTERM,
    then waited for) on the way out, also when the test fails."""
    workdir = pathlib.Path(workdir)
    listen = free_port()
    conf = workdir / "rsyslog.conf"
    conf.write_text(
        f'global(workDirectory="{workdir}")\n'
        'module(load="imtcp")\n'
        f'input(type="imtcp" address="127.0.0.1" port="{listen}")\n'
        f"{documented_action('127.0.0.1', port)}\n"
    )
    log = workdir / "rsyslogd.log"
    check = subprocess.run([RSYSLOGD, "-N1", "-f", str(conf)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"rsyslogd refuses the config:\n{conf.read_text()}\n{check.stdout}{check.stderr}"
    with open(log, "wb") as out:
        proc = subprocess.Popen([RSYSLOGD, "-n", "-f", str(conf), "-i", str(workdir / "rsyslogd.pid")],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + wait
        while True:
            assert proc.poll() is None, f"rsyslogd exited ({proc.returncode}):\n{log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, f"rsyslogd's imtcp is not listening after {wait}s:\n{log.read_text()}"
                time.sleep(0.1)
        yield listen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def diagnostics(workdir):
    """rsyslogd's own output, for assertion messages."""
    path = pathlib.Path(workdir) / "rsyslogd.log"
    return path.read_text() if path.exists() else ""
