//! `GET /api/projects/:p/logs/histogram`: counts per level per bucket,
//! under the search filters.

use reqwest::StatusCode;
use serde_json::json;

use crate::{Logs, assert_error, detail_fields, with_logs};

async fn seeded() -> Logs {
    let t = with_logs().await;
    let batch = json!([
        {"message": "a", "level": "info", "timestamp": "2026-01-01T10:00:05Z", "source": "api"},
        {"message": "b", "level": "info", "timestamp": "2026-01-01T10:00:59.999Z"},
        {"message": "c", "level": "error", "timestamp": "2026-01-01T10:00:30Z", "source": "api"},
        {"message": "d", "level": "warn", "timestamp": "2026-01-01T10:01:00Z"},
        {"message": "e", "level": "error", "timestamp": "2026-01-01T10:07:00Z", "source": "api"},
        {"message": "f", "level": "fatal", "timestamp": "2026-01-01T12:30:00Z"},
    ]);
    t.server.ingest_ok(&t.writer, batch, 6).await;
    t
}

#[tokio::test]
async fn minute_buckets_count_each_level_and_skip_empty_buckets() {
    let t = seeded().await;
    let (status, body) = t.server.get("/api/projects/web/logs/histogram?interval=1m", &t.ada).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"interval": "1m", "buckets": [
            {"start": "2026-01-01T10:00:00.000Z", "total": 3, "counts": {"info": 2, "error": 1}},
            {"start": "2026-01-01T10:01:00.000Z", "total": 1, "counts": {"warn": 1}},
            {"start": "2026-01-01T10:07:00.000Z", "total": 1, "counts": {"error": 1}},
            {"start": "2026-01-01T12:30:00.000Z", "total": 1, "counts": {"fatal": 1}},
        ]})
    );
}

#[tokio::test]
async fn wider_intervals_and_filters_regroup_the_counts() {
    let t = seeded().await;
    let body = t.server.get("/api/projects/web/logs/histogram?interval=5m", &t.ada).await.1;
    let starts: Vec<(&str, u64)> = body["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["start"].as_str().unwrap(), b["total"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        starts,
        [("2026-01-01T10:00:00.000Z", 4), ("2026-01-01T10:05:00.000Z", 1), ("2026-01-01T12:30:00.000Z", 1)]
    );

    // The default interval is an hour.
    let body = t.server.get("/api/projects/web/logs/histogram?source=api&minLevel=error", &t.ada).await.1;
    assert_eq!(
        body,
        json!({"interval": "1h", "buckets": [
            {"start": "2026-01-01T10:00:00.000Z", "total": 2, "counts": {"error": 2}},
        ]})
    );
    let body = t
        .server
        .get(
            "/api/projects/web/logs/histogram?interval=1d&from=2026-01-01T10:01:00Z&to=2026-01-01T12:00:00Z",
            &t.ada,
        )
        .await
        .1;
    assert_eq!(
        body["buckets"],
        json!([{"start": "2026-01-01T00:00:00.000Z", "total": 2, "counts": {"warn": 1, "error": 1}}])
    );
}

#[tokio::test]
async fn a_bad_interval_or_filter_is_a_400_naming_it() {
    let t = seeded().await;
    let answer = t.server.get("/api/projects/web/logs/histogram?interval=2h", &t.ada).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["interval"]);
    let answer = t.server.get("/api/projects/web/logs/histogram?interval=1w&level=loud", &t.ada).await;
    assert_eq!(detail_fields(&answer.1), ["level", "interval"]);
}
