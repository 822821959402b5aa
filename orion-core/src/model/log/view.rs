//! Borrowed entries for exports: an export writes millions of entries
//! once each, and building an owned [`LogEntry`] per entry (a string per
//! message, tag and metadata value) cost about half of it. A store that
//! keeps its decoded data hands out [`EntryView`]s pointing into it
//! instead, through [`EntryRows`]; any store can fall back to owned
//! entries, which are [`EntryRows`] too.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{Level, LogCursor, LogEntry, LogId};
use crate::error::RepoResult;

/// One entry, borrowed from where it is held. Field for field what a
/// [`LogEntry`] holds, less the project (an export is of one project).
#[derive(Clone, Copy)]
pub struct EntryView<'a> {
    /// Store-assigned id.
    pub id: LogId,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// When Orion received it.
    pub received_at: DateTime<Utc>,
    /// Severity.
    pub level: Level,
    /// The text.
    pub message: &'a str,
    /// Labels, in stored order.
    pub tags: Tags<'a>,
    /// Source name, if any.
    pub source: Option<&'a str>,
    /// Agent server id, if any.
    pub server_id: Option<&'a str>,
    /// The metadata object, written as JSON on demand.
    pub metadata: &'a dyn MetadataJson,
}

impl std::fmt::Debug for EntryView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut metadata = Vec::new();
        self.metadata.write_json(&mut metadata);
        f.debug_struct("EntryView")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("received_at", &self.received_at)
            .field("level", &self.level)
            .field("message", &self.message)
            .field("tags", &self.tags.iter().collect::<Vec<_>>())
            .field("source", &self.source)
            .field("server_id", &self.server_id)
            .field("metadata", &String::from_utf8_lossy(&metadata))
            .finish()
    }
}

impl<'a> EntryView<'a> {
    /// The view of an owned entry.
    pub fn of(log: &'a LogEntry) -> Self {
        let e = &log.entry;
        Self {
            id: log.id,
            timestamp: e.timestamp,
            received_at: e.received_at,
            level: e.level,
            message: &e.message,
            tags: Tags::Owned(&e.tags),
            source: e.source_str(),
            server_id: e.server_id_str(),
            metadata: &e.metadata,
        }
    }
}

/// An entry's tags, owned strings or borrowed slices.
#[derive(Debug, Clone, Copy)]
pub enum Tags<'a> {
    /// From an owned entry.
    Owned(&'a [String]),
    /// From a store's dictionary.
    Borrowed(&'a [&'a str]),
}

impl<'a> Tags<'a> {
    /// The tags in stored order.
    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        let (owned, borrowed) = match self {
            Self::Owned(t) => (t, &[][..]),
            Self::Borrowed(t) => (&[][..], t),
        };
        owned.iter().map(String::as_str).chain(borrowed.iter().copied())
    }

    /// How many.
    pub fn len(self) -> usize {
        match self {
            Self::Owned(t) => t.len(),
            Self::Borrowed(t) => t.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// A metadata object that can write itself as JSON, byte for byte what
/// `serde_json::to_writer` writes for the equal [`Map`] (keys sorted,
/// compact), so an export reads the same whichever way it was built.
pub trait MetadataJson {
    /// Appends the object's JSON text to `out`.
    fn write_json(&self, out: &mut Vec<u8>);
}

impl MetadataJson for Map<String, Value> {
    fn write_json(&self, out: &mut Vec<u8>) {
        // Serialising JSON values into a Vec cannot fail.
        let _ = serde_json::to_writer(out, self);
    }
}

/// A page of an export, newest first, whose entries are visited as
/// [`EntryView`]s (see [`crate::repo::LogPages::next_rows`]).
pub trait EntryRows: Send {
    /// How many entries.
    fn len(&self) -> usize;

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last entry's place, for the next page's cursor.
    fn last_cursor(&self) -> Option<LogCursor>;

    /// Calls `each` with every entry in order. Fails, having visited the
    /// entries before it, when a stored entry cannot be read (a damaged
    /// block), so a caller never takes a short page for a whole one.
    fn visit(&self, each: &mut dyn FnMut(&EntryView<'_>)) -> RepoResult<()>;
}

impl EntryRows for Vec<LogEntry> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn last_cursor(&self) -> Option<LogCursor> {
        self.last().map(|e| LogCursor { timestamp: e.entry.timestamp, id: e.id })
    }

    fn visit(&self, each: &mut dyn FnMut(&EntryView<'_>)) -> RepoResult<()> {
        for log in self {
            each(&EntryView::of(log));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::model::log::NewLogEntry;
    use crate::model::{ProjectId, SourceName};

    fn entry(id: LogId, tags: &[&str]) -> LogEntry {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().expect("valid");
        LogEntry {
            id,
            entry: NewLogEntry {
                project_id: ProjectId(1),
                timestamp: at,
                received_at: at,
                level: Level::Error,
                message: format!("m{id}"),
                metadata: json!({"b": [1, "x"], "a": null}).as_object().expect("object").clone(),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                source: Some(SourceName::parse("api").expect("valid")),
                server_id: None,
            },
        }
    }

    #[test]
    fn owned_entries_are_rows_of_their_own_views_in_order() {
        let rows = vec![entry(7, &["x", "y"]), entry(5, &[])];
        let mut seen = Vec::new();
        rows.visit(&mut |v| {
            let mut meta = Vec::new();
            v.metadata.write_json(&mut meta);
            seen.push((v.id, v.message.to_owned(), v.tags.iter().collect::<Vec<_>>().join(","), meta));
        })
        .expect("owned rows never fail");
        assert_eq!(seen[0], (7, "m7".to_owned(), "x,y".to_owned(), br#"{"a":null,"b":[1,"x"]}"#.to_vec()));
        assert_eq!(seen[1].0, 5);
        assert_eq!(seen[1].2, "");
        assert_eq!(rows.last_cursor(), Some(LogCursor { timestamp: rows[1].entry.timestamp, id: 5 }));
        assert_eq!(Vec::<LogEntry>::new().last_cursor(), None);
    }

    #[test]
    fn both_kinds_of_tags_read_alike() {
        let owned = vec!["a".to_owned(), "b".to_owned()];
        let borrowed = ["a", "b"];
        assert_eq!(
            Tags::Owned(&owned).iter().collect::<Vec<_>>(),
            Tags::Borrowed(&borrowed).iter().collect::<Vec<_>>()
        );
        assert_eq!(Tags::Borrowed(&borrowed).len(), 2);
        assert!(Tags::Owned(&[]).is_empty());
    }
}
