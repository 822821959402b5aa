//! [`Client`]: one typed, retrying method per agent/ingest endpoint.

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::wire::{
    Accepted, Ack, AckStatus, AgentCommand, Alert, ErrorBody, Heartbeat, Issued, LogEntry, NewSource,
    RegisterAgent,
};

/// How long one attempt may take, unless [`Client::with_timeout`] says
/// otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of one Orion server, acting with one token.
///
/// Cheap to clone (clones share one connection pool). Every call retries
/// per its [`RetryPolicy`] ([`RetryPolicy::default`] unless set), so a
/// call may take up to the sum of its backoffs; each attempt is bounded by
/// the timeout. Calls need a tokio runtime with its timer enabled.
///
/// **Retries and duplicates**: a `POST` whose connection drops after the
/// server stored it but before the answer arrived is sent again. For logs
/// that is safe: every attempt of one [`Client::send_logs`] call carries
/// the same `Idempotency-Key` (a random one, or yours with
/// [`Client::send_logs_with_key`]), and the server stores a key's batch
/// once, so delivery is exactly-once within 24 h. Other `POST`s (alerts,
/// heartbeats) may still be applied twice on a lost answer.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The API root, `…/api`, without a trailing slash.
    api: String,
    token: String,
    retry: RetryPolicy,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token: clients end up in logs.
        f.debug_struct("Client")
            .field("api", &self.api)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `base_url` (`https://orion.example.com`,
    /// or the API root `…/api`; a path prefix such as `…/orion` is kept)
    /// sending `token` as its bearer: a source, agent or API token, or a
    /// user JWT where the endpoint takes one. An empty token sends no
    /// `Authorization` header (enough for [`Client::health`]).
    pub fn new(base_url: &str, token: &str) -> Result<Self, ClientError> {
        let url = Url::parse(base_url).map_err(|e| ClientError::InvalidUrl(format!("{base_url}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ClientError::InvalidUrl(format!("{base_url}: must be an http or https URL")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ClientError::InvalidUrl(format!("{base_url}: must have no query or fragment")));
        }
        let root = url.as_str().trim_end_matches('/');
        let api = if root.ends_with("/api") { root.to_owned() } else { format!("{root}/api") };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("orion-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Transport)?;
        Ok(Self {
            http,
            api,
            token: token.to_owned(),
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same client with another per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same server and settings with another token (an agent that
    /// registered with a user JWT carries on with its `sk_agent_` token).
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = token.to_owned();
        self
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The API root the calls go to (`…/api`).
    pub fn api_url(&self) -> &str {
        &self.api
    }

    /// `POST /api/agent/log` (`logs:write`): stores `entries` as one
    /// all-or-nothing batch (at most 10,000 entries and 10 MiB); returns
    /// how many were accepted. The answer comes once they are durably
    /// stored. One invalid entry fails the batch with a 400 naming it.
    ///
    /// Every attempt carries one random `Idempotency-Key`, so a retry
    /// after a lost answer does not store the batch twice. To resend a
    /// batch across calls (or process restarts), use
    /// [`Self::send_logs_with_key`] with a key of your own.
    pub async fn send_logs(&self, entries: &[LogEntry]) -> Result<usize, ClientError> {
        self.send_logs_with_key(entries, &random_key()).await
    }

    /// [`Self::send_logs`] with an `Idempotency-Key` chosen by the caller
    /// (1–128 characters of `[A-Za-z0-9._:-]`): within 24 h, sending a
    /// batch again with the same key stores nothing and returns the count
    /// accepted the first time. Reuse a key only for the same batch.
    pub async fn send_logs_with_key(&self, entries: &[LogEntry], key: &str) -> Result<usize, ClientError> {
        let bytes = self.send(Method::POST, "/agent/log", Some(&entries), Some(key)).await?;
        let accepted: Accepted = serde_json::from_slice(&bytes).map_err(ClientError::Decode)?;
        Ok(accepted.accepted)
    }

    /// `POST /api/agent/register` (a user JWT with `project_name`, or a
    /// token with `agent:register`): registers or updates the server and
    /// returns a new `sk_agent_` token bound to it.
    pub async fn register_agent(&self, registration: &RegisterAgent) -> Result<String, ClientError> {
        let issued: Issued = self.send_json(Method::POST, "/agent/register", Some(registration)).await?;
        Ok(issued.token)
    }

    /// `POST /api/agent/heartbeat` (`heartbeat:write`).
    pub async fn heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), ClientError> {
        self.send(Method::POST, "/agent/heartbeat", Some(heartbeat), None).await.map(drop)
    }

    /// `POST /api/agent/alert` (`logs:write`): records an incident.
    pub async fn alert(&self, alert: &Alert) -> Result<(), ClientError> {
        self.send(Method::POST, "/agent/alert", Some(alert), None).await.map(drop)
    }

    /// `POST /api/agent/source` (`agent:register`): creates the source
    /// `name` if missing (described by `cwd`) and returns a new
    /// `sk_source_` token bound to it.
    pub async fn create_source(&self, name: &str, cwd: Option<&str>) -> Result<String, ClientError> {
        let body = NewSource { name, cwd };
        let issued: Issued = self.send_json(Method::POST, "/agent/source", Some(&body)).await?;
        Ok(issued.token)
    }

    /// `GET /api/agent/commands` (`commands:read`): the pending commands
    /// of the token's server, oldest first.
    pub async fn commands(&self) -> Result<Vec<AgentCommand>, ClientError> {
        self.send_json(Method::GET, "/agent/commands", None::<&()>).await
    }

    /// `POST /api/agent/commands/:id/ack` (`commands:write`): reports a
    /// command's outcome. Another server's command is a 404, a second
    /// acknowledgement a 409.
    pub async fn ack(&self, id: i64, status: AckStatus, output: Option<&str>) -> Result<(), ClientError> {
        let path = format!("/agent/commands/{}/ack", id);
        self.send(Method::POST, &path, Some(&Ack { status, output }), None).await.map(drop)
    }

    /// `GET /api/health` (no authentication needed).
    pub async fn health(&self) -> Result<(), ClientError> {
        self.send(Method::GET, "/health", None::<&()>, None).await.map(drop)
    }

    /// [`Self::send`], then the success body as `R`.
    async fn send_json<B, R>(&self, method: Method, path: &str, body: Option<&B>) -> Result<R, ClientError>
    where
        B: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let bytes = self.send(method, path, body, None).await?;
        serde_json::from_slice(&bytes).map_err(ClientError::Decode)
    }

    /// Sends `method path` with `body` as JSON (and `key` as its
    /// `Idempotency-Key`, the same on every attempt), retrying per the
    /// policy; the success body.
    async fn send<B>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<Vec<u8>, ClientError>
    where
        B: Serialize + ?Sized,
    {
        // Serialised once: every attempt sends the same bytes.
        let body = body.map(serde_json::to_vec).transpose().map_err(ClientError::Decode)?;
        let url = format!("{}{path}", self.api);
        let mut attempt = 1;
        loop {
            match self.attempt(method.clone(), &url, body.as_deref(), key).await {
                Err(err) if attempt < self.retry.max_attempts && err.is_retryable() => {
                    let wait = match &err {
                        ClientError::Api { retry_after: Some(wait), .. } => *wait,
                        _ => self.retry.backoff(attempt),
                    };
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    /// One request; the body of a 2xx answer, or the error it amounts to.
    async fn attempt(
        &self,
        method: Method,
        url: &str,
        body: Option<&[u8]>,
        key: Option<&str>,
    ) -> Result<Vec<u8>, ClientError> {
        let mut request = self.http.request(method, url).timeout(self.timeout);
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        if !self.token.is_empty() {
            request = request.header(AUTHORIZATION, format!("Bearer {}", self.token));
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.to_vec());
        }
        let response = request.send().await.map_err(ClientError::Transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let bytes = response.bytes().await.map_err(ClientError::Transport)?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) if !body.code.is_empty() => (body.code, body.error),
            // A proxy's HTML page, an empty body: keep a short, printable excerpt.
            _ => {
                let text: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
                let text = if text.trim().is_empty() {
                    status.canonical_reason().unwrap_or("error").to_owned()
                } else {
                    text
                };
                (format!("http_{}", status.as_u16()), text)
            }
        };
        Err(ClientError::Api { status: status.as_u16(), code, message, retry_after })
    }
}

/// The header that makes a log batch idempotent.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A fresh random idempotency key: 32 hex digits (128 bits).
pub(crate) fn random_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_root_is_found_with_or_without_api_and_a_prefix_is_kept() {
        let api = |url: &str| Client::new(url, "t").unwrap().api_url().to_owned();
        assert_eq!(api("http://127.0.0.1:3001"), "http://127.0.0.1:3001/api");
        assert_eq!(api("http://127.0.0.1:3001/"), "http://127.0.0.1:3001/api");
        assert_eq!(api("https://example.com/api/"), "https://example.com/api");
        assert_eq!(api("https://example.com/orion"), "https://example.com/orion/api");
    }

    #[test]
    fn urls_that_are_not_http_are_refused() {
        for url in ["localhost:3001", "ftp://example.com", "not a url", "http://h/?x=1"] {
            assert!(matches!(Client::new(url, "t"), Err(ClientError::InvalidUrl(_))), "{url}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let client = Client::new("http://127.0.0.1:1", "sk_agent_secret").unwrap();
        assert!(!format!("{client:?}").contains("sk_agent_secret"));
    }
}
