//! [`WebhookSink`]: a tiny HTTP server on `127.0.0.1:0` that records every
//! request (method, path, headers, body) so tests can check what a
//! webhook, Slack or Discord notifier sent. It can answer the first N
//! requests with 500 (to exercise retries) and delay every answer (to
//! exercise timeouts).
//!
//! Like [`crate::TestServer`], the listener is bound before `start`
//! returns, so the URL is usable at once. Dropping the sink stops it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::{Notify, oneshot};
use warp::Filter;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::path::FullPath;

/// One request the sink received.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// `POST`, `GET`, ….
    pub method: String,
    /// The path, e.g. `/hook`.
    pub path: String,
    /// Headers, names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    pub json: Value,
}

impl ReceivedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// How the sink answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SinkBehaviour {
    /// Answer this many first requests with `500` (they are still recorded).
    pub fail_first: usize,
    /// The status of those failures; `None` means `500`.
    pub failure_status: Option<u16>,
    /// Wait this long before answering every request.
    pub delay: Duration,
}

#[derive(Debug, Default)]
struct Shared {
    requests: Mutex<Vec<ReceivedRequest>>,
    arrived: Notify,
}

/// A recording HTTP endpoint for notifier tests.
#[derive(Debug)]
pub struct WebhookSink {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl WebhookSink {
    /// A sink that answers every request with `200 {"ok":true}`.
    pub async fn start() -> Self {
        Self::start_with(SinkBehaviour::default()).await
    }

    /// A sink that fails the first `n` requests with `500`, then succeeds.
    pub async fn failing_first(n: usize) -> Self {
        Self::start_with(SinkBehaviour { fail_first: n, ..SinkBehaviour::default() }).await
    }

    /// A sink with the given behaviour.
    pub async fn start_with(behaviour: SinkBehaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the webhook sink");
        let addr = listener.local_addr().expect("sink address");
        let shared = Arc::new(Shared::default());
        let recorder = shared.clone();
        let route = warp::method()
            .and(warp::path::full())
            .and(warp::header::headers_cloned())
            .and(warp::body::content_length_limit(1 << 20))
            .and(warp::body::bytes())
            .then(move |method: Method, path: FullPath, headers: HeaderMap, body: Bytes| {
                let shared = recorder.clone();
                async move {
                    let index = shared.record(method, path, &headers, body);
                    if !behaviour.delay.is_zero() {
                        tokio::time::sleep(behaviour.delay).await;
                    }
                    if index < behaviour.fail_first {
                        let status = behaviour
                            .failure_status
                            .and_then(|code| StatusCode::from_u16(code).ok())
                            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                        warp::reply::with_status(
                            warp::reply::json(&serde_json::json!({"error": "sink told to fail"})),
                            status,
                        )
                    } else {
                        warp::reply::with_status(
                            warp::reply::json(&serde_json::json!({"ok": true})),
                            StatusCode::OK,
                        )
                    }
                }
            });
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(
            warp::serve(route)
                .incoming(listener)
                .graceful(async move {
                    let _ = rx.await;
                })
                .run(),
        );
        Self { addr, shared, shutdown: Some(tx) }
    }

    /// `http://127.0.0.1:<port>/hook` (any path is accepted and recorded).
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub fn url_with_path(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived and returns all received;
    /// panics with what did arrive after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before the check so an arrival in between still wakes us.
            let arrived = self.shared.arrived.notified();
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let received = self.received();
                assert!(
                    received.len() >= n,
                    "webhook sink: expected {n} request(s) within {timeout:?}, got {}: {:#?}",
                    received.len(),
                    received.iter().map(|r| (&r.method, &r.path, &r.json)).collect::<Vec<_>>()
                );
                return received;
            }
        }
    }
}

impl Shared {
    /// Stores the request; returns its 0-based arrival index.
    fn record(&self, method: Method, path: FullPath, headers: &HeaderMap, body: Bytes) -> usize {
        let request = ReceivedRequest {
            method: method.to_string(),
            path: path.as_str().to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            json: serde_json::from_slice(&body).unwrap_or(Value::Null),
            body: body.to_vec(),
        };
        let index = {
            let mut requests = self.requests.lock().unwrap();
            requests.push(request);
            requests.len() - 1
        };
        self.arrived.notify_waiters();
        index
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
