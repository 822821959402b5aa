//! Two `orion serve` on one PostgreSQL, as a user scales out: a live-tail
//! WebSocket on either instance receives every entry and heartbeat stored
//! through the other (and through its own), exactly once, in the order
//! they were stored. Prints the cross-instance delivery latency (from the
//! writer's `201` to the message on the other instance's socket) for
//! `docs/performance.md`.
//!
//! `#[ignore]`d like the outage test: it starts its own cluster
//! ([`crate::cluster::Cluster`]); `.ci/run` runs it with `--ignored`.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::cluster::Cluster;
use crate::process::Server;

/// Requests timed for the latency figures.
const TIMED_REQUESTS: usize = 50;
/// Entries per timed request.
const ENTRIES: usize = 10;
/// How long a message may take before the test calls it lost.
const WITHIN: Duration = Duration::from_secs(10);

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn call(method: reqwest::Method, url: String, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let (status, answer) = call(reqwest::Method::POST, format!("{base}{path}"), token, body).await;
    assert!((200..300).contains(&status), "POST {path}: {status} {answer}");
    answer
}

/// A live-tail socket on `base`, subscribed to project `web`.
async fn tail(base: &str, session: &str) -> Socket {
    let mut request = format!("{}/ws", base.replacen("http", "ws", 1)).into_client_request().unwrap();
    request.headers_mut().insert("authorization", format!("Bearer {session}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the WebSocket opens");
    let subscribe = json!({"type": "subscribe", "project": "web"}).to_string();
    futures_util::SinkExt::send(&mut socket, Message::text(subscribe)).await.unwrap();
    loop {
        let message = next(&mut socket).await.expect("an answer to subscribe");
        if message["type"] == "subscribed" {
            return socket;
        }
    }
}

/// The next JSON text message, skipping pings; `None` if none comes in time.
async fn next_within(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await.ok()??.ok()? {
            Message::Text(text) => return Some(serde_json::from_str(&text).expect("JSON")),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

async fn next(socket: &mut Socket) -> Option<Value> {
    next_within(socket, WITHIN).await
}

/// The next `n` log messages' texts.
async fn messages(socket: &mut Socket, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let message = next(socket).await.unwrap_or_else(|| panic!("only {} of {n} messages came", out.len()));
        assert_eq!(message["type"], "log", "{message}");
        out.push(message["log"]["message"].as_str().expect("a message").to_owned());
    }
    out
}

fn batch(tag: &str, n: usize) -> (Value, Vec<String>) {
    let texts: Vec<String> = (0..n).map(|i| format!("{tag} line {i}")).collect();
    (Value::Array(texts.iter().map(|m| json!({"message": m, "level": "info"})).collect()), texts)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::test]
#[ignore = "needs PostgreSQL binaries (run by .ci/run)"]
async fn a_websocket_on_one_instance_sees_what_the_other_stores_once_in_order() {
    let cluster = Cluster::start();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Server::start(dir_a.path(), &["--database-url", &cluster.url()]).await;
    let b = Server::start(dir_b.path(), &["--database-url", &cluster.url()]).await;
    let (base_a, base_b) = (a.base_url.clone(), b.base_url.clone());

    let user = json!({"firstName": "Ada", "lastName": "Lovelace", "pseudo": "ada",
        "email": "ada@example.com", "password": "analytical-engine"});
    post(&base_a, "/api/auth/register", None, user).await;
    // Signed in on B: sessions are shared through the database.
    let login = json!({"email": "ada@example.com", "password": "analytical-engine"});
    let session = post(&base_b, "/api/auth/login", None, login).await["token"].as_str().unwrap().to_owned();
    post(&base_a, "/api/projects", Some(&session), json!({"name": "web"})).await;
    let source = post(&base_a, "/api/projects/web/sources", Some(&session), json!({"name": "app"})).await;
    let token = source["token"].as_str().unwrap().to_owned();

    let mut on_a = tail(&base_a, &session).await;
    let mut on_b = tail(&base_b, &session).await;

    // Interleaved writers: each socket sees all four requests, in order.
    let mut expected = Vec::new();
    for (i, base) in [&base_a, &base_b, &base_a, &base_b].into_iter().enumerate() {
        let (body, texts) = batch(&format!("request {i}"), 3);
        post(base, "/api/agent/log", Some(&token), body).await;
        expected.extend(texts);
    }
    assert_eq!(messages(&mut on_b, expected.len()).await, expected, "B sees every entry once, in order");
    assert_eq!(messages(&mut on_a, expected.len()).await, expected, "so does A");

    // A heartbeat through A shows on B's socket, in the reference's shape.
    let registration = json!({"serverId": "web-1", "displayName": "Web 1", "hostname": "web-1",
        "platform": "linux", "arch": "x86_64", "projectName": "web"});
    let agent = post(&base_a, "/api/agent/register", Some(&session), registration).await;
    let agent_token = agent["token"].as_str().unwrap().to_owned();
    post(&base_a, "/api/agent/heartbeat", Some(&agent_token), json!({"cpu": {"percent": 12.5}})).await;
    let beat = next(&mut on_b).await.expect("the heartbeat");
    assert_eq!(
        (beat["type"].as_str(), beat["serverId"].as_str()),
        (Some("heartbeat"), Some("web-1")),
        "{beat}"
    );
    assert_eq!(beat["heartbeat"]["cpu"]["percent"], 12.5, "{beat}");
    assert_eq!(next(&mut on_a).await.expect("the heartbeat on A too")["type"], "heartbeat");

    // Latency: from A's durable 201 to the last entry on B's socket.
    let mut latencies = Vec::with_capacity(TIMED_REQUESTS);
    for i in 0..TIMED_REQUESTS {
        let (body, texts) = batch(&format!("timed {i}"), ENTRIES);
        post(&base_a, "/api/agent/log", Some(&token), body).await;
        let acked = Instant::now();
        assert_eq!(messages(&mut on_b, ENTRIES).await, texts);
        latencies.push(acked.elapsed());
        assert_eq!(messages(&mut on_a, ENTRIES).await, texts);
    }
    // Nothing twice, nothing extra: a marker written now must be the next
    // message on both sockets (each keeps publication order, so a repeat
    // or a stray would come first).
    let (body, marker) = batch("marker", 1);
    post(&base_b, "/api/agent/log", Some(&token), body).await;
    for socket in [&mut on_a, &mut on_b] {
        assert_eq!(messages(socket, 1).await, marker, "only the marker was still to come");
    }
    latencies.sort();
    eprintln!(
        "cross-instance live delivery ({TIMED_REQUESTS} requests of {ENTRIES} entries, after the 201): \
         p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    drop((on_a, on_b));
    assert!(a.terminate().await.success());
    assert!(b.terminate().await.success());
}
