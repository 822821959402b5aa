//! Refusals, for every protocol: 401 (no, unknown or malformed
//! credentials), 403 (no `logs:write`, checked before the body), 400 for
//! bodies that cannot be decoded, 413 past the limits — and nothing stored.
//! Also: HTTP Basic and `ApiKey` carry the token as well as `Bearer`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use orion_http::shippers::otlp::Status;
use prost::Message;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::otlp::request;
use super::{gzip, send, snappy, stored};
use crate::{Logs, api_token, with_logs};

/// A protocol: its path, the headers of a valid request, a valid body.
struct Protocol {
    name: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: fn() -> Vec<u8>,
    ok: StatusCode,
}

fn otlp_body() -> Vec<u8> {
    request("api", vec![Default::default()]).encode_to_vec()
}

fn loki_body() -> Vec<u8> {
    use orion_http::shippers::loki::{EntryAdapter, PushRequest, StreamAdapter};
    let push = PushRequest {
        streams: vec![StreamAdapter {
            labels: r#"{job="api"}"#.into(),
            entries: vec![EntryAdapter { line: "hi".into(), ..Default::default() }],
            hash: 0,
        }],
    };
    snappy(&push.encode_to_vec())
}

fn es_body() -> Vec<u8> {
    b"{\"index\": {}}\n{\"message\": \"hi\"}\n".to_vec()
}

const PROTOCOLS: [Protocol; 3] = [
    Protocol {
        name: "otlp",
        path: "/otlp/v1/logs",
        headers: &[("content-type", "application/x-protobuf")],
        body: otlp_body,
        ok: StatusCode::OK,
    },
    Protocol {
        name: "loki",
        path: "/loki/api/v1/push",
        headers: &[("content-type", "application/x-protobuf")],
        body: loki_body,
        ok: StatusCode::NO_CONTENT,
    },
    Protocol {
        name: "es",
        path: "/es/_bulk",
        headers: &[("content-type", "application/x-ndjson")],
        body: es_body,
        ok: StatusCode::OK,
    },
];

