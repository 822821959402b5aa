//! Log wire types: the entry as sent by agents, the entry as shown, search
//! pages, histograms and ingest answers.

use orion_core::model::log::{EntryView, HistogramCount, Level, LogEntry, LogPage};
use orion_core::service::LogInput;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{Timestamp, timestamp};

/// One entry of `POST /api/agent/log`. Every field is optional on the
/// wire; the service validates them all and names each problem.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngestEntry {
    /// Required, non-empty.
    pub message: Option<String>,
    /// Default `info`; aliases accepted.
    pub level: Option<String>,
    /// RFC 3339; default: the time received.
    pub timestamp: Option<String>,
    /// A JSON object.
    pub metadata: Option<Value>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Source name (ignored when the token is bound to a source).
    pub source: Option<String>,
}

impl From<IngestEntry> for LogInput {
    fn from(e: IngestEntry) -> Self {
        Self {
            message: e.message.unwrap_or_default(),
            level: e.level,
            timestamp: e.timestamp,
            metadata: e.metadata,
            tags: e.tags,
            source: e.source,
        }
    }
}

/// `{"accepted": N}`.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// Entries stored.
    pub accepted: usize,
}

/// A stored entry as shown: borrowed from the domain value, so exports
/// serialise millions of them without copying.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogView<'a> {
    /// Store-assigned id (increases with insertion).
    pub id: i64,
    /// When it happened.
    pub timestamp: Timestamp,
    /// When Orion received it.
    pub received_at: Timestamp,
    /// Canonical level name.
    pub level: &'static str,
    /// The text.
    pub message: &'a str,
    /// A JSON object.
    pub metadata: &'a Map<String, Value>,
    /// Labels.
    pub tags: &'a [String],
    /// Source name or null.
    pub source: Option<&'a str>,
    /// Agent server id or null.
    pub server_id: Option<&'a str>,
}

impl<'a> From<&'a LogEntry> for LogView<'a> {
    fn from(log: &'a LogEntry) -> Self {
        let e = &log.entry;
        Self {
            id: log.id,
            timestamp: Timestamp(e.timestamp),
            received_at: Timestamp(e.received_at),
            level: e.level.as_str(),
            message: &e.message,
            metadata: &e.metadata,
            tags: &e.tags,
            source: e.source_str(),
            server_id: e.server_id_str(),
        }
    }
}

/// Appends `view` as JSON, byte for byte what serialising the equal
/// entry's [`LogView`] writes (same fields, order and escaping), without
/// owning anything: what exports write per entry. A test pins the two.
pub fn write_view_json(out: &mut Vec<u8>, view: &EntryView<'_>) {
    fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
        // Writing strings and numbers into a Vec cannot fail.
        let _ = serde_json::to_writer(out, value);
    }
    out.extend_from_slice(b"{\"id\":");
    put(out, &view.id);
    out.extend_from_slice(b",\"timestamp\":");
    put(out, &Timestamp(view.timestamp));
    out.extend_from_slice(b",\"receivedAt\":");
    put(out, &Timestamp(view.received_at));
    out.extend_from_slice(b",\"level\":");
    put(out, &view.level.as_str());
    out.extend_from_slice(b",\"message\":");
    put(out, &view.message);
    out.extend_from_slice(b",\"metadata\":");
    view.metadata.write_json(out);
    out.extend_from_slice(b",\"tags\":[");
    for (i, tag) in view.tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, &tag);
    }
    out.extend_from_slice(b"],\"source\":");
    put(out, &view.source);
    out.extend_from_slice(b",\"serverId\":");
    put(out, &view.server_id);
    out.push(b'}');
}

/// A search answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageView<'a> {
    /// The entries, newest first.
    pub logs: Vec<LogView<'a>>,
    /// Matches, exact up to 10,000.
    pub total: u64,
    /// Whether `total` is capped.
    pub total_is_lower_bound: bool,
    /// The page size used.
    pub limit: u32,
    /// The offset used.
    pub offset: u32,
}

impl<'a> PageView<'a> {
    /// The page with the paging it was asked with.
    pub fn new(page: &'a LogPage, limit: u32, offset: u32) -> Self {
        Self {
            logs: page.logs.iter().map(LogView::from).collect(),
            total: page.total,
            total_is_lower_bound: page.total_is_lower_bound,
            limit,
            offset,
        }
    }
}

