//! Searching over HTTP: every filter as a query parameter, paging and
//! totals, bad parameters as 400s naming them, the per-source endpoint,
//! and who may read.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Logs, assert_error, detail_fields, token_of, with_logs};

/// Six entries with distinct levels, times, sources, tags and metadata:
///
/// | message        | level | minute | source | tags        | region |
/// |----------------|-------|--------|--------|-------------|--------|
/// | boot           | info  | 00     | api    | a           | eu-1   |
/// | Disk 100% full | warn  | 01     | api    | a, b        | eu-1   |
/// | db timeout     | error | 02     | worker | b           | us-1   |
/// | debug a_b      | debug | 03     | worker | a, b, c     | eu-1   |
/// | crash!         | fatal | 04     | api    |             | us-1   |
/// | ÉCOLE ok       | trace | 05     |        | c           |        |
async fn seeded() -> Logs {
    let t = with_logs().await;
    let at = |minute: u32| format!("2026-01-01T10:{minute:02}:00Z");
    let batch = json!([
        {"message": "boot", "level": "info", "timestamp": at(0), "source": "api", "tags": ["a"], "metadata": {"region": "eu-1", "n": 1}},
        {"message": "Disk 100% full", "level": "warn", "timestamp": at(1), "source": "api", "tags": ["a", "b"], "metadata": {"region": "eu-1", "n": 2}},
        {"message": "db timeout", "level": "error", "timestamp": at(2), "source": "worker", "tags": ["b"], "metadata": {"region": "us-1"}},
        {"message": "debug a_b", "level": "debug", "timestamp": at(3), "source": "worker", "tags": ["a", "b", "c"], "metadata": {"region": "eu-1"}},
        {"message": "crash!", "level": "fatal", "timestamp": at(4), "source": "api", "metadata": {"region": "us-1"}},
        {"message": "ÉCOLE ok", "level": "trace", "timestamp": at(5), "tags": ["c"]},
    ]);
    t.server.ingest_ok(&t.writer, batch, 6).await;
    t
}

#[tokio::test]
async fn every_filter_works_as_a_query_parameter() {
    let t = seeded().await;
    let cases: &[(&str, &[&str])] = &[
        ("", &["ÉCOLE ok", "crash!", "debug a_b", "db timeout", "Disk 100% full", "boot"]),
        ("level=error", &["db timeout"]),
        ("level=warning,FATAL", &["crash!", "Disk 100% full"]),
        ("level=info&level=err", &["db timeout", "boot"]),
        ("minLevel=warn", &["crash!", "db timeout", "Disk 100% full"]),
        ("search=DISK", &["Disk 100% full"]),
        ("search=100%25", &["Disk 100% full"]),
        ("search=a_b", &["debug a_b"]),
        ("search=%C3%A9cole", &["ÉCOLE ok"]),
        ("search=%25%25", &[]),
        ("source=worker", &["debug a_b", "db timeout"]),
        ("tags=a,b", &["debug a_b", "Disk 100% full"]),
        ("tags=c", &["ÉCOLE ok", "debug a_b"]),
        ("from=2026-01-01T10:02:00Z&to=2026-01-01T10:04:00Z", &["debug a_b", "db timeout"]),
        ("from=2026-01-01T11:03:00%2B01:00", &["ÉCOLE ok", "crash!", "debug a_b"]),
        ("meta.region=us-1", &["crash!", "db timeout"]),
        ("meta.region=eu-1&meta.n=2", &["Disk 100% full"]),
        ("source=api&minLevel=warn&tags=b", &["Disk 100% full"]),
        ("source=api&search=boot&level=error", &[]),
        ("level=info,error,fatal&minLevel=warn", &["crash!", "db timeout"]),
        ("level=debug&minLevel=error", &[]),
    ];
    for (query, expected) in cases {
        assert_eq!(t.server.messages(&t.ada, "web", query).await, *expected, "?{query}");
    }
}

#[tokio::test]
async fn pages_are_newest_first_with_limit_offset_and_the_total() {
    let t = seeded().await;
    let (status, page) = t.server.search(&t.ada, "web", "limit=2&offset=1").await;
    assert_eq!(status, StatusCode::OK);
    let messages: Vec<&str> =
        page["logs"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["crash!", "debug a_b"]);
    assert_eq!((&page["total"], &page["totalIsLowerBound"]), (&json!(6), &json!(false)));
    assert_eq!((&page["limit"], &page["offset"]), (&json!(2), &json!(1)));

    let defaults = t.server.search(&t.ada, "web", "").await.1;
    assert_eq!((&defaults["limit"], &defaults["offset"]), (&json!(100), &json!(0)));
    let past_the_end = t.server.search(&t.ada, "web", "offset=50").await.1;
    assert_eq!((past_the_end["logs"].as_array().unwrap().len(), &past_the_end["total"]), (0, &json!(6)));
}

