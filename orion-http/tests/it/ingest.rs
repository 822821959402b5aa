//! `POST /api/agent/log`: one entry or a batch, all-or-nothing, stored in
//! the token's project only, with the source rules, the size limits and
//! back-pressure (429) of API.md.

use std::sync::Arc;

use orion_testkit::{FaultyLogs, InMemoryRepos, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{Logs, assert_error, names, token_of, with_logs, with_logs_on};

#[tokio::test]
async fn a_single_entry_is_stored_with_every_field_and_shown_as_documented() {
    let t = with_logs().await;
    let entry = json!({
        "message": "disk almost full", "level": "WARNING", "timestamp": "2026-01-02T03:04:05.678+01:00",
        "metadata": {"disk": "/dev/sda1", "percent": 97}, "tags": ["disk", "prod"], "source": "host-1",
    });
    t.server.ingest_ok(&t.writer, entry, 1).await;

    let (status, page) = t.server.search(&t.ada, "web", "").await;
    assert_eq!(status, StatusCode::OK);
    let log = &page["logs"][0];
    assert!(log["id"].is_i64(), "{log}");
    assert_eq!(log["timestamp"], "2026-01-02T02:04:05.678Z");
    assert_eq!(log["receivedAt"], "2024-03-01T12:00:00.000Z");
    assert_eq!(log["level"], "warn");
    assert_eq!(log["message"], "disk almost full");
    assert_eq!(log["metadata"], json!({"disk": "/dev/sda1", "percent": 97}));
    assert_eq!(log["tags"], json!(["disk", "prod"]));
    assert_eq!(log["source"], "host-1");
    assert_eq!(log["serverId"], Value::Null);
    let keys: Vec<&String> = log.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 9, "{keys:?}");
    assert_eq!((page["total"].as_u64(), page["totalIsLowerBound"].as_bool()), (Some(1), Some(false)));
}

#[tokio::test]
async fn a_batch_is_stored_with_level_aliases_and_defaults() {
    let t = with_logs().await;
    let batch = json!([
        {"message": "a"},
        {"message": "b", "level": "crit"},
        {"message": "c", "level": "Err"},
        {"message": "d", "level": "warning", "metadata": null},
    ]);
    t.server.ingest_ok(&t.writer, batch, 4).await;
    let page = t.server.search(&t.ada, "web", "").await.1;
    let logs = page["logs"].as_array().unwrap();
    let levels: Vec<(&str, &str)> =
        logs.iter().map(|l| (l["message"].as_str().unwrap(), l["level"].as_str().unwrap())).collect();
    // Same timestamp (the default, "now"), so newest first is by id.
    assert_eq!(levels, [("d", "warn"), ("c", "error"), ("b", "fatal"), ("a", "info")]);
    assert!(logs.iter().all(|l| l["timestamp"] == "2024-03-01T12:00:00.000Z" && l["metadata"] == json!({})));
    assert!(logs.iter().all(|l| l["source"].is_null() && l["tags"] == json!([])));
}

#[tokio::test]
async fn a_bad_entry_at_index_999_of_1000_fails_the_batch_and_stores_nothing() {
    let t = with_logs().await;
    let mut batch: Vec<Value> = (0..1000).map(|i| json!({ "message": format!("entry {i}") })).collect();
    batch[999] = json!({ "message": "" });
    let answer = t.server.ingest(&t.writer, Value::Array(batch)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(
        answer.1["details"],
        json!([{"index": 999, "field": "message", "message": "must not be empty"}])
    );
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);
}

