//! The `q=` query string on search, export and histogram, an entry's
//! context and facets over HTTP: answers, bounds, and errors (400 naming
//! `q` and the position, 404 for another project's entry), on the
//! in-memory backend and on SQLite's block engine.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Logs, assert_error, detail_fields, with_logs, with_logs_on};

async fn seed(t: &Logs) {
    let at = |s: u32| format!("2026-01-01T10:00:{s:02}Z");
    let batch = json!([
        {"message": "GET /healthz 200", "level": "info", "timestamp": at(0), "source": "lb", "tags": ["health"]},
        {"message": "connection refused by db", "level": "error", "timestamp": at(1), "source": "api", "tags": ["db"], "metadata": {"status": 503}},
        {"message": "timeout after 30s", "level": "warn", "timestamp": at(1), "source": "api", "metadata": {"status": 504}},
        {"message": "GET /orders 200", "level": "info", "timestamp": at(2), "source": "api", "tags": ["checkout"], "metadata": {"status": 200}},
        {"message": "timeout talking to db", "level": "error", "timestamp": at(3), "source": "worker", "tags": ["db"], "metadata": {"status": 500}},
    ]);
    t.server.ingest_ok(&t.writer, batch, 5).await;
}

async fn q(t: &Logs, query: &str) -> Vec<String> {
    t.server.messages(&t.ada, "web", &format!("q={}", urlencode(query))).await
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn the_query_string_narrows_like_its_terms(t: &Logs) {
    seed(t).await;
    let cases: &[(&str, &[&str])] = &[
        ("timeout", &["timeout talking to db", "timeout after 30s"]),
        ("timeout db", &["timeout talking to db"]),
        ("\"connection refused\"", &["connection refused by db"]),
        (
            "-tag:health -\"GET /orders\"",
            &["timeout talking to db", "timeout after 30s", "connection refused by db"],
        ),
        ("level>=warn -level:error", &["timeout after 30s"]),
        ("source:api meta.status>=500", &["timeout after 30s", "connection refused by db"]),
        ("meta.status<500 -source:lb", &["GET /orders 200"]),
        ("tag:db -source:worker", &["connection refused by db"]),
        ("-timeout -GET", &["connection refused by db"]),
    ];
    for (query, expected) in cases {
        assert_eq!(q(t, query).await, *expected, "q={query}");
    }
    // ANDed with the other parameters.
    let got = t.server.messages(&t.ada, "web", "minLevel=error&q=-db").await;
    assert!(got.is_empty(), "{got:?}");
    // Histogram and export take it too.
    let (status, body) = t
        .server
        .get(&format!("/api/projects/web/logs/histogram?interval=1m&q={}", urlencode("-level:info")), &t.ada)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["buckets"][0]["total"], 3);
    let response = t
        .server
        .http(reqwest::Method::GET, &format!("/api/projects/web/logs/export?q={}", urlencode("tag:db")))
        .bearer_auth(&t.ada)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap().lines().count(), 2);
}

#[tokio::test]
async fn the_query_string_narrows_search_histogram_and_export() {
    the_query_string_narrows_like_its_terms(&with_logs().await).await;
}

#[tokio::test]
async fn the_query_string_narrows_on_sqlite_too() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let repos = orion_storage::connect(&url).await.expect("SQLite opens and migrates");
    let t = with_logs_on(orion_testkit::TestServer::start_with(repos).await).await;
    the_query_string_narrows_like_its_terms(&t).await;
    context_and_facets_answer(&t).await;
}

#[tokio::test]
async fn a_bad_query_is_a_400_naming_q_and_the_position() {
    let t = with_logs().await;
    for (query, position) in [("ok level:loud", 10), ("\"open", 1), ("meta.k", 7), ("x -", 3)] {
        let answer = t.server.search(&t.ada, "web", &format!("q={}", urlencode(query))).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["q"], "{query}");
        let message = answer.1["details"][0]["message"].as_str().unwrap();
        assert!(message.ends_with(&format!("(at character {position})")), "{query}: {message}");
    }
    let long = "a".repeat(2_049);
    let answer = t.server.search(&t.ada, "web", &format!("q={long}")).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
}

