//! `GET /ws`, the live tail: delivery after ingest, filters from the query
//! and from `subscribe` messages, isolation between users and projects,
//! the `lagged` notice, pings, tokens in the query, refusals before the
//! upgrade, and a clean close on shutdown.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use orion_core::port::BroadcastBus;
use orion_http::LiveOptions;
use orion_testkit::server::LiveClient;
use orion_testkit::{FakeClock, InMemoryRepos, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::{Logs, token_of, with_logs, with_logs_on};

async fn connect(t: &Logs, token: &str, query: &str) -> LiveClient {
    t.server.live(Some(token), query).await.expect("the WebSocket opens")
}

/// Proves that nothing else was on its way to `live`: writes `marker` (one
/// entry its filters accept) with `writer` and checks that it is the next
/// message. A session's messages keep publication order, so anything
/// published before the marker would have come first; no wait needed.
async fn nothing_before_marker(t: &Logs, writer: &str, live: &mut LiveClient, marker: Value) {
    let expected = marker["message"].clone();
    t.server.ingest_ok(writer, marker, 1).await;
    let next = live.next().await;
    assert_eq!(next["log"]["message"], expected, "only the marker was still to come: {next}");
}

/// The status and JSON body of a refused handshake.
pub(crate) async fn refused(server: &TestServer, token: Option<&str>, query: &str) -> (StatusCode, Value) {
    match server.live(token, query).await {
        Err(WsError::Http(response)) => {
            let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
            let body = response.body().as_deref().expect("a body");
            (status, serde_json::from_slice(body).expect("a JSON body"))
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the handshake was accepted"),
    }
}

#[tokio::test]
async fn a_log_is_delivered_after_ingest_with_its_project() {
    let t = with_logs().await;
    let mut live = connect(&t, &t.ada, "").await;
    let entry =
        json!({"message": "hello", "level": "warn", "tags": ["x"], "metadata": {"k": 1}, "source": "api"});
    t.server.ingest_ok(&t.writer, entry, 1).await;
    let message = live.next().await;
    assert_eq!((&message["type"], &message["project"]), (&json!("log"), &json!("web")));
    let log = &message["log"];
    assert_eq!(
        (&log["message"], &log["level"], &log["source"]),
        (&json!("hello"), &json!("warn"), &json!("api"))
    );
    assert_eq!((&log["tags"], &log["metadata"]), (&json!(["x"]), &json!({"k": 1})));
    assert!(log["id"].is_i64() && log["timestamp"].is_string() && log["receivedAt"].is_string(), "{log}");
    // It is the stored entry: same id as search shows.
    let stored = t.server.search(&t.ada, "web", "").await.1;
    assert_eq!(stored["logs"][0]["id"], log["id"]);
}

#[tokio::test]
async fn query_filters_choose_what_is_forwarded() {
    let t = with_logs().await;
    let mut live = connect(&t, &t.ada, "project=web&minLevel=error&tags=db").await;
    let batch = json!([
        {"message": "info db", "level": "info", "tags": ["db"]},
        {"message": "error other", "level": "error", "tags": ["web"]},
        {"message": "error db", "level": "error", "tags": ["db", "prod"]},
    ]);
    t.server.ingest_ok(&t.writer, batch, 3).await;
    assert_eq!(live.next().await["log"]["message"], "error db");
    let marker = json!({"message": "marker", "level": "error", "tags": ["db"]});
    nothing_before_marker(&t, &t.writer, &mut live, marker).await;
}

#[tokio::test]
async fn a_subscribe_message_changes_the_filters() {
    let t = with_logs().await;
    let mut live = connect(&t, &t.ada, "level=fatal").await;
    let answer = live.subscribe(Some("web"), json!({"level": ["warn", "error"], "search": "DISK"})).await;
    assert_eq!(answer, json!({"type": "subscribed", "project": "web"}));
    let batch = json!([
        {"message": "disk fine", "level": "info"},
        {"message": "disk full", "level": "warn"},
        {"message": "cpu hot", "level": "error"},
        {"message": "disk gone", "level": "fatal"},
    ]);
    t.server.ingest_ok(&t.writer, batch, 4).await;
    assert_eq!(live.next().await["log"]["message"], "disk full");
    nothing_before_marker(&t, &t.writer, &mut live, json!({"message": "disk marker", "level": "warn"})).await;

    // No filters at all: everything of the scope.
    assert_eq!(live.subscribe(None, json!({})).await["type"], "subscribed");
    t.server.ingest_ok(&t.writer, json!({"message": "anything", "level": "trace"}), 1).await;
    assert_eq!(live.next().await["log"]["message"], "anything");
}

#[tokio::test]
async fn the_q_query_string_filters_the_live_tail_with_negation_and_several_needles() {
    let t = with_logs().await;
    // In the handshake's query string: two needles (both must be in the
    // message, any case), a negated tag and a negated phrase.
    let q = r#"disk FULL -tag:health -"GET /healthz""#;
    let query = format!("project=web&q={}", urlencoding(q));
    let mut live = connect(&t, &t.ada, &query).await;
    let batch = json!([
        {"message": "disk is fine", "level": "warn"},
        {"message": "full disk on /var", "level": "warn", "tags": ["health"]},
        {"message": "GET /healthz: disk full", "level": "info"},
        {"message": "Disk nearly FULL on /data", "level": "error", "tags": ["db"]},
    ]);
    t.server.ingest_ok(&t.writer, batch, 4).await;
    assert_eq!(live.next().await["log"]["message"], "Disk nearly FULL on /data");
    let marker = json!({"message": "disk full marker", "level": "warn"});
    nothing_before_marker(&t, &t.writer, &mut live, marker).await;

    // In a `subscribe` message, ANDed with the other filters.
    let answer =
        live.subscribe(Some("web"), json!({"q": "-level:debug,info timeout", "source": "api"})).await;
    assert_eq!(answer, json!({"type": "subscribed", "project": "web"}));
    let batch = json!([
        {"message": "timeout", "level": "info", "source": "api"},
        {"message": "timeout", "level": "error", "source": "worker"},
        {"message": "read TIMEOUT", "level": "warn", "source": "api"},
        {"message": "all good", "level": "error", "source": "api"},
    ]);
    t.server.ingest_ok(&t.writer, batch, 4).await;
    assert_eq!(live.next().await["log"]["message"], "read TIMEOUT");
    let marker = json!({"message": "timeout marker", "level": "error", "source": "api"});
    nothing_before_marker(&t, &t.writer, &mut live, marker).await;

    // A bad q is refused: before the upgrade, and in a subscribe message
    // (which then changes nothing).
    let (status, body) = refused(&t.server, Some(&t.ada), "q=-").await;
    assert_eq!((status, &body["code"]), (StatusCode::BAD_REQUEST, &json!("validation_failed")));
    assert_eq!(body["details"][0]["field"], "q");
    let answer = live.subscribe(Some("web"), json!({"q": "\"never closed"})).await;
    assert_eq!((&answer["code"], &answer["details"][0]["field"]), (&json!("validation_failed"), &json!("q")));
    t.server
        .ingest_ok(&t.writer, json!({"message": "timeout again", "level": "warn", "source": "api"}), 1)
        .await;
    assert_eq!(live.next().await["log"]["message"], "timeout again");
}

/// Percent-encodes a query-string value.
fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn a_bad_client_message_is_answered_with_an_error_and_changes_nothing() {
    let t = with_logs().await;
    let bob = t.server.signup("bob").await;
    t.server.create_project(&bob, "bobs").await;
    let mut live = connect(&t, &t.ada, "minLevel=error").await;

    let answer = live.subscribe(Some("web"), json!({"level": "loud"})).await;
    assert_eq!((&answer["type"], &answer["code"]), (&json!("error"), &json!("validation_failed")));
    assert_eq!(answer["details"][0]["field"], "level");
    assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    let answer = live.subscribe(Some("bobs"), json!({})).await;
    assert_eq!((&answer["type"], &answer["code"]), (&json!("error"), &json!("not_found")));
    live.socket.send(Message::text("not json")).await.unwrap();
    assert_eq!(live.next().await["code"], "invalid_json");
    live.send(json!({"type": "unsubscribe"})).await;
    assert_eq!(live.next().await["code"], "validation_failed");

    // The filter from the query still holds.
    t.server
        .ingest_ok(&t.writer, json!([{"message": "info"}, {"message": "bad", "level": "error"}]), 2)
        .await;
    assert_eq!(live.next().await["log"]["message"], "bad");
}

#[tokio::test]
async fn a_user_never_receives_another_users_logs() {
    let t = with_logs().await;
    let bob = t.server.signup("bob").await;
    t.server.create_project(&bob, "bobs").await;
    let bobs_writer = token_of(&t.server.create_token(&bob, "bobs", "writer", &["logs:write"]).await);
    let mut ada_live = connect(&t, &t.ada, "").await;
    let mut bob_live = connect(&t, &bob, "").await;

    t.server.ingest_ok(&t.writer, json!({"message": "ada's secret"}), 1).await;
    t.server.ingest_ok(&bobs_writer, json!({"message": "bob's note"}), 1).await;
    // Events arrive in publication order: had Bob been sent Ada's entry, it
    // would come first.
    let to_bob = bob_live.next().await;
    assert_eq!((&to_bob["project"], &to_bob["log"]["message"]), (&json!("bobs"), &json!("bob's note")));
    let to_ada = ada_live.next().await;
    assert_eq!((&to_ada["project"], &to_ada["log"]["message"]), (&json!("web"), &json!("ada's secret")));
    nothing_before_marker(&t, &t.writer, &mut ada_live, json!({"message": "ada's marker"})).await;
    nothing_before_marker(&t, &bobs_writer, &mut bob_live, json!({"message": "bob's marker"})).await;
}

#[tokio::test]
async fn an_api_token_sees_only_its_own_project() {
    let t = with_logs().await;
    t.server.create_project(&t.ada, "shop").await;
    let shop_writer = token_of(&t.server.create_token(&t.ada, "shop", "writer", &["logs:write"]).await);
    let reader = token_of(&t.server.create_token(&t.ada, "web", "reader", &["logs:read"]).await);
    let mut live = connect(&t, &reader, "").await;

    t.server.ingest_ok(&shop_writer, json!({"message": "shop entry"}), 1).await;
    t.server.ingest_ok(&t.writer, json!({"message": "web entry"}), 1).await;
    assert_eq!(live.next().await["log"]["message"], "web entry");
    nothing_before_marker(&t, &t.writer, &mut live, json!({"message": "web marker"})).await;

    // It cannot widen its scope, by query or by message.
    let answer = live.subscribe(Some("shop"), json!({})).await;
    assert_eq!(answer["code"], "not_found");
    let (status, body) = refused(&t.server, Some(&reader), "project=shop").await;
    assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &json!("not_found")));
    // A token without logs:read cannot listen at all.
    let (status, body) = refused(&t.server, Some(&t.writer), "").await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!("missing_permission")));
}

