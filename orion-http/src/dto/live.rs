//! WebSocket wire messages of the live sessions (`GET /api/ws`), each an
//! object whose `type` names it: the server's [`ServerMessage`]s, and the
//! client's one message, [`Subscribe`], decoded into core's raw
//! [`QueryInput`] (its JSON shape checked here, its values by the log
//! service).

use orion_core::error::FieldError;
use orion_core::service::QueryInput;
use orion_core::service::query::META_PREFIX;
use serde::Serialize;
use serde_json::{Map, Value};

use super::logs::LogView;
use super::servers::{HeartbeatView, IncidentView};
use crate::error::ApiError;

/// `{"type": "subscribe", "project"?, "filters"?}`: a client's request for
/// a new scope and new filters.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscribe {
    /// The project to follow (`None`: every project the caller may see).
    pub project: Option<String>,
    /// The filters, as the query parameters a live tail opens with.
    pub filters: QueryInput,
}

impl Subscribe {
    /// Decodes a client's text frame. Not JSON is `invalid_json`; another
    /// `type`, a `project` that is neither a name nor `null`, or `filters`
    /// of the wrong shape is `validation_failed` naming the field.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let message: Value = serde_json::from_str(text)
            .map_err(|e| ApiError::invalid_json(format!("the message is not valid JSON: {e}")))?;
        let invalid = |field: &str, why: &str| ApiError::validation(vec![FieldError::new(field, why)]);
        if message["type"] != "subscribe" {
            return Err(invalid("type", "the only message a client sends is `subscribe`"));
        }
        let project = match &message["project"] {
            Value::Null => None,
            Value::String(name) if !name.is_empty() => Some(name.clone()),
            _ => return Err(invalid("project", "must be a project name or null")),
        };
        let filters = match &message["filters"] {
            Value::Null => QueryInput::default(),
            Value::Object(filters) => filters_input(filters)?,
            _ => return Err(invalid("filters", "must be an object")),
        };
        Ok(Self { project, filters })
    }
}

/// The filters of a `subscribe` message (`{"level": "warn,error", "tags":
/// ["a", "b"], "meta": {"region": "eu-1"}}`) as query parameters. Values
/// are strings, numbers or booleans, or arrays of them (joined with
/// commas); `null` means absent; `meta` is an object of such values.
/// Every value of another JSON type is named at once.
fn filters_input(filters: &Map<String, Value>) -> Result<QueryInput, ApiError> {
    let mut pairs = Vec::new();
    let mut errors = Vec::new();
    for (key, value) in filters {
        if key == "meta" {
            match value {
                Value::Null => {}
                Value::Object(meta) => {
                    for (k, v) in meta {
                        match scalar(v) {
                            Some(v) => pairs.push((format!("{META_PREFIX}{k}"), v)),
                            None => errors.push(FieldError::new(
                                format!("meta.{k}"),
                                "must be a string, number or boolean",
                            )),
                        }
                    }
                }
                _ => errors.push(FieldError::new("meta", "must be an object")),
            }
            continue;
        }
        match value {
            Value::Null => {}
            Value::Array(items) => match items.iter().map(scalar).collect::<Option<Vec<_>>>() {
                Some(items) => pairs.push((key.clone(), items.join(","))),
                None => errors.push(FieldError::new(key.clone(), "must be a list of strings")),
            },
            other => match scalar(other) {
                Some(v) => pairs.push((key.clone(), v)),
                None => errors.push(FieldError::new(key.clone(), "must be a string or a list of strings")),
            },
        }
    }
    if errors.is_empty() { Ok(QueryInput::new(pairs)) } else { Err(ApiError::validation(errors)) }
}

/// A JSON string, number or boolean as its text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

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

    fn fields(err: ApiError) -> Vec<String> {
        err.details.into_iter().map(|d| d.field).collect()
    }

    fn pairs(input: &QueryInput) -> Vec<(&str, &str)> {
        input.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn subscribe_filters_read_like_the_query_string() {
        let text = serde_json::json!({
            "type": "subscribe", "project": "web",
            "filters": {
                "level": ["warn", "error"], "source": "api", "tags": "a,b", "search": null,
                "meta": {"region": "eu-1", "code": 42}, "q": "-\"GET /healthz\"",
            },
        })
        .to_string();
        let Subscribe { project, filters } = Subscribe::parse(&text).unwrap();
        assert_eq!(project.as_deref(), Some("web"));
        let mut got = pairs(&filters);
        got.sort();
        assert_eq!(
            got,
            [
                ("level", "warn,error"),
                ("meta.code", "42"),
                ("meta.region", "eu-1"),
                ("q", "-\"GET /healthz\""),
                ("source", "api"),
                ("tags", "a,b"),
            ]
        );

        let bad = r#"{"type": "subscribe", "filters": {"level": {"x": 1}, "tags": [1, {}], "meta": "x"}}"#;
        let mut got = fields(Subscribe::parse(bad).unwrap_err());
        got.sort();
        assert_eq!(got, ["level", "meta", "tags"]);
        let bad = r#"{"type": "subscribe", "filters": {"meta": {"a": [1]}}}"#;
        assert_eq!(fields(Subscribe::parse(bad).unwrap_err()), ["meta.a"]);
    }

    #[test]
    fn a_subscribe_message_needs_its_type_and_shapes() {
        let none = Subscribe::parse(r#"{"type": "subscribe"}"#).unwrap();
        assert_eq!(none, Subscribe { project: None, filters: QueryInput::default() });
        assert_eq!(Subscribe::parse("{").unwrap_err().code, "invalid_json");
        assert_eq!(fields(Subscribe::parse(r#"{"type": "unsubscribe"}"#).unwrap_err()), ["type"]);
        assert_eq!(
            fields(Subscribe::parse(r#"{"type": "subscribe", "project": ""}"#).unwrap_err()),
            ["project"]
        );
        assert_eq!(
            fields(Subscribe::parse(r#"{"type": "subscribe", "filters": []}"#).unwrap_err()),
            ["filters"]
        );
    }
}
