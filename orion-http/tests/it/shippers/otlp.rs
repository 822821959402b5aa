//! `POST /otlp/v1/logs`.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{gzip, send, stored};
use crate::{token_of, with_logs};

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

fn record(body: &str, severity: i32, ns: u64) -> LogRecord {
    LogRecord {
        time_unix_nano: ns,
        severity_number: severity,
        body: Some(AnyValue { value: Some(any_value::Value::StringValue(body.into())) }),
        ..Default::default()
    }
}

pub(super) fn request(service: &str, records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", any_value::Value::StringValue(service.into())),
                    kv("host.name", any_value::Value::StringValue("web-1".into())),
                ],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "checkout.payments".into(),
                    version: "1.2".into(),
                    ..Default::default()
                }),
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[tokio::test]
async fn a_gzipped_protobuf_export_is_stored_with_its_mapping_and_answered_in_protobuf() {
    let t = with_logs().await;
    let mut error = record("payment declined", 17, 1_705_314_600_123_000_000);
    error.attributes =
        vec![kv("user.id", any_value::Value::IntValue(42)), kv("retry", any_value::Value::BoolValue(false))];
    error.trace_id = (1..=16).collect();
    error.span_id = (1..=8).collect();
    let mut no_time = record("observed only", 0, 0);
    no_time.observed_time_unix_nano = 1_705_314_601_000_000_000;
    no_time.severity_text = "Warning".into();
    let body = gzip(&request("Checkout", vec![error, no_time]).encode_to_vec());
    let (status, headers, answer) = send(
        &t,
        "/otlp/v1/logs",
        Some(&format!("Bearer {}", t.writer)),
        &[("content-type", "application/x-protobuf"), ("content-encoding", "gzip")],
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(headers["content-type"], "application/x-protobuf");
    assert!(answer.is_empty(), "an empty ExportLogsServiceResponse is zero bytes");

    let logs = stored(&t).await;
    assert_eq!(logs.len(), 2);
    let (observed, declined) = (&logs[0], &logs[1]);
    assert_eq!(declined["message"], "payment declined");
    assert_eq!(declined["level"], "error");
    assert_eq!(declined["source"], "checkout");
    assert_eq!(declined["timestamp"], "2024-01-15T10:30:00.123Z");
    let meta = &declined["metadata"];
    assert_eq!(meta["user.id"], 42);
    assert_eq!(meta["retry"], false);
    assert_eq!(meta["traceId"], "0102030405060708090a0b0c0d0e0f10");
    assert_eq!(meta["spanId"], "0102030405060708");
    assert_eq!(meta["resource"], json!({"service.name": "Checkout", "host.name": "web-1"}));
    assert_eq!(meta["scope"], json!({"name": "checkout.payments", "version": "1.2"}));
    assert_eq!(
        (observed["level"].as_str(), observed["timestamp"].as_str()),
        (Some("warn"), Some("2024-01-15T10:30:01.000Z"))
    );
}

#[tokio::test]
async fn otlp_json_is_answered_in_json_and_a_bound_source_wins() {
    let t = with_logs().await;
    let created = t.server.create_source(&t.ada, "web", "edge").await;
    let bound = token_of(&created);
    let body = json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "ignored"}}]},
        "scopeLogs": [{"scope": {}, "logRecords": [{
            "timeUnixNano": "1705314600000000000", "severityNumber": 21, "severityText": "FATAL",
            "body": {"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "2"}]}},
            "attributes": [{"key": "blob", "value": {"bytesValue": "AAE="}}],
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "someFutureField": {"x": 1}
        }]}]
    }]});
    let (status, headers, answer) = send(
        &t,
        "/otlp/v1/logs",
        Some(&format!("Bearer {bound}")),
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(serde_json::from_slice::<Value>(&answer).unwrap(), json!({}));
    let logs = stored(&t).await;
    let log = &logs[0];
    assert_eq!(
        (log["message"].as_str(), log["level"].as_str(), log["source"].as_str()),
        (Some(r#"["a",2]"#), Some("fatal"), Some("edge"))
    );
    assert_eq!(log["metadata"]["blob"], "AAE=");
    assert_eq!(log["metadata"]["traceId"], "5b8efff798038103d269b633813fc60c");
}

#[tokio::test]
async fn the_live_tail_sees_otlp_entries() {
    let t = with_logs().await;
    let mut live = t.server.live(Some(&t.ada), "project=web").await.unwrap();
    let body = request("api", vec![record("hello live", 9, 1_705_314_600_000_000_000)]).encode_to_vec();
    let auth = format!("Bearer {}", t.writer);
    let (status, _, _) =
        send(&t, "/otlp/v1/logs", Some(&auth), &[("content-type", "application/x-protobuf")], body).await;
    assert_eq!(status, StatusCode::OK);
    let event = loop {
        let event = live.next().await;
        if event["type"] == "log" {
            break event;
        }
    };
    assert_eq!(event["log"]["message"], "hello live");
    assert_eq!(event["log"]["source"], "api");
}
