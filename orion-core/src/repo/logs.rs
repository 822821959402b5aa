//! Storage of log entries: the hot path.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::RepoResult;
use crate::model::ProjectId;
use crate::model::log::{
    EntryRows, HistogramCount, IdempotencyKey, Interval, LogCursor, LogEntry, LogFilter, LogId, LogPage,
    LogQuery, NewLogEntry,
};

/// What [`LogRepository::append_idempotent`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum AppendOutcome {
    /// The key was new: the entries were stored (with their ids, in input
    /// order) and the key recorded with them.
    Stored(Vec<LogEntry>),
    /// The key was already recorded for the project within the window:
    /// nothing was stored; `accepted` is what the first request stored.
    Duplicate {
        /// How many entries the first request with this key stored.
        accepted: usize,
    },
}

/// An export's pages, newest first, from a store that can keep its place
/// between pages (see [`LogRepository::export_pages`]).
#[async_trait]
pub trait LogPages: Send + Sync + std::fmt::Debug {
    /// Exactly what [`LogRepository::page_after`] with the same filter,
    /// `after` and `limit` answers now. `after` is the last entry the
    /// caller was given (`None` at the start): a store keeps its place for
    /// the cursor it handed out last and starts over for any other one, so
    /// a caller can never be answered from a stale position.
    async fn next_page(&mut self, after: Option<LogCursor>, limit: u32) -> RepoResult<Vec<LogEntry>>;

    /// The same page as [`Self::next_page`], as rows visited in place: a
    /// store holding decoded blocks lends its entries instead of copying
    /// each out (what exports use). By default, the owned page.
    async fn next_rows(&mut self, after: Option<LogCursor>, limit: u32) -> RepoResult<Box<dyn EntryRows>> {
        Ok(Box::new(self.next_page(after, limit).await?))
    }
}

/// Stores and queries log entries. Implementors must guarantee:
/// - `append` is all-or-nothing and returns only once the entries are
///   durably committed; when the write queue is full it fails fast with
///   `RepositoryError::Overloaded` instead of buffering without bound;
/// - ids increase with insertion order;
/// - every query applies [`LogFilter`] with exactly the semantics of
///   [`LogFilter::matches`] (the contract suite compares);
/// - results are newest first: `timestamp` desc, then `id` desc;
/// - nothing from another project is ever returned;
/// - `append_idempotent` records its key in the same transaction as its
///   entries (a committed batch and its key are inseparable), so of any
///   number of concurrent calls with one `(project, key)` exactly one
///   stores; a duplicate never fails other requests written alongside it.
#[async_trait]
pub trait LogRepository: Send + Sync {
    /// Stores the entries in one transaction; returns them with their ids,
    /// in input order.
    async fn append(&self, entries: Vec<NewLogEntry>) -> RepoResult<Vec<LogEntry>>;

    /// Like [`Self::append`], guarded by `key` within `project` (every
    /// entry must belong to `project`): when the key was recorded at or
    /// after `at - IDEMPOTENCY_WINDOW`, stores nothing and answers
    /// `Duplicate` with the count recorded then; otherwise stores the
    /// entries and records the key with their count and `at`, in the same
    /// transaction. An expired key counts as new. An empty batch stores
    /// and records nothing (`Stored(vec![])`).
    ///
    /// [`IDEMPOTENCY_WINDOW`]: crate::model::log::IDEMPOTENCY_WINDOW
    async fn append_idempotent(
        &self,
        entries: Vec<NewLogEntry>,
        project: ProjectId,
        key: &IdempotencyKey,
        at: DateTime<Utc>,
    ) -> RepoResult<AppendOutcome>;

    /// Forgets idempotency keys recorded before `cutoff` (of any
    /// project); returns how many went.
    async fn delete_keys_older_than(&self, cutoff: DateTime<Utc>) -> RepoResult<u64>;

    /// One page of matches plus the total (exact up to
    /// [`TOTAL_COUNT_CAP`](crate::model::log::TOTAL_COUNT_CAP)).
    async fn search(&self, project: ProjectId, query: &LogQuery) -> RepoResult<LogPage>;

    /// The project's entry with this id, if it exists (another project's
    /// is `None`).
    async fn find(&self, project: ProjectId, id: LogId) -> RepoResult<Option<LogEntry>>;

    /// Up to `limit` matches strictly after `after` in newest-first order
    /// (keyset pagination for exports: constant cost per page).
    async fn page_after(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        after: Option<LogCursor>,
        limit: u32,
    ) -> RepoResult<Vec<LogEntry>>;

    /// Pages for an export of `filter`, if the store can page more cheaply
    /// than by calling [`Self::page_after`] afresh for each page (a store
    /// of merged blocks then visits each block once per export, not once
    /// per page). `None`, the default, makes exports call `page_after`.
    fn export_pages(&self, _project: ProjectId, _filter: &LogFilter) -> Option<Box<dyn LogPages>> {
        None
    }

    /// Counts per bucket and level, computed by the store (no rows loaded).
    /// Buckets start at multiples of the interval since the Unix epoch;
    /// sorted by bucket then level; empty buckets absent.
    async fn histogram(
        &self,
        project: ProjectId,
        filter: &LogFilter,
        interval: Interval,
    ) -> RepoResult<Vec<HistogramCount>>;

    /// Entries per level (index = [`Level::rank`](crate::model::log::Level::rank))
    /// matching the filter, counted by the store (alert metrics).
    async fn level_counts(&self, project: ProjectId, filter: &LogFilter) -> RepoResult<[u64; 6]>;

    /// Deletes at most `batch` entries (of any project) with `timestamp`
    /// before `cutoff`; returns how many went. Small batches keep the write
    /// lock short so ingestion never stalls behind retention.
    async fn delete_older_than(&self, cutoff: DateTime<Utc>, batch: u32) -> RepoResult<u64>;
}
