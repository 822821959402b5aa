//! [`TestServer`]: the real warp routes served on `127.0.0.1:0`, over any
//! [`Repos`], with a [`FakeClock`] the test moves and typed request helpers
//! (those of the agent endpoints in [`agents`], of alerting in [`alerts`]);
//! [`LiveClient`]: a WebSocket client for the live tail.
//!
//! The listener is bound before the server task is spawned, so the port is
//! known and accepting by the time `start` returns: no sleeps, no retries,
//! no port races. Dropping the server stops it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use orion_core::{Orion, OrionBuilder, Repos};
use orion_http::LiveOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{FakeClock, InMemoryRepos};

pub mod agents;
pub mod alerts;

pub use agents::{alert_body, heartbeat_body, registration_body};
pub use alerts::rule_body;

/// The password [`TestServer::signup`] registers users with.
pub const PASSWORD: &str = "correct horse battery";

/// A running Orion server for integration tests.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:<port>` (paths start with `/api/...`).
    pub base_url: String,
    /// `ws://127.0.0.1:<port>/ws`.
    pub ws_url: String,
    /// The facade the server runs on, for arranging state directly.
    pub orion: Orion,
    /// The clock the services read; move it to expire things.
    pub clock: FakeClock,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// A server over fresh in-memory repositories.
    pub async fn start() -> Self {
        Self::start_with(InMemoryRepos::new()).await
    }

    /// A server over `repos` (any backend), with a [`FakeClock`] at its
    /// default instant and bcrypt cost 4 (fast; tests don't need strength).
    pub async fn start_with(repos: Repos) -> Self {
        let clock = FakeClock::default();
        let orion = Self::orion_builder(repos, &clock).build();
        Self::start_orion(orion, clock).await
    }

    /// The builder [`Self::start_with`] uses (fake clock, bcrypt cost 4, a
    /// fixed JWT secret), for tests that change one more thing (a small
    /// live bus, say) and then call [`Self::start_orion`].
    pub fn orion_builder(repos: Repos, clock: &FakeClock) -> OrionBuilder {
        Orion::builder(repos)
            .clock(Arc::new(clock.clone()))
            .bcrypt_cost(4)
            .jwt_secret(b"orion-testkit-secret")
    }

    /// A server over an `Orion` the test built itself; `clock` must be the
    /// clock that `orion` reads.
    pub async fn start_orion(orion: Orion, clock: FakeClock) -> Self {
        Self::start_orion_with(orion, clock, LiveOptions::default()).await
    }

    /// Like [`Self::start_orion`], with WebSocket options (a short ping
    /// interval, say).
    pub async fn start_orion_with(orion: Orion, clock: FakeClock, live: LiveOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(orion_http::serve_with(listener, orion.clone(), live, async {
            // A dropped sender stops the server too.
            let _ = rx.await;
        }));
        Self {
            base_url: format!("http://{addr}"),
            ws_url: format!("ws://{addr}/ws"),
            orion,
            clock,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
        }
    }

    /// The absolute URL of `path` (`/api/...`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request builder for `path`, for tests that need raw bodies or
    /// headers; add the bearer yourself.
    pub fn http(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Sends `method path` with an optional bearer and JSON body; returns
    /// the status and the body as JSON (`Value::Null` when empty). Panics
    /// if a non-empty body is not JSON: the API never answers otherwise.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http(method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        Self::read(response).await
    }

    /// The status and JSON body of a response.
    pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = response.bytes().await.expect("response body");
        if bytes.is_empty() {
            return (status, Value::Null);
        }
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!("{status}: body is not JSON ({e}): {}", String::from_utf8_lossy(&bytes))
        });
        (status, body)
    }

    /// `GET path` with a bearer.
    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// `POST path` with a bearer and a JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(token), Some(body)).await
    }

    /// Registers `pseudo` with `email` and `password`;
    /// panics unless the answer is 201.
    pub async fn register(&self, pseudo: &str, email: &str, password: &str) {
        let body = json!({
            "firstName": "Test", "lastName": "User", "pseudo": pseudo, "email": email, "password": password,
        });
        let (status, reply) = self.request(Method::POST, "/api/auth/register", None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "register {pseudo}: {reply}");
    }

    /// Logs in (2FA off) and returns the session token; panics otherwise.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({ "email": email, "password": password });
        let (status, reply) = self.request(Method::POST, "/api/auth/login", None, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "login {email}: {reply}");
        reply["token"].as_str().unwrap_or_else(|| panic!("no token in {reply}")).to_owned()
    }

    /// Registers `<pseudo>@example.com` with [`PASSWORD`] and logs in:
    /// the quickest way to a session token.
    pub async fn signup(&self, pseudo: &str) -> String {
        let email = format!("{pseudo}@example.com");
        self.register(pseudo, &email, PASSWORD).await;
        self.login(&email, PASSWORD).await
    }

    /// Creates a project; returns the answer (`{id, name, label}`).
    pub async fn create_project(&self, token: &str, name: &str) -> Value {
        let (status, reply) = self.post("/api/projects", token, json!({ "name": name })).await;
        assert_eq!(status, StatusCode::CREATED, "create project {name}: {reply}");
        reply
    }

    /// Creates a source; returns the answer (`{id, name, token}`).
    pub async fn create_source(&self, token: &str, project: &str, name: &str) -> Value {
        let path = format!("/api/projects/{project}/sources");
        let (status, reply) = self.post(&path, token, json!({ "name": name })).await;
        assert_eq!(status, StatusCode::CREATED, "create source {name}: {reply}");
        reply
    }

    /// Creates an API token; returns the answer (`{id, name, permissions, token}`).
    pub async fn create_token(&self, token: &str, project: &str, name: &str, permissions: &[&str]) -> Value {
        let path = format!("/api/projects/{project}/tokens");
        let (status, reply) =
            self.post(&path, token, json!({ "name": name, "permissions": permissions })).await;
        assert_eq!(status, StatusCode::CREATED, "create token {name}: {reply}");
        reply
    }
}

