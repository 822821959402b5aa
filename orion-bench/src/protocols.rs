//! (d) Ingest through each shipper protocol: the same workload encoded as
//! native JSON, OTLP/HTTP protobuf, Loki snappy protobuf and
//! Elasticsearch NDJSON, posted by the same concurrent clients to the same
//! server, so the entries/s figures compare the protocols' decoding and
//! mapping cost on top of the one ingest path they share.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::Utc;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use orion_core::model::log::Level;
use orion_http::shippers::loki::{EntryAdapter, LabelPairAdapter, PushRequest, StreamAdapter, Timestamp};
use prost::Message;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::workload::{self, Entry};

/// One protocol's requests, encoded before the clock starts.
pub struct Encoded {
    /// Name shown in the report.
    pub name: &'static str,
    /// Request path.
    pub path: &'static str,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The status of a success.
    pub ok: u16,
    /// Bodies, one per batch.
    pub bodies: Vec<bytes::Bytes>,
}

fn batches(total: u64, batch: u64, seed: u64) -> Vec<Vec<Entry>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    (0..total.div_ceil(batch))
        .map(|b| {
            (b * batch..((b + 1) * batch).min(total)).map(|n| workload::entry(&mut rng, n, now)).collect()
        })
        .collect()
}

fn nanos(e: &Entry) -> u64 {
    e.timestamp.timestamp_nanos_opt().unwrap_or_default() as u64
}

fn severity(level: Level) -> i32 {
    match level {
        Level::Trace => 1,
        Level::Debug => 5,
        Level::Info => 9,
        Level::Warn => 13,
        Level::Error => 17,
        Level::Fatal => 21,
    }
}

fn string(value: &Value) -> AnyValue {
    let value = match value {
        Value::String(s) => any_value::Value::StringValue(s.clone()),
        Value::Bool(b) => any_value::Value::BoolValue(*b),
        Value::Number(n) if n.is_i64() => any_value::Value::IntValue(n.as_i64().unwrap_or_default()),
        Value::Number(n) => any_value::Value::DoubleValue(n.as_f64().unwrap_or_default()),
        other => any_value::Value::StringValue(other.to_string()),
    };
    AnyValue { value: Some(value) }
}

fn kv(key: &str, value: AnyValue) -> KeyValue {
    KeyValue { key: key.to_owned(), value: Some(value), ..Default::default() }
}

/// The same workload in every protocol.
pub fn encode(total: u64, batch: u64, seed: u64) -> Vec<Encoded> {
    let batches = batches(total, batch, seed);
    let native = batches
        .iter()
        .map(|b| serde_json::to_vec(&b.iter().map(Entry::to_json).collect::<Vec<_>>()).expect("json").into())
        .collect();
    let otlp = batches
        .iter()
        .map(|b| {
            let records = b
                .iter()
                .map(|e| LogRecord {
                    time_unix_nano: nanos(e),
                    severity_number: severity(e.level),
                    body: Some(AnyValue { value: Some(any_value::Value::StringValue(e.message.clone())) }),
                    attributes: e.metadata.iter().map(|(k, v)| kv(k, string(v))).collect(),
                    ..Default::default()
                })
                .collect();
            let request = ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    resource: Some(Resource {
                        attributes: vec![kv("service.name", string(&json!("app")))],
                        ..Default::default()
                    }),
                    scope_logs: vec![ScopeLogs { log_records: records, ..Default::default() }],
                    ..Default::default()
                }],
            };
            request.encode_to_vec().into()
        })
        .collect();
    let loki = batches
        .iter()
        .map(|b| {
            // One stream per level, as Promtail groups by label set.
            let streams = Level::ALL
                .iter()
                .map(|level| StreamAdapter {
                    labels: format!("{{service_name=\"app\", level=\"{}\"}}", level.as_str()),
                    entries: b
                        .iter()
                        .filter(|e| e.level == *level)
                        .map(|e| EntryAdapter {
                            timestamp: Some(Timestamp {
                                seconds: e.timestamp.timestamp(),
                                nanos: e.timestamp.timestamp_subsec_nanos() as i32,
                            }),
                            line: e.message.clone(),
                            structured_metadata: e
                                .metadata
                                .iter()
                                .map(|(k, v)| LabelPairAdapter {
                                    name: k.clone(),
                                    value: v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                                })
                                .collect(),
                            parsed: vec![],
                        })
                        .collect(),
                    hash: 0,
                })
                .filter(|s| !s.entries.is_empty())
                .collect();
            let raw = PushRequest { streams }.encode_to_vec();
            snap::raw::Encoder::new().compress_vec(&raw).expect("snappy").into()
        })
        .collect();
    let es = batches
        .iter()
        .map(|b| {
            let mut body = Vec::new();
            for e in b {
                body.extend_from_slice(b"{\"create\":{\"_index\":\"app\"}}\n");
                let mut doc = e.metadata.clone();
                doc.insert("@timestamp".into(), json!(orion_core::rfc3339::millis(e.timestamp)));
                doc.insert("message".into(), json!(e.message));
                doc.insert("log.level".into(), json!(e.level.as_str()));
                serde_json::to_writer(&mut body, &doc).expect("json");
                body.push(b'\n');
            }
            body.into()
        })
        .collect();
    vec![
        Encoded {
            name: "native JSON",
            path: "/api/agent/log",
            content_type: "application/json",
            ok: 201,
            bodies: native,
        },
        Encoded {
            name: "OTLP/HTTP protobuf",
            path: "/otlp/v1/logs",
            content_type: "application/x-protobuf",
            ok: 200,
            bodies: otlp,
        },
        Encoded {
            name: "Loki snappy protobuf",
            path: "/loki/api/v1/push",
            content_type: "application/x-protobuf",
            ok: 204,
            bodies: loki,
        },
        Encoded {
            name: "Elasticsearch bulk",
            path: "/es/_bulk",
            content_type: "application/x-ndjson",
            ok: 200,
            bodies: es,
        },
    ]
}

/// Posts every body of one protocol, `clients` at a time (a 429 is
/// retried); wall time from the first request to the last answer, and the
/// number of 429s.
pub async fn run(
    base: &str,
    token: &str,
    encoded: Encoded,
    clients: usize,
) -> anyhow::Result<(Duration, u64)> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let queue = Arc::new(tokio::sync::Mutex::new(encoded.bodies));
    let url = format!("{base}{}", encoded.path);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, queue, url, token) = (client.clone(), queue.clone(), url.clone(), token.to_owned());
        let (content_type, ok) = (encoded.content_type, encoded.ok);
        tasks.push(tokio::spawn(async move {
            let mut throttled = 0u64;
            loop {
                let Some(body) = queue.lock().await.pop() else { break };
                loop {
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", content_type)
                        .body(body.clone())
                        .send()
                        .await?;
                    let status = res.status().as_u16();
                    if status == 429 {
                        throttled += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    let text = res.text().await.unwrap_or_default();
                    if status != ok || text.contains("\"errors\":true") {
                        bail!("{url} answered {status}: {}", &text[..text.len().min(300)]);
                    }
                    break;
                }
            }
            anyhow::Ok(throttled)
        }));
    }
    let mut throttled = 0;
    for task in tasks {
        throttled += task.await??;
    }
    Ok((started.elapsed(), throttled))
}