#[tokio::test]
async fn every_bad_entry_is_named_by_index_and_field() {
    let t = with_logs().await;
    let batch = json!([
        {"message": "fine"},
        {"message": 5},
        {"message": "x", "tags": ["ok", 1]},
        "not an entry",
    ]);
    let answer = t.server.ingest(&t.writer, batch).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    let named: Vec<(u64, &str)> = answer.1["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["index"].as_u64().unwrap(), d["field"].as_str().unwrap()))
        .collect();
    assert_eq!(named, [(1, "message"), (2, "tags[1]"), (3, "entry")]);

    // Value problems, found by the service, are named the same way.
    let batch =
        json!([{"message": "ok"}, {"message": "x", "level": "loud", "timestamp": "soon", "metadata": []}]);
    let answer = t.server.ingest(&t.writer, batch).await;
    let fields: Vec<(u64, &str)> = answer.1["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["index"].as_u64().unwrap(), d["field"].as_str().unwrap()))
        .collect();
    assert_eq!(fields, [(1, "level"), (1, "timestamp"), (1, "metadata")]);
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);
}

#[tokio::test]
async fn malformed_json_and_a_non_entry_body_are_refused() {
    let t = with_logs().await;
    for body in ["[{\"message\": \"a\"}", "{", ""] {
        let response = t
            .server
            .http(Method::POST, "/api/agent/log")
            .bearer_auth(&t.writer)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_error(&TestServer::read(response).await, StatusCode::BAD_REQUEST, "invalid_json");
    }
    let answer = t.server.ingest(&t.writer, json!("just a string")).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(answer.1["details"][0]["field"], "body");
}

#[tokio::test]
async fn a_message_over_64_kib_is_refused() {
    let t = with_logs().await;
    let answer = t.server.ingest(&t.writer, json!({ "message": "x".repeat(64 * 1024 + 1) })).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(answer.1["details"][0]["field"], "message");
    t.server.ingest_ok(&t.writer, json!({ "message": "x".repeat(64 * 1024) }), 1).await;
}

#[tokio::test]
async fn only_tokens_with_logs_write_may_ingest() {
    let t = with_logs().await;
    let reader = token_of(&t.server.create_token(&t.ada, "web", "reader", &["logs:read"]).await);
    let entry = json!({ "message": "hello" });

    let answer = t.server.ingest(&t.ada, entry.clone()).await;
    assert_error(&answer, StatusCode::FORBIDDEN, "missing_permission");
    let answer = t.server.ingest(&reader, entry.clone()).await;
    assert_error(&answer, StatusCode::FORBIDDEN, "missing_permission");
    let answer = t.server.request(Method::POST, "/api/agent/log", None, Some(entry.clone())).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    let answer = t.server.ingest("sk_api_not_a_real_token", entry.clone()).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);

    // Source tokens carry logs:write.
    let source = token_of(&t.server.create_source(&t.ada, "web", "app").await);
    t.server.ingest_ok(&source, entry, 1).await;
}

#[tokio::test]
async fn a_token_of_one_project_never_writes_into_another() {
    let t = with_logs().await;
    t.server.create_project(&t.ada, "shop").await;
    let bob = t.server.signup("bob").await;
    t.server.create_project(&bob, "bobs").await;

    // Whatever the body says, entries land in the token's project.
    let batch = json!([
        {"message": "one", "project": "shop", "projectName": "bobs"},
        {"message": "two", "source": "shop"},
    ]);
    t.server.ingest_ok(&t.writer, batch, 2).await;
    assert_eq!(t.server.messages(&t.ada, "web", "").await, ["two", "one"]);
    assert_eq!(t.server.search(&t.ada, "shop", "").await.1["total"], 0);
    assert_eq!(t.server.search(&bob, "bobs", "").await.1["total"], 0);
    // The named source was created in the token's project only.
    assert_eq!(names(&t.server.get("/api/projects/web/sources", &t.ada).await.1), ["shop"]);
    assert_eq!(t.server.get("/api/projects/shop/sources", &t.ada).await.1, json!([]));
}

#[tokio::test]
async fn a_source_bound_token_wins_over_the_entry_source() {
    let t = with_logs().await;
    let app = token_of(&t.server.create_source(&t.ada, "web", "app").await);
    t.server.ingest_ok(&app, json!([{"message": "a", "source": "other"}, {"message": "b"}]), 2).await;
    let page = t.server.search(&t.ada, "web", "").await.1;
    let sources: Vec<&Value> = page["logs"].as_array().unwrap().iter().map(|l| &l["source"]).collect();
    assert_eq!(sources, [&json!("app"), &json!("app")]);
    // The ignored name was not created.
    assert_eq!(names(&t.server.get("/api/projects/web/sources", &t.ada).await.1), ["app"]);
}

#[tokio::test]
async fn an_unbound_token_creates_named_sources_once() {
    let t = with_logs().await;
    let batch = json!([{"message": "a", "source": "worker"}, {"message": "b", "source": "worker"}]);
    t.server.ingest_ok(&t.writer, batch, 2).await;
    t.server.ingest_ok(&t.writer, json!({"message": "c", "source": "worker"}), 1).await;
    assert_eq!(names(&t.server.get("/api/projects/web/sources", &t.ada).await.1), ["worker"]);
    let answer = t.server.ingest(&t.writer, json!({"message": "d", "source": "Not A Name"})).await;
    assert_eq!(
        (answer.1["details"][0]["index"].as_u64(), answer.1["details"][0]["field"].as_str()),
        (Some(0), Some("source"))
    );
}

