//! [`ClientError`]: what a call can fail with, and whether trying again
//! can help.

use std::time::Duration;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status and (normally) an
    /// `{"error", "code"}` body.
    #[error("{status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The API's snake_case code (`unauthorized`, `validation_failed`,
        /// ...), or `http_<status>` when the body was not an API error.
        code: String,
        /// The API's human sentence (or the start of a non-API body).
        message: String,
        /// The `Retry-After` the server asked for (429, 503).
        retry_after: Option<Duration>,
    },
    /// The request did not get an answer: connection refused or reset,
    /// timeout, TLS failure, body cut short.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A success answer whose body is not what the API documents (or,
    /// never in practice, a request body that JSON cannot encode).
    #[error("unexpected response body: {0}")]
    Decode(#[source] serde_json::Error),
    /// The base URL given to [`Client::new`](crate::Client::new) is not an
    /// `http`/`https` URL.
    #[error("invalid base URL: {0}")]
    InvalidUrl(String),
}

impl ClientError {
    /// Whether the same request may succeed later: transport failures,
    /// `429 Too Many Requests` and `5xx`. Other `4xx` answers would fail
    /// again the same way, and a malformed success body means the request
    /// already took effect.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status == 429 || (500..600).contains(status),
            // A builder error is a bad request we made, not the network.
            Self::Transport(e) => !e.is_builder(),
            Self::Decode(_) | Self::InvalidUrl(_) => false,
        }
    }

    /// The HTTP status, for [`Self::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}
