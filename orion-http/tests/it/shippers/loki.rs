//! `POST /loki/api/v1/push`.

use orion_http::shippers::loki::{EntryAdapter, LabelPairAdapter, PushRequest, StreamAdapter, Timestamp};
use prost::Message;
use reqwest::StatusCode;
use serde_json::json;

use super::{gzip, send, snappy, stored};
use crate::with_logs;

#[tokio::test]
async fn a_snappy_protobuf_push_is_stored_with_labels_and_structured_metadata() {
    let t = with_logs().await;
    let push = PushRequest {
        streams: vec![
            StreamAdapter {
                labels: r#"{service_name="billing", env="prod", level="warn"}"#.into(),
                entries: vec![
                    EntryAdapter {
                        timestamp: Some(Timestamp { seconds: 1_705_314_600, nanos: 250_000_000 }),
                        line: "card expired".into(),
                        structured_metadata: vec![LabelPairAdapter {
                            name: "trace_id".into(),
                            value: "t-1".into(),
                        }],
                        parsed: vec![],
                    },
                    EntryAdapter {
                        timestamp: Some(Timestamp { seconds: 1_705_314_601, nanos: 0 }),
                        line: "retrying".into(),
                        structured_metadata: vec![LabelPairAdapter {
                            name: "detected_level".into(),
                            value: "debug".into(),
                        }],
                        parsed: vec![],
                    },
                ],
                hash: 0,
            },
            StreamAdapter {
                labels: r#"{job="cron"}"#.into(),
                entries: vec![EntryAdapter {
                    timestamp: Some(Timestamp { seconds: 1_705_314_602, nanos: 0 }),
                    line: "nightly done".into(),
                    structured_metadata: vec![],
                    parsed: vec![],
                }],
                hash: 0,
            },
        ],
    };
    let auth = format!("Bearer {}", t.writer);
    let (status, _, body) = send(
        &t,
        "/loki/api/v1/push",
        Some(&auth),
        &[("content-type", "application/x-protobuf")],
        snappy(&push.encode_to_vec()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&body));
    assert!(body.is_empty());
    let logs = stored(&t).await;
    assert_eq!(logs.len(), 3);
    let (cron, retry, expired) = (&logs[0], &logs[1], &logs[2]);
    assert_eq!(
        (expired["message"].as_str(), expired["level"].as_str()),
        (Some("card expired"), Some("warn"))
    );
    assert_eq!(expired["source"], "billing");
    assert_eq!(expired["timestamp"], "2024-01-15T10:30:00.250Z");
    assert_eq!(
        expired["metadata"],
        json!({"service_name": "billing", "env": "prod", "level": "warn", "trace_id": "t-1"})
    );
    // A label wins over structured metadata of the same meaning.
    assert_eq!(retry["level"], "warn");
    assert_eq!((cron["source"].as_str(), cron["level"].as_str()), (Some("cron"), Some("info")));
}

#[tokio::test]
async fn the_json_form_gzipped() {
    let t = with_logs().await;
    let body = json!({"streams": [{"stream": {"app": "Web Frontend", "detected_level": "ERROR"},
        "values": [["1705314600000000000", "render failed", {"route": "/cart"}]]}]});
    let auth = format!("Bearer {}", t.writer);
    let (status, _, answer) = send(
        &t,
        "/loki/api/v1/push",
        Some(&auth),
        &[("content-type", "application/json"), ("content-encoding", "gzip")],
        gzip(body.to_string().as_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&answer));
    let logs = stored(&t).await;
    assert_eq!(
        (logs[0]["source"].as_str(), logs[0]["level"].as_str()),
        (Some("web-frontend"), Some("error"))
    );
    assert_eq!(logs[0]["metadata"]["route"], "/cart");
    assert_eq!(logs[0]["timestamp"], "2024-01-15T10:30:00.000Z");
}

#[tokio::test]
async fn the_readiness_probe_vector_makes_is_answered_without_a_token() {
    let t = with_logs().await;
    let res = reqwest::get(t.server.url("/ready")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers()["content-type"].to_str().unwrap().contains("html"), "not the dashboard's shell");
    assert_eq!(res.text().await.unwrap(), "ready\n");
}