#[tokio::test]
async fn the_total_is_a_lower_bound_past_ten_thousand() {
    let t = with_logs().await;
    let batch: Vec<Value> = (0..10_000).map(|i| json!({ "message": format!("m{i}") })).collect();
    t.server.ingest_ok(&t.writer, Value::Array(batch), 10_000).await;
    let page = t.server.search(&t.ada, "web", "limit=1").await.1;
    assert_eq!((&page["total"], &page["totalIsLowerBound"]), (&json!(10_000), &json!(false)));
    t.server.ingest_ok(&t.writer, json!({ "message": "one more" }), 1).await;
    let page = t.server.search(&t.ada, "web", "limit=1").await.1;
    assert_eq!((&page["total"], &page["totalIsLowerBound"]), (&json!(10_000), &json!(true)));
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_them() {
    let t = seeded().await;
    let cases: &[(&str, &[&str])] = &[
        ("level=loud", &["level"]),
        ("level=info,nope", &["level"]),
        ("minLevel=verbose", &["minLevel"]),
        ("from=yesterday", &["from"]),
        ("from=&to=", &["from", "to"]),
        ("to=2026-01-01", &["to"]),
        ("limit=-1", &["limit"]),
        ("limit=abc", &["limit"]),
        ("limit=0", &["limit"]),
        ("limit=1001", &["limit"]),
        ("offset=-5", &["offset"]),
        ("meta.=x", &["meta."]),
        ("level=loud&from=never&limit=-1", &["level", "from", "limit"]),
    ];
    for (query, fields) in cases {
        let answer = t.server.search(&t.ada, "web", query).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), *fields, "?{query}");
    }
    let answer = t.server.get("/api/projects/web/sources/api/logs?from=later", &t.ada).await;
    assert_eq!(detail_fields(&answer.1), ["from"]);
}

#[tokio::test]
async fn the_source_endpoint_fixes_the_source() {
    let t = seeded().await;
    let (status, page) = t.server.get("/api/projects/web/sources/worker/logs?source=api", &t.ada).await;
    assert_eq!(status, StatusCode::OK);
    let messages: Vec<&str> =
        page["logs"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["debug a_b", "db timeout"]);
    assert_eq!(page["total"], 2);
    let page = t.server.get("/api/projects/web/sources/api/logs?minLevel=error", &t.ada).await.1;
    assert_eq!(page["logs"][0]["message"], "crash!");

    let answer = t.server.get("/api/projects/web/sources/nothing/logs", &t.ada).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    let answer = t.server.get("/api/projects/web/sources/NOT%20A%20NAME/logs", &t.ada).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn the_owner_and_project_tokens_with_logs_read_may_read_and_nobody_else() {
    let t = seeded().await;
    let reader = token_of(&t.server.create_token(&t.ada, "web", "reader", &["logs:read"]).await);
    assert_eq!(t.server.search(&reader, "web", "").await.1["total"], 6);

    let paths = [
        "/api/projects/web/logs",
        "/api/projects/web/sources/api/logs",
        "/api/projects/web/logs/export",
        "/api/projects/web/logs/histogram",
    ];
    // A token without logs:read (the writer) is refused.
    for path in paths {
        assert_error(&t.server.get(path, &t.writer).await, StatusCode::FORBIDDEN, "missing_permission");
    }
    // Another user, and a token of another project, see nothing: 404.
    let bob = t.server.signup("bob").await;
    t.server.create_project(&bob, "bobs").await;
    let bobs_reader = token_of(&t.server.create_token(&bob, "bobs", "reader", &["logs:read"]).await);
    t.server.create_project(&t.ada, "shop").await;
    let shop_reader = token_of(&t.server.create_token(&t.ada, "shop", "reader", &["logs:read"]).await);
    for token in [&bob, &bobs_reader, &shop_reader] {
        for path in paths {
            assert_error(&t.server.get(path, token).await, StatusCode::NOT_FOUND, "not_found");
        }
    }
    for path in paths {
        let answer = t.server.request(reqwest::Method::GET, path, None, None).await;
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn search_runs_on_sqlite_too() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let repos = orion_storage::connect(&url).await.expect("SQLite opens and migrates");
    let t = crate::with_logs_on(orion_testkit::TestServer::start_with(repos).await).await;
    let batch = json!([
        {"message": "Payment 100% OK", "level": "info", "tags": ["pay"], "metadata": {"region": "eu-1"}},
        {"message": "payment failed", "level": "error", "tags": ["pay", "alert"], "source": "api"},
    ]);
    t.server.ingest_ok(&t.writer, batch, 2).await;
    assert_eq!(
        t.server.messages(&t.ada, "web", "search=PAYMENT").await,
        ["payment failed", "Payment 100% OK"]
    );
    assert_eq!(t.server.messages(&t.ada, "web", "search=100%25").await, ["Payment 100% OK"]);
    assert_eq!(t.server.messages(&t.ada, "web", "minLevel=warn&tags=pay").await, ["payment failed"]);
    assert_eq!(t.server.messages(&t.ada, "web", "meta.region=eu-1").await, ["Payment 100% OK"]);
    assert_eq!(t.server.messages(&t.ada, "web", "source=api").await, ["payment failed"]);
}