#[tokio::test]
async fn a_session_jwt_is_refused_in_the_query_string() {
    // Browsers use a single-use ticket instead (tests/it/ws_ticket.rs).
    let t = with_logs().await;
    let (status, body) = refused(&t.server, None, &format!("token={}&project=web", t.ada)).await;
    assert_eq!((status, &body["code"]), (StatusCode::UNAUTHORIZED, &json!("unauthorized")));
    assert!(body["error"].as_str().unwrap().contains("ws-ticket"), "{body}");
}

#[tokio::test]
async fn a_missing_or_bad_token_or_filter_is_refused_before_the_upgrade() {
    let t = with_logs().await;
    let (status, body) = refused(&t.server, None, "").await;
    assert_eq!((status, &body["code"]), (StatusCode::UNAUTHORIZED, &json!("unauthorized")));
    let (status, body) = refused(&t.server, Some("sk_api_forged"), "").await;
    assert_eq!((status, &body["code"]), (StatusCode::UNAUTHORIZED, &json!("unauthorized")));
    let (status, _) = refused(&t.server, None, "token=not-a-jwt").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = refused(&t.server, Some(&t.ada), "minLevel=loud").await;
    assert_eq!((status, &body["details"][0]["field"]), (StatusCode::BAD_REQUEST, &json!("minLevel")));
    let (status, _) = refused(&t.server, Some(&t.ada), "project=nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_client_that_does_not_read_is_told_how_many_events_it_lost() {
    let clock = FakeClock::default();
    let orion = TestServer::orion_builder(InMemoryRepos::new(), &clock).build();
    let live_options = LiveOptions { queue_capacity: 16, ..LiveOptions::default() };
    let t = with_logs_on(TestServer::start_orion_with(orion, clock, live_options).await).await;
    let mut live = connect(&t, &t.ada, "").await;

    // The client reads nothing while 1,000 entries are published.
    let batch: Vec<Value> =
        (0..1000).map(|i| json!({ "message": format!("entry {i} {}", "x".repeat(200)) })).collect();
    t.server.ingest_ok(&t.writer, Value::Array(batch), 1000).await;

    let mut logs = 0;
    let dropped = loop {
        let message = live.next().await;
        match message["type"].as_str() {
            Some("lagged") => break message["dropped"].as_u64().expect("a count"),
            Some("log") => logs += 1,
            other => panic!("unexpected {other:?}: {message}"),
        }
    };
    assert!(dropped > 0, "{dropped}");
    assert!(logs + dropped <= 1000, "{logs} + {dropped}");
    // Ingestion was not slowed: all 1,000 are stored.
    assert_eq!(t.server.search(&t.ada, "web", "limit=1").await.1["total"], 1000);
    // The session carries on with what is still queued, newest last.
    // Up to a marker written now: what came before it is what was queued.
    t.server.ingest_ok(&t.writer, json!({"message": "marker"}), 1).await;
    let mut last = Value::Null;
    loop {
        let message = live.next().await;
        if message["log"]["message"] == "marker" {
            break;
        }
        if message["type"] == "log" {
            last = message;
        }
    }
    assert_eq!(last["log"]["message"].as_str().map(|m| m.starts_with("entry 999 ")), Some(true), "{last}");
}

#[tokio::test]
async fn another_users_traffic_never_counts_in_a_slow_clients_losses() {
    let clock = FakeClock::default();
    // A tiny bus: had sessions counted the bus's own losses, Bob's burst
    // would show in Ada's count.
    let orion =
        TestServer::orion_builder(InMemoryRepos::new(), &clock).bus(Arc::new(BroadcastBus::new(4))).build();
    let live_options = LiveOptions { queue_capacity: 16, ..LiveOptions::default() };
    let t = with_logs_on(TestServer::start_orion_with(orion, clock, live_options).await).await;
    let bob = t.server.signup("bob").await;
    t.server.create_project(&bob, "bobs").await;
    let bobs_writer = token_of(&t.server.create_token(&bob, "bobs", "writer", &["logs:write"]).await);
    let mut ada_live = connect(&t, &t.ada, "").await;

    // Far more of Bob's entries than Ada's queue holds, in more batches than
    // the bus holds, while Ada reads nothing.
    for round in 0..6 {
        let batch: Vec<Value> = (0..100).map(|i| json!({ "message": format!("bob {round}/{i}") })).collect();
        t.server.ingest_ok(&bobs_writer, Value::Array(batch), 100).await;
    }
    t.server.ingest_ok(&t.writer, json!({"message": "ada's own"}), 1).await;

    // Ada lost nothing of hers, so she hears of no loss — and so learns
    // nothing about Bob's volume.
    let first = ada_live.next().await;
    assert_eq!((&first["type"], &first["log"]["message"]), (&json!("log"), &json!("ada's own")), "{first}");
    nothing_before_marker(&t, &t.writer, &mut ada_live, json!({"message": "ada's marker"})).await;
}

#[tokio::test]
async fn pings_arrive_at_the_configured_interval() {
    let clock = FakeClock::default();
    let orion = TestServer::orion_builder(InMemoryRepos::new(), &clock).build();
    let live_options = LiveOptions { ping_interval: Duration::from_millis(50), ..LiveOptions::default() };
    let t = with_logs_on(TestServer::start_orion_with(orion, clock, live_options).await).await;
    let mut live = connect(&t, &t.ada, "").await;
    let mut pings = 0;
    while pings < 2 {
        let frame = tokio::time::timeout(Duration::from_secs(5), live.socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("the socket is open")
            .unwrap();
        if matches!(frame, Message::Ping(_)) {
            pings += 1;
        }
    }
}

#[tokio::test]
async fn shutting_the_server_down_closes_sessions_with_going_away() {
    let mut t = with_logs().await;
    let mut live = connect(&t, &t.ada, "").await;
    t.server.shutdown();
    let close = loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), live.socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("the close frame before the end");
        if let Message::Close(frame) = frame.unwrap() {
            break frame;
        }
    };
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Away));
}
