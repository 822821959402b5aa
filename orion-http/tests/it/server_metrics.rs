//! `GET /api/projects/:p/servers/metrics`: every server's series in one
//! call, averaged per step, with its bounds (range, points) and refusals.
//! (Another user's project and API tokens are covered for every project
//! route in `authorization.rs` and `check_order.rs`.)

use chrono::{DateTime, Utc};
use orion_core::port::Clock;
use orion_testkit::server::heartbeat_body;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Fleet, assert_error, detail_fields, with_agent};

async fn metrics(fleet: &Fleet, query: &str) -> Value {
    let (status, body) =
        fleet.server.get(&format!("/api/projects/web/servers/metrics?{query}"), &fleet.ada).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

async fn beat(fleet: &Fleet, token: &str, at: &str, cpu: f64, ram: f64) {
    let mut body = heartbeat_body();
    body["timestamp"] = json!(at);
    body["cpu"]["percent"] = json!(cpu);
    body["ram"] = json!({"percent": ram});
    fleet.server.heartbeat_ok(token, body).await;
}

#[tokio::test]
async fn every_server_gets_its_means_per_step_in_one_call() {
    let fleet = with_agent().await;
    let db = fleet.server.agent_token(&fleet.ada, "web", "db-1").await;
    let idle = fleet.server.agent_token(&fleet.ada, "web", "idle").await;
    let agent = fleet.agent.clone();
    beat(&fleet, &agent, "2026-01-01T00:00:10Z", 10.0, 20.0).await;
    beat(&fleet, &agent, "2026-01-01T00:00:50Z", 30.0, 40.0).await;
    beat(&fleet, &agent, "2026-01-01T00:02:05Z", 50.0, 60.0).await;
    beat(&fleet, &db, "2026-01-01T00:01:00Z", 90.0, 10.0).await;
    // Outside the range: before `from`, and at `to` (exclusive).
    beat(&fleet, &db, "2025-12-31T23:59:59.999Z", 1.0, 1.0).await;
    beat(&fleet, &db, "2026-01-01T00:03:00Z", 1.0, 1.0).await;
    drop(idle);

    let body = metrics(&fleet, "from=2026-01-01T00:00:00Z&to=2026-01-01T00:03:00Z&step=1m").await;
    assert_eq!((&body["step"], &body["stepSeconds"]), (&json!("1m"), &json!(60)));
    assert_eq!(
        (&body["from"], &body["to"]),
        (&json!("2026-01-01T00:00:00.000Z"), &json!("2026-01-01T00:03:00.000Z"))
    );
    let web = &body["servers"]["web-1"];
    assert_eq!(
        web,
        &json!([
            {"t": "2026-01-01T00:00:00.000Z", "cpu": 20.0, "ram": 30.0, "disk": 25.0,
             "rxBytesPerSec": 1024.0, "txBytesPerSec": 512.5, "samples": 2},
            {"t": "2026-01-01T00:02:00.000Z", "cpu": 50.0, "ram": 60.0, "disk": 25.0,
             "rxBytesPerSec": 1024.0, "txBytesPerSec": 512.5, "samples": 1},
        ])
    );
    let db_series = body["servers"]["db-1"].as_array().unwrap();
    assert_eq!(db_series.len(), 1, "{body}");
    assert_eq!(
        (&db_series[0]["t"], &db_series[0]["cpu"]),
        (&json!("2026-01-01T00:01:00.000Z"), &json!(90.0))
    );
    // A server without heartbeats in the range is listed, with no points.
    assert_eq!(body["servers"]["idle"], json!([]));
    assert_eq!(body["servers"].as_object().unwrap().len(), 3);

    // A wider step: one point per server.
    let body = metrics(&fleet, "from=2026-01-01T00:00:00Z&to=2026-01-01T00:03:00Z&step=1h").await;
    assert_eq!(body["servers"]["web-1"][0]["cpu"], 30.0);
    assert_eq!(body["servers"]["web-1"][0]["samples"], 3);
}

#[tokio::test]
async fn the_defaults_are_the_last_hour_by_the_minute() {
    let fleet = with_agent().await;
    let now: DateTime<Utc> = fleet.server.clock.now();
    let agent = fleet.agent.clone();
    beat(&fleet, &agent, &(now - chrono::Duration::minutes(30)).to_rfc3339(), 40.0, 40.0).await;
    beat(&fleet, &agent, &(now - chrono::Duration::minutes(61)).to_rfc3339(), 99.0, 99.0).await;
    let body = metrics(&fleet, "").await;
    assert_eq!(body["step"], "1m");
    let from = DateTime::parse_from_rfc3339(body["from"].as_str().unwrap()).unwrap();
    let to = DateTime::parse_from_rfc3339(body["to"].as_str().unwrap()).unwrap();
    assert_eq!(to - from, chrono::Duration::hours(1));
    let series = body["servers"]["web-1"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{body}");
    assert_eq!(series[0]["cpu"], 40.0);
}

#[tokio::test]
async fn the_range_and_the_points_are_bounded_by_widening_never_by_refusing() {
    let fleet = with_agent().await;
    // A year by the second: the range starts 30 days before `to`, and the
    // step grows so that a series has at most 1,440 points.
    let body = metrics(&fleet, "from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&step=1s").await;
    assert_eq!(body["from"], "2025-12-02T00:00:00.000Z");
    // 30 days in 1,439 steps, rounded up to whole seconds.
    assert_eq!((&body["step"], &body["stepSeconds"]), (&json!("1802s"), &json!(1_802)), "{body}");
    // A backwards range is empty, not an error.
    let body = metrics(&fleet, "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").await;
    assert_eq!(body["servers"], json!({"web-1": []}));
}

#[tokio::test]
async fn bad_parameters_are_refused_naming_each() {
    let fleet = with_agent().await;
    for query in ["step=0m", "step=1w", "step=1.5m", "step=", "step=1000000s"] {
        let answer =
            fleet.server.get(&format!("/api/projects/web/servers/metrics?{query}"), &fleet.ada).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(detail_fields(&answer.1), ["step"], "{query}");
    }
    let answer =
        fleet.server.get("/api/projects/web/servers/metrics?from=yesterday&to=now&step=1m", &fleet.ada).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["from", "to"]);
    // Another user's project is a 404 before the parameters are read.
    let bob = fleet.server.signup("bob").await;
    let answer = fleet.server.get("/api/projects/web/servers/metrics?step=0m", &bob).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}
