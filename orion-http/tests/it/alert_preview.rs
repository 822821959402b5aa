//! `POST …/alerts/rules/preview` over HTTP: the answer's shape and a 400
//! naming the bad field (the order of checks is `check_order`'s).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{assert_error, detail_fields, with_logs};

#[tokio::test]
async fn a_preview_answers_points_and_firings_and_names_bad_fields() {
    let t = with_logs().await;
    t.server.ingest_ok(&t.writer, json!([{"message": "boom", "level": "error"}]), 1).await;
    let path = "/api/projects/web/alerts/rules/preview";
    let body = json!({"condition": "error_count >= 1", "windowMinutes": 5});
    let (status, got) = t.server.request(Method::POST, path, Some(&t.ada), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["stepSeconds"], 60);
    let points = got["points"].as_array().unwrap();
    assert_eq!(points.len(), 1_440);
    assert!(points[0]["t"].as_str().unwrap().ends_with('Z'));
    assert_eq!(points[0]["holds"], false);
    // The entry was stored now: the window ending at the last point misses
    // it (exclusive end) or holds it; either way it fires at most once.
    assert!(got["wouldFire"].as_u64().unwrap() <= 1, "{got}");

    let bad = json!({"condition": "error_count >", "windowMinutes": 5000});
    let answer = t.server.request(Method::POST, path, Some(&t.ada), Some(bad)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(detail_fields(&answer.1), ["condition", "windowMinutes"]);
}
