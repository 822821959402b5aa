//! WebSocket wire messages of the live sessions (`GET /api/ws`), server to
//! client, each an object whose `type` names it.

use serde::Serialize;

use super::logs::LogView;
use super::servers::{HeartbeatView, IncidentView};
use crate::error::ApiError;

/// One message to a client.
#[derive(Debug, Serialize)]
#[expect(clippy::large_enum_variant, reason = "built on the stack and serialised at once, never stored")]
#[serde(tag = "type", rename_all = "lowercase", rename_all_fields = "camelCase")]
pub enum ServerMessage<'a> {
    /// `{"type": "log", "project", "log"}`.
    Log {
        /// The entry's project.
        project: &'a str,
        /// The entry, as the REST API shows it.
        log: LogView<'a>,
    },
    /// `{"type": "heartbeat", "project", "serverId", "heartbeat"}`.
    Heartbeat {
        /// The server's project.
        project: &'a str,
        /// The server.
        server_id: &'a str,
        /// The heartbeat, as the REST API shows it.
        heartbeat: HeartbeatView<'a>,
    },
    /// `{"type": "incident", "project", "change", "incident"}`.
    Incident {
        /// The incident's project.
        project: &'a str,
        /// `opened`, `repeated` or `resolved`.
        change: &'static str,
        /// The incident, as the REST API shows it.
        incident: IncidentView<'a>,
    },
    /// `{"type": "lagged", "dropped"}`: this session's own events dropped.
    Lagged {
        /// How many.
        dropped: u64,
    },
    /// `{"type": "subscribed", "project"}`: every event after it uses the
    /// new filters.
    Subscribed {
        /// The project subscribed to (`None`: every project of the caller).
        project: Option<String>,
    },
    /// `{"type": "error", "error", "code", "details"?}`: a bad client
    /// message (the subscription stays as it was).
    Error {
        /// A human sentence.
        error: &'a str,
        /// The stable code (as in HTTP errors).
        code: &'a str,
        /// Per-field problems, when there are any.
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        details: &'a [orion_core::error::FieldError],
    },
}

impl<'a> From<&'a ApiError> for ServerMessage<'a> {
    fn from(err: &'a ApiError) -> Self {
        Self::Error { error: &err.message, code: err.code, details: &err.details }
    }
}

impl ServerMessage<'_> {
    /// The message's text frame.
    pub fn to_text(&self) -> String {
        // Serialising views of domain values into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged_by_type_with_camel_case_fields() {
        assert_eq!(ServerMessage::Lagged { dropped: 3 }.to_text(), r#"{"type":"lagged","dropped":3}"#);
        assert_eq!(
            ServerMessage::Subscribed { project: None }.to_text(),
            r#"{"type":"subscribed","project":null}"#
        );
        let err = ApiError::invalid_json("not JSON");
        let text = ServerMessage::from(&err).to_text();
        assert_eq!(text, r#"{"type":"error","error":"not JSON","code":"invalid_json"}"#);
    }
}