/// A histogram answer:
/// `{"interval": "1m", "buckets": [{"start", "total", "counts": {"info": 10, "error": 3}}]}`.
/// Buckets are oldest first; buckets and levels with no entries are absent.
#[derive(Debug, Serialize)]
pub struct HistogramView {
    /// `1m`, `5m`, `1h` or `1d`.
    pub interval: &'static str,
    /// Non-empty buckets, oldest first.
    pub buckets: Vec<Bucket>,
}

/// One time bucket.
#[derive(Debug, Serialize)]
pub struct Bucket {
    /// Bucket start (a multiple of the interval since the Unix epoch, UTC).
    pub start: String,
    /// Entries in the bucket, all levels.
    pub total: u64,
    /// Count per level, lowest level first; absent levels are zero.
    pub counts: Counts,
}

/// Level → count, serialised as an object in level order.
#[derive(Debug, Default)]
pub struct Counts(Vec<(Level, u64)>);

impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (level, count) in &self.0 {
            map.serialize_entry(level.as_str(), count)?;
        }
        map.end()
    }
}

impl HistogramView {
    /// Groups the store's `(bucket, level, count)` rows, which come sorted
    /// by bucket then level.
    pub fn new(interval: &'static str, rows: &[HistogramCount]) -> Self {
        let mut buckets: Vec<(chrono::DateTime<chrono::Utc>, Bucket)> = Vec::new();
        for row in rows {
            if buckets.last().is_none_or(|(start, _)| *start != row.bucket) {
                let bucket = Bucket { start: timestamp(row.bucket), total: 0, counts: Counts::default() };
                buckets.push((row.bucket, bucket));
            }
            if let Some((_, bucket)) = buckets.last_mut() {
                bucket.total += row.count;
                bucket.counts.0.push((row.level, row.count));
            }
        }
        Self { interval, buckets: buckets.into_iter().map(|(_, b)| b).collect() }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_view_is_written_exactly_as_its_log_view_serialises() {
        use orion_core::model::log::NewLogEntry;
        use orion_core::model::{ProjectId, ServerId, SourceName};
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(678_901);
        let messages =
            ["plain", "quote \" back \\ slash", "line\nbreak\ttab\u{1}\u{7f}", "ünïcødé 😀 \u{2028}", ""];
        let metadata = [
            json!({}),
            json!({"a": null, "b": true, "n": -12, "f": 1.5e-7, "s": "x\"y", "o": {"z": [1, {}]}}),
        ];
        for (i, message) in messages.iter().enumerate() {
            let log = LogEntry {
                id: (1 << 52) + i as i64,
                entry: NewLogEntry {
                    project_id: ProjectId(3),
                    timestamp: at,
                    received_at: at + chrono::Duration::seconds(i as i64),
                    level: Level::ALL[i % 6],
                    message: (*message).to_owned(),
                    metadata: metadata[i % 2].as_object().unwrap().clone(),
                    tags: ["t\"1", "b"][..i % 3].iter().map(|t| (*t).to_owned()).collect(),
                    source: (i % 2 == 0).then(|| SourceName::parse("api-1").unwrap()),
                    server_id: (i % 3 == 0).then(|| ServerId::parse("srv-1").unwrap()),
                },
            };
            let mut written = Vec::new();
            write_view_json(&mut written, &EntryView::of(&log));
            assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(&LogView::from(&log)).unwrap(),
                "entry {i}"
            );
        }
    }

    #[test]
    fn histogram_rows_group_into_buckets_with_counts_in_level_order() {
        let at = |m| Utc.with_ymd_and_hms(2026, 1, 1, 0, m, 0).unwrap();
        let row = |m, level, count| HistogramCount { bucket: at(m), level, count };
        let rows = [row(0, Level::Info, 10), row(0, Level::Error, 3), row(2, Level::Warn, 1)];
        let view = serde_json::to_value(HistogramView::new("1m", &rows)).unwrap();
        assert_eq!(
            view,
            json!({"interval": "1m", "buckets": [
                {"start": "2026-01-01T00:00:00.000Z", "total": 13, "counts": {"info": 10, "error": 3}},
                {"start": "2026-01-01T00:02:00.000Z", "total": 1, "counts": {"warn": 1}},
            ]})
        );
        let text = serde_json::to_string(&HistogramView::new("1m", &rows).buckets[0].counts).unwrap();
        assert_eq!(text, r#"{"info":10,"error":3}"#);
    }
}