/// Log helpers.
impl TestServer {
    /// `POST /api/agent/log` with `body` (one entry or an array).
    pub async fn ingest(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.post("/api/agent/log", token, body).await
    }

    /// Ingests `body`; panics unless all `expected` entries are accepted.
    pub async fn ingest_ok(&self, token: &str, body: Value, expected: usize) {
        let answer = self.ingest(token, body).await;
        assert_eq!(answer, (StatusCode::CREATED, json!({ "accepted": expected })), "ingest");
    }

    /// `GET /api/projects/<project>/logs?<query>` (`query` already encoded,
    /// without the `?`; may be empty).
    pub async fn search(&self, token: &str, project: &str, query: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/projects/{project}/logs?{query}"), token).await
    }

    /// The messages of a successful search, newest first; panics otherwise.
    pub async fn messages(&self, token: &str, project: &str, query: &str) -> Vec<String> {
        let (status, body) = self.search(token, project, query).await;
        assert_eq!(status, StatusCode::OK, "search {query}: {body}");
        let logs = body["logs"].as_array().unwrap_or_else(|| panic!("no logs in {body}"));
        logs.iter().map(|l| l["message"].as_str().expect("message").to_owned()).collect()
    }

    /// Opens `ws_url?<query>` (no `?` when `query` is empty), with
    /// `Authorization: Bearer <token>` when given. A refused handshake is
    /// `Err(tungstenite::Error::Http(response))`.
    pub async fn live(&self, token: Option<&str>, query: &str) -> Result<LiveClient, tungstenite::Error> {
        let url = if query.is_empty() { self.ws_url.clone() } else { format!("{}?{query}", self.ws_url) };
        let mut request = url.into_client_request()?;
        if let Some(token) = token {
            let value = format!("Bearer {token}").parse().expect("a header value");
            request.headers_mut().insert("authorization", value);
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(LiveClient { socket })
    }

    /// Stops the server now (as dropping it does).
    pub fn shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A live-tail WebSocket client.
#[derive(Debug)]
pub struct LiveClient {
    /// The socket, for tests that need raw frames.
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How long [`LiveClient`] waits for an expected message.
pub const LIVE_TIMEOUT: Duration = Duration::from_secs(5);

impl LiveClient {
    /// Sends `message` as a JSON text frame.
    pub async fn send(&mut self, message: Value) {
        self.socket.send(Message::text(message.to_string())).await.expect("send on the WebSocket");
    }

    /// The next text message as JSON, skipping pings and pongs; `None`
    /// when the socket closes or nothing comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next()).await.ok()??;
            match frame.ok()? {
                Message::Text(text) => return Some(serde_json::from_str(&text).expect("a JSON message")),
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The next text message as JSON; panics if none comes within
    /// [`LIVE_TIMEOUT`].
    pub async fn next(&mut self) -> Value {
        self.next_within(LIVE_TIMEOUT).await.expect("a message within the timeout")
    }

    /// Sends a `subscribe` and waits for its `subscribed` answer (so every
    /// event after this call uses the new filters); returns the answer,
    /// which is an `error` message when the server refused.
    pub async fn subscribe(&mut self, project: Option<&str>, filters: Value) -> Value {
        self.send(json!({ "type": "subscribe", "project": project, "filters": filters })).await;
        loop {
            let message = self.next().await;
            if message["type"] == "subscribed" || message["type"] == "error" {
                return message;
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
