//! The tracing layer. Events are emitted synchronously inside
//! `with_default`, on the test's own thread, so the thread-scoped
//! subscriber sees exactly the test's events and no global state is set.

use std::time::Duration;

use orion_client::{BatchConfig, Client, LogSender, OrionLayer};
use serde_json::{Value, json};
use tracing::Level;
use tracing_subscriber::layer::SubscriberExt;

use crate::support::{FakeServer, Orion, fast_retry};

fn sender(url: &str, token: &str) -> LogSender {
    let client = Client::new(url, token).unwrap().with_retry(fast_retry(3));
    LogSender::spawn(
        client,
        BatchConfig { max_batch: 100, flush_interval: Duration::from_secs(60), max_buffer: 1_000 },
    )
}

/// Runs `emit` with `layer` as the only subscriber of this thread.
fn emit_with(layer: OrionLayer, emit: impl FnOnce()) {
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), emit);
}

/// The entries the fake server received.
fn shipped(server: &FakeServer) -> Vec<Value> {
    server.requests().iter().flat_map(|r| r.json().as_array().unwrap().clone()).collect()
}

#[tokio::test]
async fn an_event_becomes_an_entry_with_its_level_message_fields_target_and_spans() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server.url, "t");
    let layer = OrionLayer::new(logs.clone()).with_spans(true).with_target_tag(true).with_tag("billing");
    emit_with(layer, || {
        let span = tracing::info_span!("request", id = 7, route = "/pay");
        let _in = span.enter();
        let inner = tracing::debug_span!("db");
        let _db = inner.enter();
        let err = std::io::Error::other("disk gone");
        tracing::warn!(target: "app::db", user = 42, ok = true, ratio = 0.5, error = &err as &dyn std::error::Error, "slow query {}", 3);
    });
    logs.flush().await;
    let entries = shipped(&server);
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["level"], "warn");
    assert_eq!(entry["message"], "slow query 3");
    assert_eq!(
        entry["metadata"],
        json!({
            "user": 42, "ok": true, "ratio": 0.5, "error": "disk gone",
            "id": 7, "route": "/pay", "spans": "request:db", "target": "app::db",
        })
    );
    assert_eq!(entry["tags"], json!(["billing", "app::db"]));
    assert!(entry["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn levels_map_one_to_one_and_the_maximum_level_filters() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server.url, "t");
    emit_with(OrionLayer::new(logs.clone()), || {
        tracing::trace!("t");
        tracing::debug!("d");
        tracing::info!("i");
        tracing::warn!("w");
        tracing::error!("e");
    });
    emit_with(OrionLayer::new(logs.clone()).with_max_level(Level::WARN), || {
        tracing::info!("quiet");
        tracing::error!("loud");
    });
    logs.flush().await;
    let levels: Vec<(String, String)> = shipped(&server)
        .iter()
        .map(|e| (e["level"].as_str().unwrap().to_owned(), e["message"].as_str().unwrap().to_owned()))
        .collect();
    let expected =
        [("trace", "t"), ("debug", "d"), ("info", "i"), ("warn", "w"), ("error", "e"), ("error", "loud")];
    assert_eq!(levels, expected.map(|(l, m)| (l.to_owned(), m.to_owned())));
}

#[tokio::test]
async fn events_of_the_client_and_of_the_http_stack_are_never_shipped() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server.url, "t");
    emit_with(OrionLayer::new(logs.clone()).ignore_target("noisy"), || {
        tracing::info!(target: "orion_client", "own");
        tracing::info!(target: "orion_client::sender", "own module");
        tracing::info!(target: "reqwest::connect", "connecting");
        tracing::info!(target: "hyper_util::client::legacy", "pooled");
        tracing::info!(target: "h2::codec", "frame");
        tracing::info!(target: "noisy::inner", "custom");
        tracing::info!(target: "orion_clientele", "kept: only whole path segments match");
        tracing::info!(target: "app", "kept");
    });
    logs.flush().await;
    let messages: Vec<Value> = shipped(&server).iter().map(|e| e["message"].clone()).collect();
    assert_eq!(messages, [json!("kept: only whole path segments match"), json!("kept")]);
}

#[tokio::test]
async fn an_event_without_a_message_is_shipped_with_its_fields_as_text() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server.url, "t");
    emit_with(OrionLayer::new(logs.clone()), || {
        tracing::info!(user = 5, name = "ann");
        tracing::info!(message = "   ", code = 3);
    });
    logs.flush().await;
    let messages: Vec<Value> = shipped(&server).iter().map(|e| e["message"].clone()).collect();
    assert_eq!(messages, [json!("name=ann user=5"), json!("code=3")]);
}

#[tokio::test]
async fn an_oversized_event_is_cut_to_what_the_server_accepts() {
    let orion = Orion::start().await;
    let logs = sender(&orion.server.base_url, &orion.source_token);
    let huge = "é".repeat(40_000); // 80,000 bytes
    emit_with(OrionLayer::new(logs.clone()), || {
        tracing::info!(
            a = huge.as_str(),
            b = huge.as_str(),
            c = huge.as_str(),
            d = huge.as_str(),
            e = huge.as_str(),
            "{huge}"
        );
    });
    logs.shutdown().await;
    assert_eq!(logs.stats().sent, 1, "{:?}", logs.stats());
    let log = &orion.logs("").await["logs"][0];
    assert_eq!(log["message"].as_str().unwrap().len(), 65_536);
    assert!(log["metadata"]["droppedFields"].is_array());
}

#[tokio::test]
async fn a_tracing_event_reaches_the_real_server_as_a_searchable_log() {
    let orion = Orion::start().await;
    let logs = sender(&orion.server.base_url, &orion.source_token);
    emit_with(OrionLayer::new(logs.clone()), || {
        tracing::error!(order = 1234, "payment declined");
    });
    logs.shutdown().await;
    let body = orion.logs("search=payment%20declined&level=error").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["logs"][0]["metadata"]["order"], 1234);
}