fn messages(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect()
}

async fn context_and_facets_answer(t: &Logs) {
    let (_, page) = t.server.search(&t.ada, "web", &format!("q={}", urlencode("\"timeout after\""))).await;
    let id = page["logs"][0]["id"].as_i64().unwrap();
    let (status, body) =
        t.server.get(&format!("/api/projects/web/logs/{id}/context?before=5&after=1"), &t.ada).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entry"]["message"], "timeout after 30s");
    // Equal timestamps (10:00:01) ordered by id; both lists oldest first.
    assert_eq!(messages(&body["before"]), ["GET /healthz 200", "connection refused by db"]);
    assert_eq!(messages(&body["after"]), ["GET /orders 200"]);
    let (_, body) = t
        .server
        .get(&format!("/api/projects/web/logs/{id}/context?after=5&q={}", urlencode("-tag:checkout")), &t.ada)
        .await;
    assert_eq!(messages(&body["after"]), ["timeout talking to db"]);

    let (status, body) =
        t.server.get("/api/projects/web/logs/facets?fields=source,tags,meta.status&limit=2", &t.ada).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 5);
    assert_eq!(body["totalIsLowerBound"], false);
    assert_eq!(body["facets"]["source"], json!([{"value": "api", "count": 3}, {"value": "lb", "count": 1}]));
    assert_eq!(
        body["facets"]["tags"],
        json!([{"value": "db", "count": 2}, {"value": "checkout", "count": 1}])
    );
    assert_eq!(body["facets"]["meta.status"].as_array().unwrap().len(), 2);
    let (_, body) = t
        .server
        .get(&format!("/api/projects/web/logs/facets?fields=level&q={}", urlencode("db")), &t.ada)
        .await;
    assert_eq!(body["facets"]["level"], json!([{"value": "error", "count": 2}]));
}

#[tokio::test]
async fn context_and_facets_answer_in_memory() {
    let t = with_logs().await;
    seed(&t).await;
    context_and_facets_answer(&t).await;
}

#[tokio::test]
async fn context_and_facets_refuse_bad_input_and_other_projects() {
    let t = with_logs().await;
    seed(&t).await;
    let (_, page) = t.server.search(&t.ada, "web", "limit=1").await;
    let id = page["logs"][0]["id"].as_i64().unwrap();
    for bad in ["before=201", "after=-1", "before=x", "q=%22"] {
        let answer = t.server.get(&format!("/api/projects/web/logs/{id}/context?{bad}"), &t.ada).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    }
    let eleven = "fields=meta.a,meta.b,meta.c,meta.d,meta.e,meta.f,meta.g,meta.h,meta.i,meta.j,meta.k";
    // Repeats count toward the 10, as the document's pattern says.
    let eleven_repeats = "fields=level,level,level,level,level,level,level,level,level,level,level";
    for bad in [
        "fields=",
        "fields=,%20,",
        "fields=message",
        "fields=meta.",
        "limit=0",
        "limit=101",
        eleven,
        eleven_repeats,
    ] {
        let answer = t.server.get(&format!("/api/projects/web/logs/facets?{bad}"), &t.ada).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(
            detail_fields(&answer.1)[0],
            if bad.starts_with("limit") { "limit" } else { "fields" },
            "{bad}"
        );
    }
    // Another project of Ada's does not hold the entry; Bob sees no project.
    t.server.create_project(&t.ada, "other").await;
    let answer = t.server.get(&format!("/api/projects/other/logs/{id}/context"), &t.ada).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    for bad_id in ["0", "abc", "999999999"] {
        let answer = t.server.get(&format!("/api/projects/web/logs/{bad_id}/context"), &t.ada).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    let bob = t.server.signup("bob").await;
    let answer = t.server.get(&format!("/api/projects/web/logs/{id}/context"), &bob).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    let answer = t.server.get("/api/projects/web/logs/facets", &bob).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}
