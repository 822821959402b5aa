//! Test helpers: a scriptable HTTP/1.1 server that records every request
//! (for counting attempts and batches, and for failing on purpose), and a
//! real [`TestServer`] with a user, a project and a source token.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orion_client::RetryPolicy;
use orion_testkit::TestServer;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Retries quickly, so retry tests stay fast.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

/// One request as the fake server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The messages of a log batch body.
    pub fn messages(&self) -> Vec<String> {
        let body = self.json();
        let entries = body.as_array().expect("a batch is an array");
        entries.iter().map(|e| e["message"].as_str().expect("message").to_owned()).collect()
    }
}

/// What the fake server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answers with a status, extra headers and a body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Closes the connection without answering.
    Hangup,
    /// Never answers (until the client gives up).
    Stall,
    /// Forwards the request to the server at this base URL (method, path,
    /// `authorization`, `idempotency-key` and body); answers with its
    /// answer, or, when `hangup`, closes the connection instead: the
    /// server committed, the client never hears of it.
    Forward { to: String, hangup: bool },
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Self::Status(status, Vec::new(), body.to_string())
    }

    /// An API error answer.
    pub fn error(status: u16, code: &str) -> Self {
        Self::json(status, json!({ "error": format!("test {code}"), "code": code }))
    }

    /// `201 {"accepted": N}` for a log batch body.
    pub fn accept(request: &Recorded) -> Self {
        let n = request.json().as_array().map_or(1, Vec::len);
        Self::json(201, json!({ "accepted": n }))
    }
}

type Responder = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A scriptable HTTP server on `127.0.0.1:0`; stops when dropped.
pub struct FakeServer {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// A server answering request number `n` (0-based, counted across
    /// connections) with `respond(n, request)`.
    pub async fn start(respond: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let respond: Arc<Responder> = Arc::new(respond);
        let log = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, log.clone(), respond.clone()));
            }
        });
        Self { url, requests, task }
    }

    /// A server that stores every log batch.
    pub async fn accepting() -> Self {
        Self::start(|_, request| Reply::accept(request)).await
    }

    /// A server that answers 503 while `down` is set, and stores batches
    /// otherwise.
    pub async fn switchable(down: Arc<AtomicBool>) -> Self {
        Self::start(move |_, request| {
            if down.load(Ordering::SeqCst) {
                Reply::error(503, "unavailable")
            } else {
                Reply::accept(request)
            }
        })
        .await
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests came.
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// The messages of the log batches that came after the first `skip`
    /// requests, in arrival order.
    pub fn messages_after(&self, skip: usize) -> Vec<String> {
        self.requests().iter().skip(skip).flat_map(Recorded::messages).collect()
    }

    /// Waits (up to 5 s) until at least `n` requests came.
    pub async fn wait_for(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.count() < n {
            assert!(tokio::time::Instant::now() < deadline, "{} requests of {n} after 5 s", self.count());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one keep-alive connection.
async fn serve(stream: TcpStream, log: Arc<Mutex<Vec<Recorded>>>, respond: Arc<Responder>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let request = Recorded { method, path, headers, body };
        let reply = {
            let mut log = log.lock().unwrap();
            let reply = respond(log.len(), &request);
            log.push(request);
            reply
        };
        let reply = match reply {
            Reply::Forward { to, hangup } => {
                let answer = forward(&to, &request_copy(&log)).await;
                if hangup {
                    return;
                }
                answer
            }
            other => other,
        };
        match reply {
            Reply::Forward { .. } => unreachable!("forwarded above"),
            Reply::Hangup => return,
            Reply::Stall => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            Reply::Status(status, extra, body) => {
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (name, value) in extra {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let stream = reader.get_mut();
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(body.as_bytes()).await.is_err()
                {
                    return;
                }
            }
        }
    }
}

/// The request just recorded.
fn request_copy(log: &Mutex<Vec<Recorded>>) -> Recorded {
    log.lock().unwrap().last().cloned().expect("recorded")
}

/// Sends `request` to the server at `to`; its answer as a [`Reply`].
async fn forward(to: &str, request: &Recorded) -> Reply {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("method");
    let mut outgoing = reqwest::Client::new().request(method, format!("{to}{}", request.path));
    for name in ["authorization", "idempotency-key", "content-type"] {
        if let Some(value) = request.header(name) {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing.body(request.body.clone()).send().await.expect("the real server answers");
    let status = answer.status().as_u16();
    Reply::Status(status, Vec::new(), answer.text().await.expect("answer body"))
}

/// A real server with a user, a project and a source token.
pub struct Orion {
    pub server: TestServer,
    pub jwt: String,
    pub project: String,
    /// An `sk_` token of source `app` (`logs:write`).
    pub source_token: String,
}

impl Orion {
    pub async fn start() -> Self {
        let server = TestServer::start().await;
        let jwt = server.signup("ann").await;
        server.create_project(&jwt, "shop").await;
        let source = server.create_source(&jwt, "shop", "app").await;
        let source_token = source["token"].as_str().expect("token").to_owned();
        Self { server, jwt, project: "shop".into(), source_token }
    }

    /// Messages in the project matching `query`, newest first.
    pub async fn messages(&self, query: &str) -> Vec<String> {
        self.server.messages(&self.jwt, &self.project, query).await
    }

    /// The project's logs matching `query` as JSON, newest first.
    pub async fn logs(&self, query: &str) -> Value {
        let (status, body) = self.server.search(&self.jwt, &self.project, query).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}
