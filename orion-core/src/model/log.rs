//! Log entries, levels and the typed query over them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::ids::ProjectId;
use super::names::SourceName;
use super::server::ServerId;

pub mod query_string;
pub mod term;
pub mod view;

pub use query_string::{MAX_QUERY_BYTES, MAX_TERMS, QueryError, parse_query};
pub use term::{MetaCondition, MetaOp, Term, TermKind};
pub use view::{EntryRows, EntryView, MetadataJson, Tags};

/// Severity, lowest to highest. The order is the derive order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Very fine detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that did not fail.
    Warn,
    /// A failure.
    Error,
    /// A failure that stops the program.
    Fatal,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 6] = [Self::Trace, Self::Debug, Self::Info, Self::Warn, Self::Error, Self::Fatal];

    /// Parses any case and the aliases `warning`, `critical`/`crit`, `err`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "trace" => Some(Self::Trace),
            "debug" => Some(Self::Debug),
            "info" => Some(Self::Info),
            "warn" | "warning" => Some(Self::Warn),
            "error" | "err" => Some(Self::Error),
            "fatal" | "critical" | "crit" => Some(Self::Fatal),
            _ => None,
        }
    }

    /// The canonical lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Fatal => "fatal",
        }
    }

    /// 0 (trace) to 5 (fatal): the stored form, so `>=` works in SQL.
    pub fn rank(self) -> i16 {
        self as i16
    }

    /// The level of a stored rank.
    pub fn from_rank(rank: i16) -> Option<Self> {
        Self::ALL.get(usize::try_from(rank).ok()?).copied()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Store-assigned log id; increases with insertion order, so it breaks
/// timestamp ties for "newest first".
pub type LogId = i64;

/// A validated entry on its way into storage.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLogEntry {
    /// The project it belongs to.
    pub project_id: ProjectId,
    /// When it happened (sender's clock; defaults to `received_at`).
    pub timestamp: DateTime<Utc>,
    /// When Orion received it.
    pub received_at: DateTime<Utc>,
    /// Severity.
    pub level: Level,
    /// The text, non-empty, at most [`MAX_MESSAGE_BYTES`].
    pub message: String,
    /// A JSON object.
    pub metadata: Map<String, Value>,
    /// Labels; an entry matches a tag filter when it carries all of them.
    pub tags: Vec<String>,
    /// Source name, if known; validated when the entry is built, so
    /// storage and filters never see an invalid one.
    pub source: Option<SourceName>,
    /// Agent server id, if known (validated likewise).
    pub server_id: Option<ServerId>,
}

impl NewLogEntry {
    /// The source name as text, for encoders and comparisons.
    pub fn source_str(&self) -> Option<&str> {
        self.source.as_ref().map(SourceName::as_str)
    }

    /// The server id as text, for encoders and comparisons.
    pub fn server_id_str(&self) -> Option<&str> {
        self.server_id.as_ref().map(ServerId::as_str)
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Store-assigned id.
    pub id: LogId,
    /// Everything that was stored.
    pub entry: NewLogEntry,
}

/// How long an ingest idempotency key is remembered: a resend with the
/// same key within this window stores nothing.
pub const IDEMPOTENCY_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Longest idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// The idempotency key of an ingest request (the `Idempotency-Key`
/// header): 1 to 128 characters of `[A-Za-z0-9._:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key, or a validation error on the field `Idempotency-Key`.
    pub fn parse(raw: &str) -> Result<Self, crate::error::FieldError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
        if raw.is_empty() || raw.len() > MAX_IDEMPOTENCY_KEY_LEN || !raw.chars().all(allowed) {
            return Err(crate::error::FieldError::new(
                "Idempotency-Key",
                format!(
                    "must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'"
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Most tags on one entry.
pub const MAX_TAGS: usize = 32;
/// Longest tag, in bytes.
pub const MAX_TAG_BYTES: usize = 128;
/// Largest metadata object, serialised, in bytes.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// Which levels a query keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LevelFilter {
    /// Every level.
    #[default]
    Any,
    /// Exactly these levels.
    OneOf(Vec<Level>),
    /// This level and above.
    AtLeast(Level),
}

impl LevelFilter {
    /// Whether `level` passes.
    pub fn matches(&self, level: Level) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(levels) => levels.contains(&level),
            Self::AtLeast(min) => level >= *min,
        }
    }
}

/// The filters shared by search, export, histogram and live tail. Every
/// field narrows; an empty filter matches everything in the project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogFilter {
    /// Levels to keep.
    pub levels: LevelFilter,
    /// Case-insensitive substring of the message, matched literally.
    pub search: Option<String>,
    /// Exact source name.
    pub source: Option<String>,
    /// The entry must carry all of these tags.
    pub tags: Vec<String>,
    /// Inclusive lower bound on `timestamp`.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `timestamp`.
    pub to: Option<DateTime<Utc>>,
    /// `metadata[key]` must equal the value: a JSON string equal to it, or a
    /// number/bool whose JSON text equals it.
    pub metadata: Vec<(String, String)>,
    /// Terms of a query string (`q=`, see [`parse_query`]); each must
    /// hold, a negated one must not.
    pub terms: Vec<Term>,
}

impl LogFilter {
    /// Whether a stored entry passes every filter. The in-memory backend
    /// and live tail use this; SQL backends must agree with it (the
    /// contract suite checks).
    pub fn matches(&self, entry: &NewLogEntry) -> bool {
        self.levels.matches(entry.level)
            && self.search.as_deref().is_none_or(|needle| contains_case_insensitive(&entry.message, needle))
            && self.source.as_deref().is_none_or(|s| entry.source_str() == Some(s))
            && self.tags.iter().all(|t| entry.tags.contains(t))
            && self.from.is_none_or(|from| entry.timestamp >= from)
            && self.to.is_none_or(|to| entry.timestamp < to)
            && self.metadata.iter().all(|(k, v)| entry.metadata.get(k).is_some_and(|j| metadata_equals(j, v)))
            && self.terms.iter().all(|t| t.matches(entry))
    }
}

/// `grep -iF` semantics: Unicode lower-casing of both sides, then a plain
/// substring test.
pub fn contains_case_insensitive(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// How a metadata filter value compares with a stored JSON value.
pub fn metadata_equals(stored: &Value, wanted: &str) -> bool {
    match stored {
        Value::String(s) => s == wanted,
        Value::Number(n) => n.to_string() == wanted,
        Value::Bool(b) => (if *b { "true" } else { "false" }) == wanted,
        _ => false,
    }
}

/// A page request: newest first (`timestamp` desc, then `id` desc).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogQuery {
    /// What to match.
    pub filter: LogFilter,
    /// At most this many entries (1–1000).
    pub limit: u32,
    /// Skip this many first.
    pub offset: u32,
}

/// Totals are counted exactly up to this many matches; past it the total
/// is reported as a lower bound, so counting never scans millions of rows.
pub const TOTAL_COUNT_CAP: u64 = 10_000;

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    /// The entries, newest first.
    pub logs: Vec<LogEntry>,
    /// Matches in total, exact up to [`TOTAL_COUNT_CAP`].
    pub total: u64,
    /// `true` when `total` is capped.
    pub total_is_lower_bound: bool,
}

