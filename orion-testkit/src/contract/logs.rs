//! Contract of [`LogRepository`](orion_core::repo::LogRepository): every
//! query must agree with [`LogFilter::matches`], the reference semantics,
//! so most checks store a data set, run a query, and compare with what the
//! reference keeps of that same data set.
//!
//! Every check writes into fresh projects, whose other rows (other checks,
//! other runs) must never show up: isolation is checked everywhere, not
//! just in its own module. Timestamps sit in 2024, except retention's,
//! which sit before 1990 so its global deletes never touch other checks.

pub(super) mod filters;
pub(super) mod histogram;
pub(super) mod idempotency;
pub(super) mod isolation;
pub(super) mod level_counts;
pub(super) mod paging;
pub(super) mod retention;
pub(super) mod round_trip;
pub(super) mod text_search;

use chrono::{DateTime, Utc};
use orion_core::Repos;
use orion_core::model::log::{Level, LogEntry, LogFilter, LogQuery, NewLogEntry};
use orion_core::model::{ProjectId, ServerId, SourceName};
use serde_json::Map;

use super::at;

/// The largest page a search may ask for.
const MAX_LIMIT: u32 = 1_000;

/// A minimal entry of `project` at `at(offset_ms)`.
fn entry(project: ProjectId, offset_ms: i64, level: Level, message: &str) -> NewLogEntry {
    entry_at(project, at(offset_ms), level, message)
}

/// `name` as a source name; the suites only use valid ones.
fn source(name: &str) -> SourceName {
    SourceName::parse(name).expect("a valid source name")
}

/// `id` as a server id; the suites only use valid ones.
fn server(id: &str) -> ServerId {
    ServerId::parse(id).expect("a valid server id")
}

/// A minimal entry of `project` at `timestamp`.
fn entry_at(project: ProjectId, timestamp: DateTime<Utc>, level: Level, message: &str) -> NewLogEntry {
    NewLogEntry {
        project_id: project,
        timestamp,
        received_at: timestamp,
        level,
        message: message.to_owned(),
        metadata: Map::new(),
        tags: Vec::new(),
        source: None,
        server_id: None,
    }
}

/// Appends and checks the basic promise of `append`: same entries back, in
/// input order, with strictly increasing ids.
async fn append(repos: &Repos, entries: Vec<NewLogEntry>) -> Vec<LogEntry> {
    let stored = repos.logs.append(entries.clone()).await.expect("append");
    let returned: Vec<&NewLogEntry> = stored.iter().map(|e| &e.entry).collect();
    assert_eq!(returned, entries.iter().collect::<Vec<_>>(), "append must return its input, in order");
    assert!(stored.windows(2).all(|w| w[0].id < w[1].id), "ids must increase in input order");
    stored
}

/// What the reference keeps of `stored`: matches, newest first
/// (`timestamp` desc, then `id` desc).
fn reference(stored: &[LogEntry], filter: &LogFilter) -> Vec<LogEntry> {
    let mut kept: Vec<LogEntry> = stored.iter().filter(|e| filter.matches(&e.entry)).cloned().collect();
    kept.sort_by_key(|e| std::cmp::Reverse((e.entry.timestamp, e.id)));
    kept
}

fn ids(entries: &[LogEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.id).collect()
}

/// A search for everything matching, in one page.
fn query(filter: LogFilter) -> LogQuery {
    LogQuery { filter, limit: MAX_LIMIT, offset: 0 }
}

/// Searches `project` with `filter` and panics unless the page, its order
/// and its total are exactly what the reference keeps of `stored` (which
/// must be every entry of the project, fewer than [`MAX_LIMIT`]).
/// Returns how many matched.
async fn assert_search_agrees(
    repos: &Repos,
    project: ProjectId,
    stored: &[LogEntry],
    filter: &LogFilter,
) -> usize {
    let expected = reference(stored, filter);
    let page = repos.logs.search(project, &query(filter.clone())).await.expect("search");
    assert_eq!(ids(&page.logs), ids(&expected), "search results differ from the reference for {filter:?}");
    assert_eq!(page.logs, expected, "stored entries must round-trip for {filter:?}");
    assert_eq!(page.total, expected.len() as u64, "total for {filter:?}");
    assert!(!page.total_is_lower_bound, "a total below the cap is exact for {filter:?}");
    expected.len()
}