/// A batch of `count` entries of `message_bytes` each, as a JSON body.
fn batch_body(count: usize, message_bytes: usize) -> Vec<u8> {
    let message = "m".repeat(message_bytes);
    serde_json::to_vec(&(0..count).map(|_| json!({ "message": message })).collect::<Vec<_>>()).unwrap()
}

#[tokio::test]
async fn a_body_over_10_mib_is_413_and_stores_nothing() {
    let t = with_logs().await;
    let body = batch_body(170, 64 * 1024 - 100);
    assert!(body.len() > 10 * 1024 * 1024);
    let response =
        t.server.http(Method::POST, "/api/agent/log").bearer_auth(&t.writer).body(body).send().await.unwrap();
    assert_error(&TestServer::read(response).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);
}

#[tokio::test]
async fn a_body_under_10_mib_is_accepted_though_over_the_usual_limit() {
    let t = with_logs().await;
    let body = batch_body(150, 64 * 1024 - 100);
    assert!(body.len() > orion_http::BODY_LIMIT && body.len() < 10 * 1024 * 1024);
    let response =
        t.server.http(Method::POST, "/api/agent/log").bearer_auth(&t.writer).body(body).send().await.unwrap();
    assert_eq!(TestServer::read(response).await, (StatusCode::CREATED, json!({ "accepted": 150 })));
}

#[tokio::test]
async fn more_than_10000_entries_is_413_and_stores_nothing() {
    let t = with_logs().await;
    let response = t
        .server
        .http(Method::POST, "/api/agent/log")
        .bearer_auth(&t.writer)
        .body(batch_body(10_001, 1))
        .send()
        .await
        .unwrap();
    assert_error(&TestServer::read(response).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);

    let response = t
        .server
        .http(Method::POST, "/api/agent/log")
        .bearer_auth(&t.writer)
        .body(batch_body(10_000, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(TestServer::read(response).await, (StatusCode::CREATED, json!({ "accepted": 10_000 })));
}

#[tokio::test]
async fn overloaded_storage_is_a_429_with_retry_after() {
    let mut repos = InMemoryRepos::new();
    // The write queue is always full; reads go to the real store.
    let logs = FaultyLogs::new(repos.logs.clone());
    logs.overload(true);
    repos.logs = Arc::new(logs);
    let t = with_logs_on(TestServer::start_with(repos).await).await;
    let response = t
        .server
        .http(Method::POST, "/api/agent/log")
        .bearer_auth(&t.writer)
        .json(&json!([{"message": "a"}, {"message": "b"}]))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    assert_error(&TestServer::read(response).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);
}

/// `POST /api/agent/log` with an `Idempotency-Key` header.
async fn ingest_with_key(t: &Logs, key: &str, body: Value) -> (StatusCode, Value) {
    let response = t
        .server
        .http(Method::POST, "/api/agent/log")
        .bearer_auth(&t.writer)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    TestServer::read(response).await
}

#[tokio::test]
async fn a_batch_resent_with_its_idempotency_key_is_stored_once_and_answered_alike() {
    let t = with_logs().await;
    let batch = json!([{"message": "a"}, {"message": "b"}]);
    let first = ingest_with_key(&t, "web-1:api:0:0", batch.clone()).await;
    assert_eq!(first, (StatusCode::CREATED, json!({ "accepted": 2 })));
    let again = ingest_with_key(&t, "web-1:api:0:0", batch.clone()).await;
    assert_eq!(again, first, "a resend is answered like the original");
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 2);

    assert_eq!(ingest_with_key(&t, "web-1:api:0:1", batch.clone()).await.0, StatusCode::CREATED);
    t.server.ingest_ok(&t.writer, batch, 2).await;
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 6, "other keys and no key store");
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_a_400_naming_the_header() {
    let t = with_logs().await;
    for key in ["has space", "a/b", &"k".repeat(129)] {
        let answer = ingest_with_key(&t, key, json!({"message": "a"})).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(answer.1["details"][0]["field"], "Idempotency-Key", "{key:?}");
    }
    assert_eq!(t.server.search(&t.ada, "web", "").await.1["total"], 0);
}
