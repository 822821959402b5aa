//! Small fixed entries for unit tests.

use chrono::DateTime;
use orion_core::model::ProjectId;
use orion_core::model::SourceName;
use orion_core::model::log::{Level, LogEntry, NewLogEntry};
use serde_json::{Map, Value};

/// An entry at second `1_700_000_000 + id`.
pub(crate) fn entry(id: i64, message: &str, level: Level, tags: &[&str], source: Option<&str>) -> LogEntry {
    let at = DateTime::from_timestamp(1_700_000_000 + id, 0).unwrap_or_default();
    LogEntry {
        id,
        entry: NewLogEntry {
            project_id: project(),
            timestamp: at,
            received_at: at,
            level,
            message: message.to_owned(),
            metadata: Map::new(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            source: source.map(|s| SourceName::parse(s).expect("a valid source name")),
            server_id: None,
        },
    }
}

/// The same entry with metadata.
pub(crate) fn with_metadata(mut e: LogEntry, metadata: Value) -> LogEntry {
    e.entry.metadata = metadata.as_object().cloned().unwrap_or_default();
    e
}

/// A fixed project.
pub(crate) fn project() -> ProjectId {
    ProjectId(1)
}