/// Where an export resumes: the last entry sent (keyset pagination).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor {
    /// Its timestamp.
    pub timestamp: DateTime<Utc>,
    /// Its id.
    pub id: LogId,
}

/// Histogram bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// One minute.
    Minute,
    /// Five minutes.
    FiveMinutes,
    /// One hour.
    Hour,
    /// One day.
    Day,
}

impl Interval {
    /// Parses `1m`, `5m`, `1h`, `1d`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "1m" => Some(Self::Minute),
            "5m" => Some(Self::FiveMinutes),
            "1h" => Some(Self::Hour),
            "1d" => Some(Self::Day),
            _ => None,
        }
    }

    /// The wire name [`Self::parse`] reads: `1m`, `5m`, `1h`, `1d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minute => "1m",
            Self::FiveMinutes => "5m",
            Self::Hour => "1h",
            Self::Day => "1d",
        }
    }

    /// The width in seconds. Buckets start at multiples of it since the
    /// Unix epoch (UTC).
    pub fn seconds(self) -> i64 {
        match self {
            Self::Minute => 60,
            Self::FiveMinutes => 300,
            Self::Hour => 3_600,
            Self::Day => 86_400,
        }
    }
}

/// Counts of one level in one bucket. Buckets with no entries are absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistogramCount {
    /// Bucket start.
    pub bucket: DateTime<Utc>,
    /// The level counted.
    pub level: Level,
    /// How many entries.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_with_aliases_in_any_case() {
        assert_eq!(Level::parse("WARNING"), Some(Level::Warn));
        assert_eq!(Level::parse("Crit"), Some(Level::Fatal));
        assert_eq!(Level::parse("critical"), Some(Level::Fatal));
        assert_eq!(Level::parse("err"), Some(Level::Error));
        assert_eq!(Level::parse("verbose"), None);
        assert!(Level::Trace < Level::Fatal);
        assert_eq!(Level::from_rank(Level::Warn.rank()), Some(Level::Warn));
    }

    #[test]
    fn intervals_read_back_their_wire_names() {
        for i in [Interval::Minute, Interval::FiveMinutes, Interval::Hour, Interval::Day] {
            assert_eq!(Interval::parse(i.as_str()), Some(i));
        }
        assert_eq!(Interval::parse("2h"), None);
    }

    #[test]
    fn search_is_unicode_case_insensitive_and_literal() {
        assert!(contains_case_insensitive("Straße ÉCOLE 100% done", "école"));
        assert!(contains_case_insensitive("a_b%c", "_B%"));
        assert!(!contains_case_insensitive("abc", "a%c"));
    }

    #[test]
    fn metadata_values_compare_by_their_json_text() {
        assert!(metadata_equals(&Value::from("eu-1"), "eu-1"));
        assert!(metadata_equals(&Value::from(42), "42"));
        assert!(metadata_equals(&Value::from(true), "true"));
        assert!(!metadata_equals(&Value::from("42"), "\"42\""));
        assert!(!metadata_equals(&serde_json::json!({"a": 1}), "{\"a\":1}"));
    }
}