/// An error answer's code: the JSON `code`, or for an OTLP protobuf
/// answer, the gRPC code of its `google.rpc.Status`.
fn code_of(protocol: &Protocol, body: &[u8]) -> String {
    if protocol.name == "otlp" {
        let status = Status::decode(body).unwrap_or_else(|e| panic!("not a Status ({e}): {body:?}"));
        assert!(!status.message.is_empty());
        return status.code.to_string();
    }
    let body: Value = serde_json::from_slice(body).unwrap();
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    body["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn credentials_are_checked_first_then_the_permission() {
    let t = with_logs().await;
    let reader = api_token(&t.server, &t.ada, "web", &["logs:read"]).await;
    for p in &PROTOCOLS {
        let garbage = b"\x0a\xff\xff\xff\xff\x0f not a body".to_vec();
        for auth in [None, Some("Bearer sk_api_nope"), Some("Basic !!"), Some("Token abc")] {
            let (status, headers, body) = send(&t, p.path, auth, p.headers, garbage.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {auth:?}", p.name);
            assert_eq!(headers["www-authenticate"], "Bearer");
            let code = code_of(p, &body);
            assert!(code == "unauthorized" || code == "16", "{}: {code}", p.name);
        }
        let (status, _, body) = send(&t, p.path, Some(&format!("Bearer {reader}")), p.headers, garbage).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", p.name);
        let code = code_of(p, &body);
        assert!(code == "missing_permission" || code == "7", "{}: {code}", p.name);
    }
    assert!(stored(&t).await.is_empty());
}

#[tokio::test]
async fn basic_and_api_key_carry_the_token_too() {
    let t = with_logs().await;
    let basic = format!("Basic {}", STANDARD.encode(format!("orion:{}", t.writer)));
    let api_key = format!("ApiKey {}", t.writer);
    let es_pair = format!("ApiKey {}", STANDARD.encode(format!("some-id:{}", t.writer)));
    let mut expected = 0;
    for p in &PROTOCOLS {
        for auth in [&basic, &api_key, &es_pair] {
            let (status, _, body) = send(&t, p.path, Some(auth), p.headers, (p.body)()).await;
            assert_eq!(status, p.ok, "{} {auth}: {}", p.name, String::from_utf8_lossy(&body));
            expected += 1;
        }
    }
    assert_eq!(stored(&t).await.len(), expected);
}

async fn refused(
    t: &Logs,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    status: StatusCode,
) -> Vec<u8> {
    let auth = format!("Bearer {}", t.writer);
    let (got, _, answer) = send(t, path, Some(&auth), headers, body).await;
    assert_eq!(got, status, "{path} {headers:?}: {}", String::from_utf8_lossy(&answer));
    assert!(stored(t).await.is_empty(), "{path}: something was stored");
    answer
}

#[tokio::test]
async fn undecodable_bodies_are_400_and_store_nothing() {
    let t = with_logs().await;
    let bad = StatusCode::BAD_REQUEST;
    let proto = [("content-type", "application/x-protobuf")];
    let answer = refused(&t, "/otlp/v1/logs", &proto, b"\x0a\xff\xff\xff\xff\x0f".to_vec(), bad).await;
    assert_eq!(Status::decode(&answer[..]).unwrap().code, 3);
    let gz = [("content-type", "application/x-protobuf"), ("content-encoding", "gzip")];
    refused(&t, "/otlp/v1/logs", &gz, b"not gzip at all".to_vec(), bad).await;
    refused(
        &t,
        "/otlp/v1/logs",
        &[("content-type", "application/json")],
        b"{\"resourceLogs\": [".to_vec(),
        bad,
    )
    .await;
    refused(
        &t,
        "/otlp/v1/logs",
        &[("content-type", "text/plain")],
        otlp_body(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;

    refused(&t, "/loki/api/v1/push", &proto, b"\xff\xff\xff\xff\xff\xffnot snappy".to_vec(), bad).await;
    refused(&t, "/loki/api/v1/push", &proto, snappy(b"\x0a\xff\xff\xff\xff\x0f"), bad).await;
    refused(&t, "/loki/api/v1/push", &proto, snappy(b"\x0a\x04\x0a\x02{x"), bad).await; // labels `{x`
    refused(
        &t,
        "/loki/api/v1/push",
        &[("content-type", "application/json")],
        b"{\"streams\": [{".to_vec(),
        bad,
    )
    .await;

    let nd = [("content-type", "application/x-ndjson")];
    refused(&t, "/es/_bulk", &nd, b"{\"index\": {}}\n{\"message\": \"cut".to_vec(), bad).await;
    refused(&t, "/es/_bulk", &nd, b"{\"index\": {}}\n".to_vec(), bad).await;
    refused(&t, "/es/_bulk", &[("content-encoding", "gzip")], b"\x1f\x8b broken".to_vec(), bad).await;
}

#[tokio::test]
async fn oversized_bodies_bombs_and_batches_are_413_and_store_nothing() {
    let t = with_logs().await;
    let too_large = StatusCode::PAYLOAD_TOO_LARGE;
    let big = vec![b' '; 10 * 1024 * 1024 + 1];
    for p in &PROTOCOLS {
        refused(&t, p.path, p.headers, big.clone(), too_large).await;
    }
    // 11 MiB of zeros, gzipped to a few KiB.
    let bomb = gzip(&vec![0u8; 11 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    refused(
        &t,
        "/otlp/v1/logs",
        &[("content-type", "application/x-protobuf"), ("content-encoding", "gzip")],
        bomb.clone(),
        too_large,
    )
    .await;
    refused(&t, "/es/_bulk", &[("content-encoding", "gzip")], bomb, too_large).await;
    refused(
        &t,
        "/loki/api/v1/push",
        &[("content-type", "application/x-protobuf")],
        snappy(&vec![0u8; 11 * 1024 * 1024]),
        too_large,
    )
    .await;

    // 10,001 entries: over the batch limit, refused whole.
    let values: Vec<Value> =
        (0..10_001).map(|i| json!([format!("{}", 1_705_314_600_000_000_000_u64 + i), "x"])).collect();
    let body = json!({"streams": [{"stream": {"job": "a"}, "values": values}]});
    refused(
        &t,
        "/loki/api/v1/push",
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
        too_large,
    )
    .await;
    let ndjson = "{\"index\": {}}\n{\"message\": \"x\"}\n".repeat(10_001);
    refused(&t, "/es/_bulk", &[], ndjson.into_bytes(), too_large).await;
}
