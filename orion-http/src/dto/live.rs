//! WebSocket wire messages of the live sessions (`GET /api/ws`), server to
//! client: events (`log`, `heartbeat`, `incident`, with the REST views),
//! `lagged`, `subscribed` and `error`.

use serde::Serialize;

use super::logs::LogView;
use super::servers::{HeartbeatView, IncidentView};
use crate::error::ApiError;

/// `{"type": "log", "project", "log"}`.
#[derive(Debug, Serialize)]
pub struct LogMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub project: &'a str,
    pub log: LogView<'a>,
}

/// `{"type": "heartbeat", "project", "serverId", "heartbeat"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub project: &'a str,
    pub server_id: &'a str,
    pub heartbeat: HeartbeatView<'a>,
}

/// `{"type": "incident", "project", "incident"}`.
#[derive(Debug, Serialize)]
pub struct IncidentMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub project: &'a str,
    /// `opened`, `repeated` or `resolved`.
    pub change: &'static str,
    pub incident: IncidentView<'a>,
}

/// `{"type": "lagged", "dropped"}`: this session's own events dropped.
#[derive(Debug, Serialize)]
pub struct Lagged {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// How many.
    pub dropped: u64,
}

/// `{"type": "subscribed", "project"}`: every event after it uses the new
/// filters.
#[derive(Debug, Serialize)]
pub struct Subscribed {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The project subscribed to (`None`: every project of the caller).
    pub project: Option<String>,
}

/// `{"type": "error", "error", "code", "details"?}`: a bad client message
/// (the subscription stays as it was).
#[derive(Debug, Serialize)]
pub struct ErrorMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A human sentence.
    pub error: &'a str,
    /// The stable code (as in HTTP errors).
    pub code: &'a str,
    /// Per-field problems, when there are any.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub details: &'a [orion_core::error::FieldError],
}

impl<'a> From<&'a ApiError> for ErrorMessage<'a> {
    fn from(err: &'a ApiError) -> Self {
        Self { kind: "error", error: &err.message, code: err.code, details: &err.details }
    }
}
