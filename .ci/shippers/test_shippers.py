"""Each shipper protocol driven by its real client against `orion serve`
(started by .ci/shippers/run); every test reads the stored entries back
through the search API and checks source, level, timestamp and metadata."""

import base64
import datetime as dt
import json
import logging
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid

import pytest

import rsyslogd  # beside this file

URL = os.environ["ORION_URL"]
JWT = os.environ["ORION_JWT"]
WRITER = os.environ["ORION_WRITER"]
READER = os.environ["ORION_READER"]


def search(marker, expect=1, wait=10.0):
    """The entries of project `ci` whose message contains `marker`, oldest
    first, once `expect` of them are there (syslog is stored asynchronously)."""
    deadline = time.time() + wait
    while True:
        query = urllib.parse.urlencode({"search": marker, "limit": 100})
        request = urllib.request.Request(f"{URL}/api/projects/ci/logs?{query}", headers={"Authorization": f"Bearer {JWT}"})
        with urllib.request.urlopen(request) as response:
            logs = json.load(response)["logs"]
        if len(logs) >= expect or time.time() > deadline:
            return list(reversed(logs))
        time.sleep(0.1)


def parse_time(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def recent(value, slack=120):
    now = dt.datetime.now(dt.timezone.utc)
    return abs((now - parse_time(value)).total_seconds()) < slack


def marker():
    return "m" + uuid.uuid4().hex[:12]


# ---------------------------------------------------------------- OTLP/HTTP


def test_opentelemetry_sdk_otlp_http_exporter():
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    resource = Resource.create({"service.name": "checkout-py", "deployment.environment": "ci"})
    exporter = OTLPLogExporter(
        endpoint=f"{URL}/otlp/v1/logs", headers={"Authorization": f"Bearer {WRITER}"}, compression=Compression.Gzip
    )
    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    tracer = TracerProvider(resource=resource).get_tracer("ci")
    log = logging.getLogger("otlp-ci")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(LoggingHandler(level=logging.DEBUG, logger_provider=provider))

    m = marker()
    with tracer.start_as_current_span("charge") as span:
        log.error("%s payment declined", m, extra={"user_id": 42, "amount": 9.5})
        ctx = span.get_span_context()
    log.warning("%s retrying", m)
    provider.force_flush()
    provider.shutdown()

    declined, retrying = search(m, expect=2)
    assert declined["message"] == f"{m} payment declined"
    assert declined["level"] == "error"
    assert declined["source"] == "checkout-py"
    assert recent(declined["timestamp"])
    meta = declined["metadata"]
    assert meta["user_id"] == 42 and meta["amount"] == 9.5
    assert meta["traceId"] == format(ctx.trace_id, "032x")
    assert meta["spanId"] == format(ctx.span_id, "016x")
    assert meta["resource"]["service.name"] == "checkout-py"
    assert meta["resource"]["deployment.environment"] == "ci"
    assert meta["scope"]["name"] == "otlp-ci"
    assert retrying["level"] == "warn"


def test_opentelemetry_js_sdk_exports_otlp_json():
    m = marker()
    client = os.environ["ORION_OTLP_JS_CLIENT"]
    subprocess.run(["node", client, URL, WRITER, m], check=True, timeout=60)
    declined, retrying = search(m, expect=2)
    assert declined["message"] == f"{m} payment declined"
    assert declined["level"] == "error"
    assert declined["source"] == "checkout-js"
    assert recent(declined["timestamp"])
    meta = declined["metadata"]
    assert meta["user_id"] == 42 and meta["amount"] == 9.5 and meta["retried"] is False
    assert meta["resource"]["deployment.environment"] == "ci"
    assert meta["scope"]["name"] == "otlp-js-ci"
    assert retrying["message"] == f"{m} retrying"
    assert retrying["level"] == "warn"


def test_otlp_js_exporter_with_a_reader_token_fails_and_stores_nothing():
    m = marker()
    client = os.environ["ORION_OTLP_JS_CLIENT"]
    run = subprocess.run(["node", client, URL, READER, m], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert search(m, expect=1, wait=1.0) == []


def test_otlp_exporter_with_a_token_without_logs_write_is_refused():
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    results = []

    class Recording(OTLPLogExporter):
        def export(self, batch):
            result = super().export(batch)
            results.append(result)
            return result

    provider = LoggerProvider()
    exporter = Recording(endpoint=f"{URL}/otlp/v1/logs", headers={"Authorization": f"Bearer {READER}"})
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    log = logging.getLogger("otlp-ci-refused")
    log.propagate = False
    log.addHandler(LoggingHandler(logger_provider=provider))
    m = marker()
    log.error("%s must not be stored", m)
    provider.force_flush()
    provider.shutdown()
    assert [r.name for r in results] == ["FAILURE"]
    assert search(m, wait=0.5) == []


# ------------------------------------------------------------ Elasticsearch


def test_elasticsearch_client_info_and_bulk_helper():
    from elasticsearch import Elasticsearch, helpers

    es = Elasticsearch(f"{URL}/es", api_key=WRITER, request_timeout=10)
    info = es.info()
    assert info["version"]["number"].startswith("8.")
    assert es.ping()
    m = marker()
    docs = [
        {"_index": "billing-py", "_id": f"{m}-1", "@timestamp": "2024-01-15T10:30:00.250Z", "message": f"{m} invoice sent",
         "log.level": "warning", "user": {"id": 7}},
        {"_index": "billing-py", "@timestamp": "2024-01-15T10:30:01Z", "msg": f"{m} invoice paid", "level": "info",
         "service": {"name": "payments"}},
    ]
    ok, errors = helpers.bulk(es, docs)
    assert (ok, errors) == (2, [])
    sent, paid = search(m, expect=2)
    assert (sent["source"], sent["level"], sent["timestamp"]) == ("billing-py", "warn", "2024-01-15T10:30:00.250Z")
    assert sent["metadata"]["user"] == {"id": 7}
    assert sent["metadata"]["_index"] == "billing-py"
    assert (paid["source"], paid["level"], paid["timestamp"]) == ("payments", "info", "2024-01-15T10:30:01.000Z")


def test_elasticsearch_basic_auth_and_a_refused_item_stores_nothing():
    from elasticsearch import Elasticsearch, helpers

    es = Elasticsearch(f"{URL}/es", basic_auth=("orion", WRITER), request_timeout=10)
    m = marker()
    actions = [{"_index": "x", "message": f"{m} kept back"}, {"_op_type": "delete", "_index": "x", "_id": "1"}]
    with pytest.raises(helpers.BulkIndexError) as refused:
        helpers.bulk(es, actions)
    statuses = sorted(next(iter(e.values()))["status"] for e in refused.value.errors)
    assert statuses == [400, 429]
    assert search(m, wait=0.5) == []


def test_elasticsearch_client_with_a_bad_token_is_401():
    from elasticsearch import AuthenticationException, Elasticsearch

    with pytest.raises(AuthenticationException):
        Elasticsearch(f"{URL}/es", api_key="sk_api_wrong", request_timeout=10).info()


# --------------------------------------------------------------------- Loki


def test_winston_loki_pushes_snappy_protobuf():
    m = marker()
    client = os.environ["ORION_LOKI_CLIENT"]
    subprocess.run(["node", client, URL, f"orion:{WRITER}", f"{m} cart abandoned", "warn"], check=True, timeout=30)
    (entry,) = search(m)
    assert entry["message"] == f"{m} cart abandoned"
    assert entry["source"] == "loki-js"
    assert entry["level"] == "warn"
    assert recent(entry["timestamp"])
    assert entry["metadata"]["env"] == "ci"
    assert entry["metadata"]["route"] == "/cart"


# ------------------------------------------------------------------- syslog


def logger(*args):
    subprocess.run(["logger", "-n", "127.0.0.1", *args], check=True, timeout=10)


def test_logger_tcp_rfc5424_octet_counting_with_structured_data():
    m = marker()
    logger("--tcp", "-P", os.environ["ORION_SYSLOG_TCP"], "--rfc5424", "--octet-count", "-t", "billing-sys",
           "-p", "local0.err", "--msgid", "INV1", "--sd-id", "order@32473", "--sd-param", 'id="77"',
           f"{m} invoice failed")
    (entry,) = search(m)
    assert entry["message"] == f"{m} invoice failed"
    assert (entry["source"], entry["level"]) == ("billing-sys", "error")
    assert recent(entry["timestamp"])
    meta = entry["metadata"]
    assert meta["appName"] == "billing-sys" and meta["msgId"] == "INV1" and meta["facility"] == "local0"
    assert meta["order@32473"] == {"id": "77"}
    assert meta["hostname"]


def test_logger_tcp_rfc3164_newline_framing():
    m = marker()
    logger("--tcp", "-P", os.environ["ORION_SYSLOG_TCP"], "--rfc3164", "-t", "cron", "-p", "user.warning",
           f"{m} disk nearly full")
    (entry,) = search(m)
    assert (entry["source"], entry["level"], entry["message"]) == ("cron", "warn", f"{m} disk nearly full")
    assert recent(entry["timestamp"], slack=2 * 3600)  # RFC 3164 times carry no zone: local time read as UTC
    assert entry["metadata"]["facility"] == "user"


@pytest.mark.parametrize("fmt", ["--rfc5424", "--rfc3164"])
def test_logger_udp(fmt):
    m = marker()
    logger("--udp", "-P", os.environ["ORION_SYSLOG_UDP"], fmt, "-t", "udp-app", "-p", "daemon.debug", f"{m} over udp")
    (entry,) = search(m)
    assert (entry["source"], entry["level"], entry["message"]) == ("udp-app", "debug", f"{m} over udp")
    assert entry["metadata"]["facility"] == "daemon"


def test_a_malformed_line_is_kept_at_info_and_the_listener_goes_on():
    m = marker()
    with socket.create_connection(("127.0.0.1", int(os.environ["ORION_SYSLOG_TCP"]))) as s:
        s.sendall(f"{m} no header at all\n<999>{m} bad pri\n".encode() + b"\xff\xfe" + f"{m} not utf-8\n".encode())
    entries = search(m, expect=3)
    assert len(entries) == 3
    assert all(e["level"] == "info" and e["metadata"].get("parseError") for e in entries)
    # Still serving.
    m2 = marker()
    logger("--tcp", "-P", os.environ["ORION_SYSLOG_TCP"], "--rfc5424", "-t", "after", f"{m2} still here")
    assert len(search(m2)) == 1


# ------------------------------------------------------------------ rsyslog


def test_rsyslog_forwards_with_the_documented_action(tmp_path):
    """A real rsyslogd with docs/ingest.md's omfwd action (TCP, RFC 5424
    template, octet-counted framing), fed by `logger` over its imtcp input."""
    m = marker()
    sent = {  # message -> (priority, level)
        f"{m} card declined": ("local0.err", "error"),
        f"{m} ledger corrupt": ("local0.crit", "fatal"),
        f"{m} slow gateway": ("daemon.warning", "warn"),
        f"{m} invoice sent": ("local0.notice", "info"),
        f"{m} cache hit": ("local0.debug", "debug"),
    }
    with rsyslogd.forwarding_to(os.environ["ORION_SYSLOG_TCP"], tmp_path) as port:
        for text, (priority, _) in sent.items():
            logger("--tcp", "-P", str(port), "--rfc5424", "--octet-count", "-t", "billing-rs", "-p", priority,
                   "--id=4242", "--msgid", "PAY1", "--sd-id", "order@32473", "--sd-param", 'id="77"', text)
        entries = search(m, expect=len(sent), wait=20.0)
        assert len(entries) == len(sent), f"stored {[e['message'] for e in entries]}\n{rsyslogd.diagnostics(tmp_path)}"
    by_message = {e["message"]: e for e in entries}
    assert set(by_message) == set(sent)
    for text, (priority, level) in sent.items():
        entry = by_message[text]
        assert (entry["source"], entry["level"]) == ("billing-rs", level), text
        assert recent(entry["timestamp"], slack=60)
        meta = entry["metadata"]
        assert meta["hostname"] == socket.gethostname()
        assert meta["appName"] == "billing-rs" and meta["procId"] == "4242" and meta["msgId"] == "PAY1"
        assert meta["facility"] == priority.split(".")[0]
        assert meta["order@32473"] == {"id": "77"}
        assert meta["timeQuality"]["tzKnown"] == "1"  # logger's own element, passed on by rsyslog
