//! One JSON POST with a timeout and a bounded number of retries, shared by
//! the webhook, Slack and Discord channels. Errors name the scheme and host
//! only: reqwest's own messages include the full URL, which for Slack and
//! Discord contains the token, so they are never passed through.

use std::time::Duration;

use orion_core::port::notify::DeliveryError;
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;

use crate::config::ConfigError;
use crate::redact;

/// Pause before a retry: long enough for a blip to pass, short enough not
/// to hold up the other channels of the same alert.
const RETRY_PAUSE: Duration = Duration::from_millis(250);
/// How much of an error response's body goes into the message.
const SNIPPET_CHARS: usize = 200;

/// Posts JSON bodies.
#[derive(Debug)]
pub(crate) struct Poster {
    client: Client,
    timeout: Duration,
    retries: u32,
}

impl Poster {
    pub(crate) fn new(timeout: Duration, retries: u32) -> Result<Self, ConfigError> {
        let client = Client::builder()
            .timeout(timeout)
            // A webhook that redirects is misconfigured; following it
            // would also turn the POST into a GET.
            .redirect(redirect::Policy::none())
            .user_agent(concat!("orion/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| ConfigError("cannot build the HTTP client for webhooks".to_owned()))?;
        Ok(Self { client, timeout, retries })
    }

    /// POSTs `body` to `url`; `Ok` on any 2xx.
    pub(crate) async fn post(&self, url: &str, body: &Value) -> Result<(), DeliveryError> {
        let target = redact::origin(url);
        let mut attempt = 1;
        loop {
            let (retryable, problem) = match self.client.post(url).json(body).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => {
                    let status = response.status();
                    let retryable = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
                    (retryable, format!("HTTP {status}{}", snippet(response).await))
                }
                Err(err) => (!err.is_builder(), self.describe(&err)),
            };
            if !retryable || attempt > self.retries {
                return Err(DeliveryError::Post { target, problem, attempts: attempt });
            }
            tracing::debug!(target = %target, attempt, problem = %problem, "webhook delivery failed; retrying");
            attempt += 1;
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }

    /// A URL-free description of a transport error.
    fn describe(&self, err: &reqwest::Error) -> String {
        if err.is_timeout() {
            return format!("no answer within {}", seconds(self.timeout));
        }
        if err.is_builder() {
            return "the URL is not valid".to_owned();
        }
        // The innermost cause (e.g. "Connection refused (os error 111)")
        // says what happened without the URL the outer layers add.
        let mut cause: &dyn std::error::Error = err;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let what = if err.is_connect() { "cannot connect" } else { "request failed" };
        if std::ptr::addr_eq(cause, err) { what.to_owned() } else { format!("{what}: {cause}") }
    }
}

/// `: <start of the body>` of an error response, or nothing.
async fn snippet(mut response: reqwest::Response) -> String {
    let Ok(Some(chunk)) = response.chunk().await else { return String::new() };
    let text: String = String::from_utf8_lossy(&chunk)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SNIPPET_CHARS)
        .collect();
    let text = text.trim();
    if text.is_empty() { String::new() } else { format!(": {text}") }
}

/// `10s`, `0.5s`.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}
